#!/usr/bin/env bash
# test_workers_race: two tlsgated of the same user started at the same moment
# on one HTTPS address. Each probes the address without SO_REUSEPORT before
# binding with it, so both can pass the probe and join one SO_REUSEPORT
# group: a commit to one would then not be enforced on the port. After its
# binds each daemon counts the address's listening sockets and refuses to
# serve it if another process joined (if both joined before either counted,
# both refuse). Checked over 30 simultaneous starts: never two daemons
# serving, never more sockets than one daemon's workers.
# (Before the count, 2 to 6 of 40 starts ended with both serving.)
. "$(dirname "$0")/e2e_lib.sh"

tries=30
homes=("$(new_home race1)" "$(new_home race2)")
both=0 extra=0 served=0
for i in $(seq "$tries"); do
	port=$(free_port)
	pids=()
	for h in "${homes[@]}"; do
		rm -f "$h/tlsgated.sock"
		"$TLSGATED" --home "$h" --https "127.0.0.1:$port" --smtp 127.0.0.1:0 --workers 2 \
			2>>"$TEST_TMP/race.err" &
		pids+=($!)
	done
	# Settled: each daemon is up (its control socket is there) or gone.
	settled() {
		local k
		for k in 0 1; do
			kill -0 "${pids[$k]}" 2>/dev/null && [ ! -S "${homes[$k]}/tlsgated.sock" ] && return 1
		done
		return 0
	}
	poll 10 settled
	up=0
	for k in 0 1; do kill -0 "${pids[$k]}" 2>/dev/null && up=$((up + 1)); done
	sockets=$(ss -Hltn "sport = :$port" | wc -l)
	[ "$up" -gt 1 ] && both=$((both + 1))
	[ "$sockets" -gt 2 ] && extra=$((extra + 1))
	[ "$up" -ge 1 ] && served=$((served + 1))
	kill "${pids[@]}" 2>/dev/null
	wait "${pids[@]}" 2>/dev/null
done
echo "# $tries simultaneous starts: $served with a daemon serving, $both with two, $extra with over 2 sockets"
check_eq "two daemons started at once on one address: never both serving ($tries starts)" 0 "$both"
check_eq "never more listening sockets than one daemon's 2 workers" 0 "$extra"
# When both bound before either counted, both refuse (safe: systemd starts
# one again); a daemon alone on the address always serves (test_workers).
check "a daemon serves the address after some of the starts ($served of $tries)" test "$served" -ge 1
check "the refused one says why" grep -q 'another process bound it at the same moment\|Address already in use' \
	"$TEST_TMP/race.err"
done_testing
