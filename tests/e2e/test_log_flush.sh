#!/usr/bin/env bash
# test_log_flush: the mail log is written in batches (daemon/mail_log.c); a
# clean stop (SIGTERM) writes every line still buffered, and lines reach the
# file within moments without a stop. Real daemon, real TLS clients.
. "$(dirname "$0")/e2e_lib.sh"

home=$(new_home logflush)
log=$home/logs/mail_logs
start_daemon "$home" || { not_ok "tlsgated starts"; done_testing; exit 1; }

# Lines reach the file without a stop (the flush timer).
check "an HTTPS handshake" handshake "$HTTPS_PORT" 1.2
check "its lines reach the log without a stop (flush timer)" \
	poll 3 grep -qE 'HTTPS CID [0-9]+ close$' "$log"

# A burst of sessions, then SIGTERM at once: nothing buffered is lost.
before=$(grep -cE 'ICID [0-9]+ close$' "$log")
"$PY" - "$SMTP_PORT" <<'PY' >"$TEST_TMP/load.out" 2>&1
import smtplib, ssl, sys
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
for i in range(40):
    s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=10)
    s.ehlo("flush.example")
    if i % 2:
        s.starttls(context=ctx)
        s.ehlo("flush.example")
    s.quit()
PY
stop_daemon
rc=$?
check_eq "tlsgated exits 0 on SIGTERM" 0 "$rc"
after=$(grep -cE 'ICID [0-9]+ close$' "$log")
check_eq "every session's close line is in the log after the stop" 40 "$((after - before))"
check "the last line is the stop" bash -c "tail -n 1 '$log' | grep -q 'tlsgated stopped$'"
# Written while the loop ran, buffered when the loop ended: flushed at the stop.
check "the signal's line and the listener's closing, buffered when the loop ended, are in it" \
	bash -c "tail -n 3 '$log' | grep -q 'tlsgated stopping on signal 15$' &&
		tail -n 3 '$log' | grep -q 'Listener InboundMail on .* closed$'"
check "no line is cut or merged (each starts with a date)" \
	bash -c "! grep -vE '^[A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8} [0-9]{4} (Info|Warning): ' '$log'"
done_testing
