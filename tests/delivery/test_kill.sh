#!/usr/bin/env bash
# Killing tlsgated (SIGKILL) in the middle of deliveries loses no message and
# delivers none twice after the restart: a message leaves the spool only
# after the receiver's 250 to its data.
. "$(dirname "$0")/delivery_lib.sh"
if ! have_aiosmtpd; then
	ok "# SKIP python3-aiosmtpd is not installed"
	done_testing
	exit 0
fi
make_certs
P=$(free_port)
check "a slow receiver starts (every RCPT waits 0.4 s)" start_receivers --rcpt-delay 0.4 slow:"$P":tls:valid
shome=$(new_home sender)
printf 'smtproutes\nnew\n.slow.test\n127.0.0.1:%s\n\ncommit "route"\n' "$P" |
	"$TLSGATE" --home "$shome" >"$TEST_TMP/config.out" 2>&1
check "route committed" grep -q '^Changes committed' "$TEST_TMP/config.out"
check "sending tlsgated starts" start_sender "$shome"
N=12
for i in $(seq $N); do send "$SMTP_PORT" "user$i@kill.slow.test" "k$i"; done
check "deliveries are under way (4 RCPTs seen)" \
	poll 20 bash -c "[ \$(grep -c '^rcpt' '$RCV/slow.events' 2>/dev/null) -ge 4 ]"
kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
before=$(sed -n 's/.*"id": "\([^"]*\)".*/\1/p' "$RCV/slow.jsonl" 2>/dev/null | sort -u | wc -l)
check "killed mid-delivery: some but not all were delivered ($before of $N)" \
	test "$before" -ge 1 -a "$before" -lt "$N"
rm -f "$shome/tlsgated.sock"
check "tlsgated restarts on the same spool" start_sender "$shome"
all_there() {
	[ "$(sed -n 's/.*"id": "\([^"]*\)".*/\1/p' "$RCV/slow.jsonl" | sort -u | wc -l)" -eq "$N" ]
}
check "after the restart every message arrives" poll 40 all_there
check_eq "no message arrived twice" "" \
	"$(sed -n 's/.*"id": "\([^"]*\)".*/\1/p' "$RCV/slow.jsonl" | sort | uniq -d)"
check_eq "$N messages in all" "$N" "$(wc -l <"$RCV/slow.jsonl")"
check "the spool is empty" poll 5 bash -c "! ls '$shome/spool' | grep -q '^[0-9A-F]'"
done_testing
