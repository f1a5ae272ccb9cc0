#!/usr/bin/env bash
# TLS usage (issue 17) with real clients at known versions and ciphers:
# openssl s_client over STARTTLS and HTTPS, swaks without STARTTLS. After a
# forced flush ("usage flush" on the control socket) the rollups, the
# tlsconnections report, GET /metrics and the commit's prediction must say
# exactly those sessions. A daemon killed with SIGKILL loses at most the
# counts of one flush interval and leaves the rollups intact.
. "$(dirname "$0")/e2e_lib.sh"

home=$(new_home usage)
q() { sqlite3 "$home/config.db" "$1"; }
smtp() { handshake "$SMTP_PORT" "$1" smtp -name "$2" "${@:3}"; }

check "tlsgated starts (flushes only when asked)" start_daemon "$home" --usage-flush 3600
check "inbound SMTP allows TLS v1.1 to v1.3" commit_sslconfig "$home" inbound 1-3 ""
for i in 1 2 3; do smtp 1.3 t13.example || not_ok "STARTTLS TLS 1.3 $i"; done
for i in 1 2; do smtp 1.1 old.example || not_ok "STARTTLS TLS 1.1 $i"; done
check "STARTTLS TLS 1.2 with AES256-SHA" smtp 1.2 cbc.example -cipher AES256-SHA
check_fails "STARTTLS TLS 1.0 is refused" smtp 1.0 v10.example
check "an SMTP session without STARTTLS" swaks --server "127.0.0.1:$SMTP_PORT" \
	--helo plain.example --to a@example.com --from b@example.org --quit-after EHLO >/dev/null 2>&1
for i in 1 2; do handshake "$HTTPS_PORT" 1.2 || not_ok "HTTPS TLS 1.2 $i"; done
check_fails "HTTPS TLS 1.3 is refused (GUI HTTPS allows 1.1-1.2)" handshake "$HTTPS_PORT" 1.3
check_eq "nothing is written before a flush" 0 "$(q 'SELECT COUNT(*) FROM tls_usage')"
reply=$(control "$home" "usage flush")
check "usage flush answers flushed N" grep -qE '^flushed [1-9][0-9]*$' <<<"$reply"

check_eq "rollups: inbound sessions per outcome" "failed|1 none|1 success|6" \
	"$(q "SELECT outcome, SUM(sessions) FROM tls_usage WHERE service='inbound' GROUP BY 1" | tr '\n' ' ' | sed 's/ $//')"
check_eq "rollups: inbound TLS 1.3 sessions from t13.example" "3" \
	"$(q "SELECT SUM(sessions) FROM tls_usage WHERE service='inbound' AND version='TLSv1.3' AND peer_name='t13.example' AND peer='127.0.0.1' AND grp='x25519' AND mode='preferred'")"
check_eq "rollups: the TLS 1.0 attempt failed for want of a protocol" "v10.example|unsupported protocol|1" \
	"$(q "SELECT peer_name, reason, sessions FROM tls_usage WHERE service='inbound' AND outcome='failed'")"
check_eq "rollups: GUI HTTPS" "failed|1 success|2" \
	"$(q "SELECT outcome, SUM(sessions) FROM tls_usage WHERE service='gui' GROUP BY 1" | tr '\n' ' ' | sed 's/ $//')"
check_eq "rollups: the hour is the current one" "$(($(date +%s) / 3600 * 3600))" \
	"$(q 'SELECT DISTINCT hour FROM tls_usage')"

report=$("$TLSGATE" --home "$home" -c "tlsconnections inbound 1d")
echo "$report" | sed 's/^/#   /'
check "report: totals" grep -qx 'Sessions: 8 (TLS success 6, TLS failed 1, no TLS 1)' <<<"$report"
check "report: TLS v1.3 sessions per cipher" grep -qE '^TLS v1\.3 +TLS_AES_256_GCM_SHA384 +x25519 +3$' <<<"$report"
check "report: TLS v1.2 AES256-SHA without a group" grep -qE '^TLS v1\.2 +AES256-SHA +- +1$' <<<"$report"
check "report: TLS v1.1" grep -qE '^TLS v1\.1 +ECDHE-RSA-AES256-SHA +[a-z0-9]+ +2$' <<<"$report"
check "report: failures by reason" grep -qE '^unsupported protocol +1$' <<<"$report"
check "report: top peers of TLS v1.1" grep -qx 'TLS v1.1: old.example 2' <<<"$report"
check "report: AsyncOS columns for the plain sender" grep -qE '^plain\.example +0 +0 +0 +0 +1 +1$' <<<"$report"
check "report: AsyncOS columns for the refused sender" grep -qE '^v10\.example +0 +0 +1 +0 +0 +1$' <<<"$report"
check "report: 80 columns at most" bash -c '! awk "length > 80" <<<"$1" | grep -q .' _ "$report"
check "report: gui and outbound too" bash -c '"$1" --home "$2" -c tlsconnections | grep -c "^TLS Connections:" | grep -qx 3' _ "$TLSGATE" "$home"
for bad in foo 0d -3 99999d 12x; do
	check_fails "tlsconnections refuses \"$bad\"" bash -c '"$1" --home "$2" -c "tlsconnections $3" >/dev/null 2>&1' _ "$TLSGATE" "$home" "$bad"
