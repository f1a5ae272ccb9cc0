#!/usr/bin/env bash
# test_spool_quota: the spool cannot be filled by unauthenticated senders
# (issue 12 item 2). Thirty 1 MB messages against a 3 MB quota: the first
# ones are queued, the rest get "452 4.3.1" and a mail-log line, the spool
# stays under the quota, and config.db keeps working (a commit succeeds).
# Then the message quota, and the free-disk floor (statvfs).
. "$(dirname "$0")/../e2e/e2e_lib.sh"

# Queued messages: the spool's files but its dot files (.mid, the MID counter).
spool_bytes() { find "$1/spool" -maxdepth 1 -type f ! -name '.*' -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }'; }
spool_files() { find "$1/spool" -maxdepth 1 -type f ! -name '.*' | wc -l; }

# send PORT COUNT SIZE: prints "accepted=N refused452=N other=N"
send() {
	"$PY" - "$@" <<'EOF'
import smtplib, sys
port, count, size = (int(a) for a in sys.argv[1:4])
body = ("Subject: quota\r\n\r\n" + ("x" * 998 + "\r\n") * (size // 1000)).encode()
res = {"accepted": 0, "refused452": 0, "other": 0}
for i in range(count):  # one session each: a refusal counts toward the error limit
    s = smtplib.SMTP("127.0.0.1", port, timeout=20)
    s.ehlo("quota.example")
    try:
        s.sendmail("a@example.com", ["b@example.net"], body)
        res["accepted"] += 1
    except smtplib.SMTPResponseException as e:
        key = "refused452" if e.smtp_code == 452 and b"4.3.1" in e.smtp_error else "other"
        res[key] += 1
        if key == "other":
            print("#", e.smtp_code, e.smtp_error)
    s.quit()
print(" ".join("%s=%d" % kv for kv in res.items()))
EOF
}

home=$(new_home quota)
start_daemon "$home" --spool-max-bytes 3000000 --spool-max-messages 1000 --spool-min-free 0 ||
	not_ok "tlsgated starts"
out=$(send "$SMTP_PORT" 30 1000000)
echo "# 30 x 1 MB: $out"
accepted=$(echo "$out" | sed -n 's/.*accepted=\([0-9]*\).*/\1/p')
refused=$(echo "$out" | sed -n 's/.*refused452=\([0-9]*\).*/\1/p')
check "30 x 1 MB against a 3 MB quota: 1 to 3 queued ($accepted)" test "${accepted:-0}" -ge 1 -a "${accepted:-0}" -le 3
check_eq "the others are refused with 452 4.3.1" $((30 - ${accepted:-0})) "${refused:-x}"
bytes=$(spool_bytes "$home")
check "the spool stays under its quota ($bytes bytes)" test "$bytes" -le 3000000
check "no half-written message is left in spool/tmp" test "$(find "$home/spool/tmp" -type f | wc -l)" -eq 0
check "the refusals are in the mail log" grep -qE 'refused: spool size quota reached' \
	"$home/logs/mail_logs"
"$TLSGATE" --home "$home" -c 'sethostname full.example.com; commit "while the spool is full"' \
	>"$TEST_TMP/commit.out" 2>&1
check "config.db keeps working while the spool is full (a commit succeeds)" \
	grep -q '^Changes committed' "$TEST_TMP/commit.out"
stop_daemon

home=$(new_home quota2)
start_daemon "$home" --spool-max-messages 5 --spool-min-free 0 || not_ok "tlsgated starts"
out=$(send "$SMTP_PORT" 8 1000)
check_eq "a 5-message quota: 5 queued, 3 refused with 452 4.3.1" "accepted=5 refused452=3 other=0" "$out"
check_eq "5 files in the spool" 5 "$(spool_files "$home")"
check "the refusals are in the mail log" grep -qE 'refused: spool message quota reached' \
	"$home/logs/mail_logs"
stop_daemon

home=$(new_home quota3)
# More than any disk here has free: every message is below the floor.
start_daemon "$home" --spool-min-free 1000000000000000000 || not_ok "tlsgated starts"
out=$(send "$SMTP_PORT" 2 1000)
check_eq "below the free-disk floor: refused with 452 4.3.1" "accepted=0 refused452=2 other=0" "$out"
check "the floor is named in the mail log" grep -qE 'refused: spool free disk space floor reached' \
	"$home/logs/mail_logs"
stop_daemon
done_testing
