#!/usr/bin/env bash
# tests/cluster/test_leader.sh: etcd's leader killed during a commit
# (cluster_lib.sh). Round 1 freezes the leader (SIGSTOP) before the commit
# starts and kills it (SIGKILL) while the commit's transaction waits on it:
# the commit is certainly in flight when the leader dies. Rounds 2-4 kill the
# leader at varied moments of a running commit. After every round the commit
# either landed once (reported committed, or reported failed and then
# delivered by the followers) or not at all — never twice, never half: etcd's
# history of /tlsgate/version goes up by exactly one per landed commit, the
# document always carries the version beside it, each version is audited
# once, and every member ends on the same configuration. Round 5 loses the
# commit's reply (every member frozen once the console sends it, under gdb):
# the console says the outcome is unknown, and a retry does not apply it twice.
. "$(dirname "${BASH_SOURCE[0]}")/cluster_lib.sh"

ectl() { ETCDCTL_API=3 "$ETCDCTL" --command-timeout=2s "$@" 2>/dev/null; }
leader() { # the index of etcd's leader (1-3), asked of the live members
	local i s
	for i in 1 2 3; do
		s=$(ectl --endpoints "http://127.0.0.1:${CPORT[$i]}" endpoint status -w json) || continue
		if printf '%s' "$s" | jq -e '.[0].Status.header.member_id == .[0].Status.leader' >/dev/null; then
			echo "$i"
			return 0
		fi
	done
	return 1
}
cluster_version() { ectl --endpoints "$ENDPOINTS" get --print-value-only /tlsgate/version; }

check "A creates the cluster, B and C join" cluster_up
start_rev=$(ectl --endpoints "$ENDPOINTS" get /tlsgate/version -w json | jq '.header.revision')
landed=0
reported=0
for round in 1 2 3 4; do
	L=$(leader) || { not_ok "round $round: etcd has a leader"; continue; }
	before=$(cluster_version)
	m=$((round % 2 + 1)) # GUI methods: 2 (1.2 only) then 1 (1.3 only)
	[ "$round" = 1 ] && kill -STOP "${EPID[$L]}"
	t0=$(date +%s%N)
	printf "sslconfig\ngui\n%s\nDEFAULT\n\n\ncommit\nround %s\n\n" "$m" "$round" |
		timeout 60 "$TLSGATE" --home "${HOME_OF[A]}" >"$TEST_TMP/round$round" 2>&1 &
	cpid=$!
	case $round in
	1) sleep 0.3 ;;
	2) sleep 0.05 ;;
	3) sleep 0.12 ;;
	4) sleep 0.2 ;;
	esac
	kill -KILL "${EPID[$L]}"
	wait "${EPID[$L]}" 2>/dev/null
	wait "$cpid"
	echo "# round $round: leader e$L killed; the commit took $((($(date +%s%N) - t0) / 1000000)) ms"
	poll 20 bash -c "[ -n \"\$(ETCDCTL_API=3 '$ETCDCTL' --command-timeout=2s --endpoints '$ENDPOINTS' get --print-value-only /tlsgate/version 2>/dev/null)\" ]"
	after=$(cluster_version)
	if grep -q '^Changes committed' "$TEST_TMP/round$round"; then
		reported=$((reported + 1))
		check_eq "round $round (leader e$L killed): reported committed, it landed once" \
			"$((before + 1))" "$after"
	else
		echo "# round $round: $(grep -o "The changes were not committed[^.]*" "$TEST_TMP/round$round" | head -n 1)"
		check "round $round (leader e$L killed): reported failed; it landed once or not at all" \
			bash -c "[ '$after' = '$before' ] || [ '$after' = '$((before + 1))' ]"
	fi
	[ "$after" != "$before" ] && landed=$((landed + 1))
	start_etcd "$L"
	check "round $round: e$L restarts and rejoins" poll 30 healthy
	check "round $round: every member converges on the cluster's version" \
		poll 20 bash -c "[ \"\$(sqlite3 '${HOME_OF[A]}/config.db' 'SELECT max(version) FROM config_versions')\" = '$after' ] && \
			[ \"\$(sqlite3 '${HOME_OF[B]}/config.db' 'SELECT max(version) FROM config_versions')\" = '$after' ] && \
			[ \"\$(sqlite3 '${HOME_OF[C]}/config.db' 'SELECT max(version) FROM config_versions')\" = '$after' ]"
done
# ---- Round 5: the commit's reply is lost (every etcd member frozen, SIGSTOP,
# once the console reaches its transaction: gdb stops it there). No endpoint
# answers, and each may hold the request: the console must say the outcome is
# unknown (not "nothing was committed"), try to fence it off, and a retry
# after SIGCONT must not apply it twice.
before=$(cluster_version)
cur=$(sqlite3 "${HOME_OF[A]}/config.db" "SELECT value FROM config_values WHERE key='gui.methods' AND version=(SELECT max(version) FROM config_versions)")
if [ "$cur" = tlsv1_3 ]; then m=2 want=tlsv1_2; else m=1 want=tlsv1_3; fi
printf "sslconfig\ngui\n%s\nDEFAULT\n\n\ncommit\nlost reply\n\n" "$m" >"$TEST_TMP/lost.in"
timeout 90 gdb -q -batch -ex 'break etcd_txn_mod' \
	-ex "run --home ${HOME_OF[A]} <$TEST_TMP/lost.in >$TEST_TMP/lost.out 2>&1" \
	-ex "shell kill -STOP ${EPID[1]} ${EPID[2]} ${EPID[3]}" -ex delete -ex continue \
	"$TLSGATE" >"$TEST_TMP/gdb.out" 2>&1
