#!/usr/bin/env bash
# The retry schedule survives a restart: a message deferred with a 451 keeps
# its next-attempt time in the spool (the sidecar spool/.ID.retry, written
# atomically), so a restarted tlsgated waits for it instead of retrying every
# queued message at once; a schedule further away than --retry-max is capped
# at it; delivery removes the sidecar with the message.
. "$(dirname "$0")/delivery_lib.sh"
if ! have_aiosmtpd; then
	ok "# SKIP python3-aiosmtpd is not installed"
	done_testing
	exit 0
fi
P=$(free_port)
check "receiver starts" start_receivers b:"$P":plain
shome=$(new_home sender)
printf 'smtproutes\nnew\n.bounce.test\n127.0.0.1:%s\n\ncommit "routes"\n' "$P" |
	"$TLSGATE" --home "$shome" >"$TEST_TMP/config.out" 2>&1
check "the route to the receiver is committed" grep -q '^Changes committed' "$TEST_TMP/config.out"
log=$shome/logs/mail_logs
spool=$shome/spool

check "sending tlsgated starts (first retry after 30 s)" \
	start_sender "$shome" --retry-base 30 --retry-max 60
send "$SMTP_PORT" later@x.bounce.test t1
check "the first attempt gets a 451: delayed 30 s" \
	poll 15 grep -qE 'Info: MID [0-9A-F]+ delayed: 451 .*next attempt in 30 seconds$' "$log"
mid=$(grep -oE 'MID [0-9A-F]+ delayed: 451' "$log" | head -n 1 | awk '{print $2}')
sidecar=$(ls -A "$spool" | grep -E '^\..*\.retry$' | head -n 1)
check "the schedule is in the spool (.ID.retry)" test -n "$sidecar"
check "it says 1 attempt and the next one ~30 s away" bash -c "
	read -r _ n < <(sed -n 1p '$spool/$sidecar'); read -r _ t < <(sed -n 2p '$spool/$sidecar')
	d=\$((t - \$(date +%s))); [ \"\$n\" = 1 ] && [ \$d -ge 20 ] && [ \$d -le 30 ]"
check "no temporary file is left" bash -c "! ls -A '$spool/tmp' | grep -q retry"
check "tlsgated stops" stop_daemon

check "tlsgated restarts with the same back-off" \
	start_sender "$shome" --retry-base 30 --retry-max 60
sleep 3
n=$(got_count b t1)
check_eq "3 s after the restart the message still waits (not retried at once)" 0 "${n:-0}"
check "log: no delivery attempt for MID $mid since the restart" \
	bash -c "! awk '/tlsgated starting/ { n++ } n == 2' '$log' | grep -q 'Delivery start DCID [0-9]* MID $mid'"
check "tlsgated stops again" stop_daemon

check "tlsgated restarts with --retry-max 2" start_sender "$shome" --retry-base 1 --retry-max 2
check "the saved schedule is capped at 2 s: delivered" poll 15 bash -c "[ \"\$(grep -c '\"id\": \"t1\"' '$RCV/b.jsonl' 2>/dev/null)\" = 1 ]"
check "delivery removed the sidecar" poll 5 bash -c "! ls -A '$spool' | grep -q '\.retry$'"
done_testing
