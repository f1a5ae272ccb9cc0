#!/usr/bin/env bash
# Temporary failures are retried with back-off, permanent ones bounce to the
# sender (a notice from the null sender, spooled and delivered like any
# message), a message for several domains is split per domain, and the
# destination's concurrency and messages-per-connection limits hold.
. "$(dirname "$0")/delivery_lib.sh"
if ! have_aiosmtpd; then
	ok "# SKIP python3-aiosmtpd is not installed"
	done_testing
	exit 0
fi
make_certs
P=$(free_port)
check "receiver starts" start_receivers b:"$P":plain
RCV_MAIN=$RCV
PL=$(free_port)
RCV=$TEST_TMP/received-lim
check "a slow receiver for the limits starts" start_receivers --rcpt-delay 0.3 lim:"$PL":plain
RCV=$RCV_MAIN
shome=$(new_home sender)
printf 'smtproutes\nnew\n.bounce.test\n127.0.0.1:%s\nnew\nlim.test\n127.0.0.1:%s\n\ndestconfig\nnew\nlim.test\nY\n1\nY\n2\nN\n1\nN\nN\nN\n\ncommit "routes"\n' "$P" "$PL" |
	"$TLSGATE" --home "$shome" >"$TEST_TMP/config.out" 2>&1
check "routes and the lim.test entry (1 connection, 2 messages each) committed" \
	grep -q '^Changes committed' "$TEST_TMP/config.out"
check "sending tlsgated starts" start_sender "$shome"
log=$shome/logs/mail_logs

send "$SMTP_PORT" reject@x.bounce.test r1 alice@back.bounce.test
check "a 550 bounces to the sender: the notice arrives from <>" \
	poll 15 bash -c "grep -q '\"subject\": \"Undelivered Mail Returned to Sender\"' '$RCV/b.jsonl'"
check "the bounce went to alice@back.bounce.test with the null sender" \
	bash -c "grep 'Undelivered' '$RCV/b.jsonl' | grep -q '\"rcpt\": \\[\"alice@back.bounce.test\"\\], \"from\": \"<>\"'"
check "log: the bounce" poll 3 grep -qE 'Info: MID [0-9A-F]+ bounced to <reject@x\.bounce\.test>: 550 ' "$log"

send "$SMTP_PORT" later@x.bounce.test t1
check "a 451 is retried and then delivered" poll 15 bash -c "grep -q '\"id\": \"t1\"' '$RCV/b.jsonl'"
check "log: the delay before the retry" poll 3 grep -qE 'Info: MID [0-9A-F]+ delayed: 451 .*next attempt in 1 seconds$' "$log"

swaks --server "127.0.0.1:$SMTP_PORT" --from bob@back.bounce.test \
	--to ok@one.bounce.test,reject2@one.bounce.test,c@two.bounce.test \
	--header 'X-Test-Id: m1' >"$TEST_TMP/swaks-m1.out" 2>&1
check "a message for two domains is split: both copies arrive" \
	poll 15 bash -c "[ \$(grep -c '\"id\": \"m1\"' '$RCV/b.jsonl') -eq 2 ]"
check "log: the split" poll 3 grep -qE 'Info: MID [0-9A-F]+ split: MID [0-9A-F]+ for two\.bounce\.test$' "$log"
check "the refused recipient of the same message bounces to bob" \
	poll 15 bash -c "grep 'Undelivered' '$RCV/b.jsonl' | grep -q 'bob@back.bounce.test'"

# Sent at once, so messages wait while the one connection is busy (sent one
# after the other on a loaded machine, each could go alone).
pids=()
for i in 1 2 3 4 5; do
	send "$SMTP_PORT" "u$i@lim.test" "l$i" &
	pids+=($!)
done
wait "${pids[@]}"
check "five messages to lim.test arrive" \
	poll 30 bash -c "[ \$(grep -c '\"id\": \"l' '$TEST_TMP/received-lim/lim.jsonl' 2>/dev/null) -eq 5 ]"
per_conn=$(grep -E "Delivery start DCID" "$log" | awk '{print $9}' | sort | uniq -c | awk '{print $1}' | sort -n | tail -n 1)
lim_dcids=$(grep -E "New SMTP DCID [0-9]+ .* port $PL$" "$log" | awk '{print $10}')
max=0
for d in $lim_dcids; do
	n=$(grep -cE "Delivery start DCID $d MID" "$log")
	[ "$n" -gt "$max" ] && max=$n
done
check_eq "messages-per-connection 2: no connection to lim.test carried more" 2 "$max"
overlap=$(grep -E "New SMTP DCID [0-9]+ .* port $PL$|DCID [0-9]+ close$" "$log" | awk -v ids=" $(echo $lim_dcids) " '
	/New SMTP/ { if (index(ids, " " $10 " ")) { open++; if (open > max) max = open } }
	/ close$/ { if (index(ids, " " $8 " ")) open-- }
	END { print max + 0 }')
check_eq "concurrency 1: never two connections to lim.test at once" 1 "$overlap"
: "$per_conn"
done_testing
