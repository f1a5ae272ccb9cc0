#!/usr/bin/env bash
# Mail-log MIDs (issue 13): one decimal MID per message, from receipt
# ("Start MID N ICID I") to delivery ("Delivery start DCID D MID N", "Message
# done DCID D MID N"), as log parsers matching `MID (\d+)` expect; and MIDs
# stay unique across a daemon restart (the counter in spool/.mid) and even
# when that file is lost (the counter starts above the queued messages).
. "$(dirname "$0")/delivery_lib.sh"
if ! have_aiosmtpd; then
	ok "# SKIP python3-aiosmtpd is not installed"
	done_testing
	exit 0
fi
make_certs
PV=$(free_port) PP=$(free_port)
check "receivers start" start_receivers valid:"$PV":tls:valid plain:"$PP":plain
home=$(new_home sender)
printf 'smtproutes\nnew\n.valid.test\n127.0.0.1:%s\nnew\n.plain.test\n127.0.0.1:%s\n\ncommit "mid"\n' "$PV" "$PP" |
	"$TLSGATE" --home "$home" >"$TEST_TMP/config.out" 2>&1
check "routes committed" grep -q '^Changes committed' "$TEST_TMP/config.out"
check "sending tlsgated starts" start_sender "$home"
log=$home/logs/mail_logs

# queued_as TEST-ID: what swaks was told ("250 ... queued as N").
queued_as() { sed -n 's/.*250 2\.0\.0 Ok: queued as \([^ ]*\).*/\1/p' "$TEST_TMP/swaks-$1.out" | tail -n 1; }
# lifecycle MID: the receipt and delivery lines of one message all say MID N.
lifecycle() {
	grep -qE "Info: Start MID $1 ICID [0-9]+$" "$log" &&
		grep -qE "Info: MID $1 ICID [0-9]+ From: <alice@example\.com>$" "$log" &&
		grep -qE "Info: Delivery start DCID [0-9]+ MID $1 to RID \[0\]$" "$log" &&
		grep -qE "Info: Message done DCID [0-9]+ MID $1 to RID \[0\]$" "$log"
}

send "$SMTP_PORT" user@a.valid.test one
m1=$(queued_as one)
check "the first MID is a number" grep -qE '^[0-9]+$' <<<"$m1"
check "message one arrives" poll 15 bash -c "grep -qs '\"id\": \"one\"' '$RCV/valid.jsonl'"
check "message one: the same MID $m1 on receipt and on delivery" poll 5 lifecycle "$m1"

send "$SMTP_PORT" user@b.plain.test two
m2=$(queued_as two)
check "message two arrives" poll 15 bash -c "grep -qs '\"id\": \"two\"' '$RCV/plain.jsonl'"
check "message two: the same MID $m2 on receipt and on delivery" poll 5 lifecycle "$m2"
check "MIDs grow: $m1 < $m2" test "$m1" -lt "$m2"

check "tlsgated stops" stop_daemon
check "tlsgated starts again" start_sender "$home"
send "$SMTP_PORT" user@c.valid.test three
m3=$(queued_as three)
check "after a restart the MID is new: $m3 > $m2" test "$m3" -gt "$m2"
check "message three: the same MID $m3 on receipt and on delivery" poll 15 lifecycle "$m3"

# A message held for an unreachable host, then the counter file lost: the
# next MID still is above the queued one.
printf 'smtproutes\nnew\n.down.test\n127.0.0.1:%s\n\ncommit "down"\n' "$(free_port)" |
	"$TLSGATE" --home "$home" >"$TEST_TMP/config2.out" 2>&1
send "$SMTP_PORT" user@x.down.test four
m4=$(queued_as four)
check "message four waits in the spool as $m4" test -f "$home/spool/$m4"
check "tlsgated stops" stop_daemon
rm -f "$home/spool/.mid"
check "tlsgated starts without spool/.mid" start_sender "$home"
send "$SMTP_PORT" user@d.valid.test five
m5=$(queued_as five)
check "without spool/.mid the MID is above the queued one: $m5 > $m4" test "$m5" -gt "$m4"
check "message five: the same MID $m5 on receipt and on delivery" poll 15 lifecycle "$m5"

# Every MID in the log is a decimal number.
check_eq "no non-decimal MID in the log" "" "$(grep -oE 'MID [^ ]+' "$log" | grep -vE '^MID [0-9]+:?$')"
done_testing
