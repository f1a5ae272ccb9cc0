#!/usr/bin/env bash
# sslconfig OUTBOUND methods are enforced on delivery: a receiver that speaks
# only TLS 1.3 gets nothing while outbound allows at most TLS 1.2, and the log
# says why (Preferred: "TLS deferring: ... TLS version mismatch could be the
# failure reason"; Required: "TLS failed" and "TLS was required ..."). Once
# TLS 1.3 is committed, the queued messages go out on the next retry, under
# the new configuration, without restarting tlsgated.
. "$(dirname "$0")/delivery_lib.sh"
if ! have_aiosmtpd; then
	ok "# SKIP python3-aiosmtpd is not installed"
	done_testing
	exit 0
fi
make_certs
P13=$(free_port)
check "a TLS 1.3-only receiver starts" start_receivers t13:"$P13":tls13:valid
shome=$(new_home sender)
printf 'smtproutes\nnew\n.t13.test\n127.0.0.1:%s\n\ndestconfig\nnew\npref.t13.test\nN\nN\nN\n1\nY\n2\nN\nN\nN\nnew\nreq.t13.test\nN\nN\nN\n1\nY\n3\nN\nN\nN\n\ncommit "t13"\n' "$P13" |
	"$TLSGATE" --home "$shome" >"$TEST_TMP/config.out" 2>&1
check "route and two destination entries committed" grep -q '^Changes committed' "$TEST_TMP/config.out"
check "sending tlsgated starts" start_sender "$shome"
send "$SMTP_PORT" user@pref.t13.test pref
send "$SMTP_PORT" user@req.t13.test req
log=$shome/logs/mail_logs
check "Preferred: TLS deferring with the version mismatch hint" \
	poll 15 grep -qE "Info: DCID [0-9]+ TLS deferring: \([0-9]+, '[^']*'\) TLS version mismatch could be the failure reason$" "$log"
check "Required: TLS failed with OpenSSL's reason" \
	poll 15 grep -qE "Info: DCID [0-9]+ IP 127\.0\.0\.1 TLS failed: \([0-9]+, '[^']*'\) TLS version mismatch could be the failure reason$" "$log"
check "Required: TLS was required but could not be successfully negotiated" \
	poll 15 grep -qE 'Info: DCID [0-9]+ IP 127\.0\.0\.1 TLS was required but could not be successfully negotiated$' "$log"
check "the message is delayed, not dropped" poll 3 grep -qE 'Info: MID [0-9A-F]+ delayed: .*next attempt in [0-9]+ seconds$' "$log"
check_eq "nothing reached the receiver" "" "$(cat "$RCV/t13.jsonl" 2>/dev/null)"
check_eq "both messages are still queued" 2 "$(ls "$shome/spool" | grep -c '^[0-9A-F]')"

check "commit outbound methods TLS v1.2 and v1.3" commit_sslconfig "$shome" outbound 1-2 ""
check "after the commit both are delivered on the next retry" \
	poll 20 bash -c "[ \$(grep -c '\"tls\": \"TLSv1.3\"' '$RCV/t13.jsonl' 2>/dev/null) -eq 2 ]"
check_eq "the spool is empty" 0 "$(ls "$shome/spool" | grep -c '^[0-9A-F]')"
check "log: TLS success protocol TLSv1.3" poll 3 grep -qE 'Info: DCID [0-9]+ TLS success protocol TLSv1\.3 cipher TLS_[A-Z0-9_]+$' "$log"
done_testing
