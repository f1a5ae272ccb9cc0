#!/usr/bin/env bash
# TLS usage of outbound delivery (issue 17): deliveries to real receivers
# that allow only some versions (a TLS 1.3-only one the default outbound
# methods cannot reach, a TLS 1.2+ one, one without STARTTLS) are recorded per destination with their outcome, and
# the commit that turns a version off says exactly whom it would refuse.
. "$(dirname "$0")/delivery_lib.sh"
if ! have_aiosmtpd; then
	ok "# SKIP python3-aiosmtpd is not installed"
	done_testing
	exit 0
fi
make_certs
P13=$(free_port)
PT=$(free_port)
PP=$(free_port)
check "receivers start (TLS 1.3 only, TLS 1.2+, plain)" \
	start_receivers t13:"$P13":tls13:valid tls:"$PT":tls:valid plain:"$PP":plain
shome=$(new_home sender)
q() { sqlite3 "$shome/config.db" "$1"; }
printf 'smtproutes\nnew\n.t13.test\n127.0.0.1:%s\nnew\n.valid.test\n127.0.0.1:%s\nnew\n.plain.test\n127.0.0.1:%s\n\ndestconfig\nnew\npref.t13.test\nN\nN\nN\n1\nY\n2\nN\nN\nN\nnew\nreq.valid.test\nN\nN\nN\n1\nY\n3\nN\nN\nN\nnew\npref.plain.test\nN\nN\nN\n1\nY\n2\nN\nN\nN\n\ncommit "usage"\n' \
	"$P13" "$PT" "$PP" | "$TLSGATE" --home "$shome" >"$TEST_TMP/config.out" 2>&1
check "routes and destinations committed" grep -q '^Changes committed' "$TEST_TMP/config.out"
# One attempt each: the failed one waits an hour for its retry.
check "sending tlsgated starts" start_sender "$shome" --usage-flush 3600 --retry-base 3600 --retry-max 3600
send "$SMTP_PORT" user@pref.t13.test t13
send "$SMTP_PORT" user@req.valid.test valid
send "$SMTP_PORT" user@pref.plain.test plain
check "TLS 1.3-only receiver: TLS deferred (outbound allows at most TLS 1.2)" \
	poll 20 grep -q 'TLS deferring' "$shome/logs/mail_logs"
# Re-read at every try of poll (a "$(...)" argument would be read once).
arrived_with() { [ "$(tls_of "$1" "$2")" = "$3" ]; }
check "TLS 1.2+ receiver: delivered with TLS 1.2" poll 20 arrived_with tls valid TLSv1.2
check "plain receiver: delivered in clear" poll 20 arrived_with plain plain clear
check "usage flush" grep -qE '^flushed [1-9]' <<<"$(control "$shome" "usage flush")"
rows=$(q "SELECT peer, mode, outcome, version, reason, sessions FROM tls_usage WHERE service='outbound' ORDER BY peer, outcome")
echo "$rows" | sed 's/^/#   /'
check_eq "rollups: one row per session, per destination" "pref.plain.test|preferred|none||STARTTLS not offered|1
pref.t13.test|preferred|failed||unexpected eof while reading|1
req.valid.test|required|success|TLSv1.2||1" "$rows"
report=$("$TLSGATE" --home "$shome" -c "tlsconnections outbound")
check "report: outbound totals" grep -qx 'Sessions: 3 (TLS success 1, TLS failed 1, no TLS 1)' <<<"$report"
check "report: required success for req.valid.test" grep -qE '^req\.valid\.test +0 +1 +0 +0 +0 +1$' <<<"$report"
check "report: preferred failure for pref.t13.test" grep -qE '^pref\.t13\.test +0 +0 +1 +0 +0 +1$' <<<"$report"
check "report: STARTTLS not offered by the plain receiver" grep -qE '^pref\.plain\.test +0 +0 +0 +0 +1 +1$' <<<"$report"
check "commit outbound TLS v1.3 only" commit_sslconfig "$shome" outbound 1 ""
check "the commit says whom turning off TLS v1.2 would have refused" grep -qxF \
	'Warning: Outbound SMTP: turning off TLS v1.2 would have refused 1 of 3 sessions (33.3 %) from 1 destination in the last 7 days (top: req.valid.test 1).' \
	"$TEST_TMP/commit.out"
check "... and that turning off TLS v1.1 refuses none" grep -qxF \
	'Note: Outbound SMTP: turning off TLS v1.1 would have refused none of the 3 sessions in the last 7 days.' \
	"$TEST_TMP/commit.out"
done_testing