kill -CONT "${EPID[1]}" "${EPID[2]}" "${EPID[3]}"
check "round 5: gdb stopped the commit at its transaction" grep -q 'Breakpoint 1, etcd_txn_mod' "$TEST_TMP/gdb.out"
echo "# round 5: $(grep -o 'The changes were not committed: .\{0,160\}' "$TEST_TMP/lost.out" | head -n 1)"
check "round 5: the console says the outcome is unknown and how to check" \
	grep -q 'whether it landed is not known.*clusterconfig connstatus' "$TEST_TMP/lost.out"
check "round 5: ... and does not claim that nothing was committed" bash -c "! grep -q 'Nothing was committed' '$TEST_TMP/lost.out'"
poll 20 bash -c "[ -n \"\$(ETCDCTL_API=3 '$ETCDCTL' --command-timeout=2s --endpoints '$ENDPOINTS' get --print-value-only /tlsgate/version 2>/dev/null)\" ]"
sleep 1 # etcd works off the requests it held
mid=$(cluster_version)
echo "# round 5: after SIGCONT the cluster is at $mid (was $before)"
check "round 5: the lost commit landed once or not at all" bash -c "[ '$mid' = '$before' ] || [ '$mid' = '$((before + 1))' ]"
check "round 5: A has the cluster's version" poll 20 bash -c "[ \"\$(sqlite3 '${HOME_OF[A]}/config.db' 'SELECT max(version) FROM config_versions')\" = '$mid' ]"
"$TLSGATE" --home "${HOME_OF[A]}" <"$TEST_TMP/lost.in" >"$TEST_TMP/retry.out" 2>&1 # the same batch again
if [ "$mid" = "$before" ]; then
	check "round 5: it did not land; the retry commits it" grep -q '^Changes committed' "$TEST_TMP/retry.out"
else
	check "round 5: it landed; the retry says so and commits nothing" \
		grep -q 'There is no data to commit\|already in the cluster' "$TEST_TMP/retry.out"
fi
grep -q '^Changes committed\|no data to commit\|already in the cluster' "$TEST_TMP/retry.out" || sed 's/^/# retry: /' "$TEST_TMP/retry.out"
check_eq "round 5: the change landed exactly once" "$((before + 1))" "$(cluster_version)"
landed=$((landed + 1))
echo "# $landed of 5 commits landed (round 5: once, by itself or its retry), $reported of rounds 1-4 reported committed"
check "at least one commit landed across the leader kills" test "$landed" -ge 1

# etcd's whole history of /tlsgate/version since the cluster formed: +1 each time.
timeout 3 env ETCDCTL_API=3 "$ETCDCTL" --endpoints "$ENDPOINTS" watch --rev "$((start_rev + 1))" \
	/tlsgate/version >"$TEST_TMP/history" 2>/dev/null
# (uniq: a commit whose reply was lost may be fenced off by re-putting the
# same version, which is no commit.)
awk 'NR % 3 == 0' "$TEST_TMP/history" | uniq >"$TEST_TMP/values"
echo "# /tlsgate/version history: $(tr '\n' ' ' <"$TEST_TMP/values")"
check_eq "etcd's history holds one put per landed commit" "$landed" "$(wc -l <"$TEST_TMP/values")"
check "each put is the previous version plus one (no commit twice, none skipped)" \
	awk -v first="$(($(cluster_version) - landed))" 'NR == 1 { p = first } { if ($1 != p + 1) exit 1; p = $1 }' "$TEST_TMP/values"
check_eq "the document carries the version it was written with (never half)" \
	"$(cluster_version)" "$(ectl --endpoints "$ENDPOINTS" get --print-value-only /tlsgate/config | jq .version)"
audit=$(cat "${HOME_OF[A]}"/logs/cli_logs* 2>/dev/null | grep -o 'Info: commit: user [^ ]* version [0-9]*' | awk '{print $NF}')
check "no version is audited twice on A" bash -c "[ -z \"\$(printf '%s\n' '$audit' | sort | uniq -d)\" ]"
check "every commit reported committed is in A's audit log" \
	bash -c "[ \$(printf '%s\n' '$audit' | grep -c .) -ge $reported ]"
rows() { sqlite3 "${HOME_OF[$1]}/config.db" "SELECT key || '=' || value FROM config_values WHERE version=(SELECT max(version) FROM config_versions) AND key LIKE 'gui.%'"; }
check_eq "B's GUI settings are A's" "$(rows A)" "$(rows B)"
check_eq "C's GUI settings are A's" "$(rows A)" "$(rows C)"
m=$(rows A | grep '^gui.methods=' | cut -d= -f2)
case $m in
tlsv1_3) probe=only13 ;;
*) probe=only12 ;;
esac
for g in A B C; do check "gateway $g enforces the cluster's last version ($m)" poll 10 $probe $g; done

done_testing