done

# Metrics: running totals since start; curl's own handshake is one more GUI success.
metrics=$(curl -sk "https://127.0.0.1:$HTTPS_PORT/metrics")
msum() { # SERVICE OUTCOME [VERSION]
	awk -v s="service=\"$1\"" -v o="outcome=\"$2\"" -v v="version=\"${3:-}\"" \
		'/^tlsgate_tls_sessions_total\{/ && index($0, s) && index($0, o) && (v == "version=\"\"" || index($0, v)) { n += $NF } END { print n + 0 }' <<<"$metrics"
}
check_eq "metrics: inbound successes" 6 "$(msum inbound success)"
check_eq "metrics: inbound TLS 1.3" 3 "$(msum inbound success TLSv1.3)"
check_eq "metrics: inbound failures" 1 "$(msum inbound failed)"
check_eq "metrics: inbound without TLS" 1 "$(msum inbound none)"
check_eq "metrics: GUI successes (2 + this request)" 3 "$(msum gui success)"
check "metrics: the reason is a label" grep -q 'reason="unsupported protocol"} 1$' <<<"$metrics"
check "metrics: Prometheus content type" bash -c "curl -skI https://127.0.0.1:$HTTPS_PORT/metrics | grep -qi '^content-type: text/plain; version=0.0.4'"
code=$(curl -sk -o /dev/null -w '%{http_code}' --interface 127.0.0.2 "https://127.0.0.1:$HTTPS_PORT/metrics")
check_eq "metrics: refused from an address not allowed" 403 "$code"

# The prediction at commit: exactly the recorded sessions.
check "commit: inbound TLS v1.2 and v1.3 only" commit_sslconfig "$home" inbound 1-2 ""
check "commit prints who turning off TLS v1.1 would have refused" grep -qxF \
	'Warning: Inbound SMTP: turning off TLS v1.1 would have refused 2 of 8 sessions (25.0 %) from 1 sender in the last 7 days (top: old.example 2).' \
	"$TEST_TMP/commit.out"
check_fails "no cipher-suite line when the list stays" grep -q 'new cipher suites' "$TEST_TMP/commit.out"
check "commit: a cipher list without SHA-1 suites" commit_sslconfig "$home" inbound 1-2 'HIGH:!aNULL:!SHA1'
check "commit prints who the new cipher suites would have refused" grep -qxF \
	'Warning: Inbound SMTP: the new cipher suites would have refused 1 of 8 sessions (12.5 %) from 1 sender in the last 7 days (top: cbc.example 1).' \
	"$TEST_TMP/commit.out"
check "the prediction reads the rollups (the earlier sessions are still there)" \
	test "$(q "SELECT SUM(sessions) FROM tls_usage WHERE service='inbound'")" = 8
printf 'sslconfig\nGUI\n1-2\n\n\n\ncommit --strict\n' | "$TLSGATE" --home "$home" >"$TEST_TMP/strict.out" 2>&1
check "commit --strict refuses a commit that would refuse recorded clients" \
	grep -q 'GUI HTTPS: turning off TLS v1.1 would have refused' "$TEST_TMP/strict.out"
check_fails "... and nothing was committed" grep -q '^Changes committed' "$TEST_TMP/strict.out"

# SIGKILL: what was flushed stays; at most one flush interval is lost.
before=$(q 'SELECT SUM(sessions) FROM tls_usage')
handshake "$HTTPS_PORT" 1.2
{
	kill -KILL "$DAEMON_PID"
	wait "$DAEMON_PID"
} 2>/dev/null
check_eq "killed before a flush: the rollups are as they were" "$before" "$(q 'SELECT SUM(sessions) FROM tls_usage')"
check "a 1 s flush interval" start_daemon "$home" --usage-flush 1
for i in 1 2 3; do handshake "$HTTPS_PORT" 1.2 || not_ok "HTTPS TLS 1.2 after restart"; done
sleep 2.5
{
	kill -KILL "$DAEMON_PID"
	wait "$DAEMON_PID"
} 2>/dev/null
check_eq "killed after a flush interval: the sessions are there" "$((before + 3))" "$(q 'SELECT SUM(sessions) FROM tls_usage')"
check_eq "the database is intact" ok "$(q 'PRAGMA integrity_check')"
check "a clean stop flushes" start_daemon "$home" --usage-flush 3600
check "... after one more TLS 1.2 handshake" handshake "$HTTPS_PORT" 1.2
stop_daemon
check_eq "SIGTERM: the last session is flushed" "$((before + 4))" "$(q 'SELECT SUM(sessions) FROM tls_usage')"
check "--no-usage records nothing" start_daemon "$home" --no-usage
handshake "$HTTPS_PORT" 1.2
check_eq "usage flush with recording off" "flushed 0" "$(control "$home" "usage flush")"
stop_daemon
check_eq "... and the rollups did not move" "$((before + 4))" "$(q 'SELECT SUM(sessions) FROM tls_usage')"
done_testing
