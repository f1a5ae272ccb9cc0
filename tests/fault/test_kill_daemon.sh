#!/usr/bin/env bash
# test_kill_daemon: SIGKILL of tlsgated under SMTP load (STARTTLS, each
# message with a unique id), then a restart on the same home and ports while
# the senders keep going. Every message that got its "250" is in the spool
# exactly once; no message is there twice; no temporary file is left.
# (SOAK=1: three kills over a longer run.)
. "$(dirname "$0")/../e2e/e2e_lib.sh"

kills=1 secs=6
[ -n "${SOAK:-}" ] && kills=3 secs=30
home=$(new_home killdaemon)
if ! start_daemon "$home"; then
	not_ok "tlsgated starts"
	done_testing
	exit 1
fi
first_pid=$DAEMON_PID
"$PY" - "$SMTP_PORT" "$secs" "$TEST_TMP/accepted" >"$TEST_TMP/senders.out" 2>&1 <<'EOF' &
import smtplib, ssl, sys, threading, time
port, secs, out = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
accepted, lock, errors = [], threading.Lock(), [0]
def sender(t):
    n, end = 0, time.monotonic() + secs
    while time.monotonic() < end:
        mid = "fault-%d-%d" % (t, n)
        try:
            s = smtplib.SMTP("127.0.0.1", port, timeout=5)
            s.ehlo("kill.example")
            s.starttls(context=ctx)
            s.ehlo("kill.example")
            for _ in range(3):  # a few messages per session
                mid = "fault-%d-%d" % (t, n)
                n += 1
                s.sendmail("a@example.com", ["b@example.net"],
                           "Subject: %s\r\nMessage-ID: <%s@kill.example>\r\n\r\n%s" % (mid, mid, ("x" * 70 + "\r\n") * 30))
                with lock:
                    accepted.append(mid)  # the server said 250
            s.quit()
        except (OSError, smtplib.SMTPException):
            with lock:
                errors[0] += 1
            time.sleep(0.02)
threads = [threading.Thread(target=sender, args=(t,)) for t in range(4)]
for t in threads: t.start()
for t in threads: t.join()
open(out, "w").write("\n".join(accepted) + "\n")
print("accepted %d, failed sessions %d" % (len(accepted), errors[0]))
EOF
senders=$!

restarts_ok=yes
for k in $(seq "$kills"); do
	sleep "$(awk -v s="$secs" -v k="$kills" 'BEGIN { print s / (k + 1) }')"
	kill -9 "$DAEMON_PID"
	wait "$DAEMON_PID" 2>/dev/null
	"$TLSGATED" --home "$home" --https "127.0.0.1:$HTTPS_PORT" --smtp "127.0.0.1:$SMTP_PORT" \
		2>>"$TEST_TMP/daemon.err" &
	DAEMON_PID=$!
	at_exit "kill $DAEMON_PID"
	poll 10 test -S "$home/tlsgated.sock" || restarts_ok=no
done
wait "$senders"
echo "# $(cat "$TEST_TMP/senders.out")"
check_eq "tlsgated restarted after each of $kills SIGKILL(s)" yes "$restarts_ok"
check "it is a new process" test "$DAEMON_PID" != "$first_pid"

spooled_ids() {
	grep -ho '^Subject: fault-[0-9]*-[0-9]*' "$home"/spool/* 2>/dev/null | cut -d' ' -f2 | sort
}
spooled_ids >"$TEST_TMP/spooled"
sort "$TEST_TMP/accepted" | sed '/^$/d' >"$TEST_TMP/accepted.sorted"
n_acc=$(wc -l <"$TEST_TMP/accepted.sorted")
check "messages were accepted before and after the kill ($n_acc)" test "$n_acc" -gt 20
check_eq "no accepted message lost" "" "$(comm -23 "$TEST_TMP/accepted.sorted" <(sort -u "$TEST_TMP/spooled"))"
check_eq "no message spooled twice" "" "$(uniq -d "$TEST_TMP/spooled")"
check_eq "no temporary file left in the spool" "" "$(ls -A "$home/spool/tmp")"
check "the restarted daemon serves STARTTLS" handshake "$SMTP_PORT" 1.2 smtp
done_testing
