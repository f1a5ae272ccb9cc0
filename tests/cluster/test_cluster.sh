#!/usr/bin/env bash
# tests/cluster/test_cluster.sh: cluster mode on a real three-member etcd
# cluster (Debian's etcd-server, on loopback ports, its own data dirs) and
# three tlsgated gateways with their own homes and ports. A commit at cluster
# level on gateway A is enforced on B and C (openssl s_client on each); a
# commit made on a stale base is refused and lands once retried; a gateway
# stopped during a commit catches up on restart; one etcd member killed:
# commits go on; quorum lost: the commit is refused clearly, nothing is
# written anywhere, and every gateway keeps serving.
. "$(dirname "${BASH_SOURCE[0]}")/cluster_lib.sh"

# Standalone: the automation's one-liner still runs.
tg A 'clustermode cluster; showchanges'
check "standalone: clustermode cluster says so and the line goes on" \
	grep -q 'standalone' "$TEST_TMP/out.A"

# ---- create and join ----
check "A creates the cluster on the etcd endpoints" tg A "clusterconfig create fleet $ENDPOINTS gwA"
printf 'clusterconfig\n1\n' | "$TLSGATE" --home "${HOME_OF[B]}" >"$TEST_TMP/out.B" 2>&1
check "standalone clusterconfig asks 1 standalone, 2 create, 3 join (SSH), 4 join (CCS)" bash -c "
	grep -q '^1. No, configure as standalone.' '$TEST_TMP/out.B' && grep -q '^2. Create a new cluster.' '$TEST_TMP/out.B' &&
	grep -q '^3. Join an existing cluster over SSH.' '$TEST_TMP/out.B' && grep -q '^4. Join an existing cluster over CCS.' '$TEST_TMP/out.B'"
check "... and 1 leaves B standalone" test ! -e "${HOME_OF[B]}/cluster.conf"
printf 'clusterconfig\n3\n%s\nadmin\nsecret\nMain_Group\ngwB\n' "$ENDPOINTS" |
	"$TLSGATE" --home "${HOME_OF[B]}" >"$TEST_TMP/out.B" 2>&1
check "B joins through the menu (3: endpoints, etcd user, password, group, machine)" \
	grep -q 'Joined cluster fleet as machine gwB' "$TEST_TMP/out.B"
check "... the password is not echoed" bash -c "! grep -q secret '$TEST_TMP/out.B'"
check "C joins (the batch form: endpoints admin password group machine)" \
	tg C "clusterconfig join $ENDPOINTS admin secret Main_Group gwC"
check "the success text says the cluster takes effect immediately" \
	grep -q 'cluster takes effect immediately' "$TEST_TMP/out.C"
tg A "clusterconfig join $ENDPOINTS admin secret Main_Group gwZ"
check "a member cannot join again" grep -q 'already in cluster fleet' "$TEST_TMP/out.A"
tg A 'clusterconfig connstatus'
check "CONNSTATUS: the three etcd endpoints answer" grep -q '3 of 3 etcd endpoints answer' "$TEST_TMP/out.A"
check "after the joins every member holds the same version" poll 10 same_version

# ---- a commit on A is enforced on A, B and C ----
check "before: gateway B accepts TLS 1.2" handshake "${HTTPS_OF[B]}" 1.2
t0=$(date +%s%N)
check "A commits GUI TLS 1.3 only at cluster level" commit_sslconfig "${HOME_OF[A]}" gui 1 DEFAULT
check "commit reports the version enforced on 3 of 3 machines" grep -q 'is enforced on 3 of 3 machines' "$TEST_TMP/commit.out"
for g in A B C; do
	check "gateway $g enforces it (s_client: 1.3 yes, 1.2 no)" poll 10 only13 $g
done
t1=$(date +%s%N)
echo "# commit on A to enforced on A, B and C: $(((t1 - t0) / 1000000)) ms (includes the probes)"
check_eq "etcd holds A's version" "$(version_of A)" "$(etcd_get "$ENDPOINTS" /tlsgate/version)"
tg B 'clusterconfig list'
check "LIST names the three machines" bash -c "grep -q gwA '$TEST_TMP/out.B' && grep -q gwB '$TEST_TMP/out.B' && grep -q gwC '$TEST_TMP/out.B'"

# ---- a commit on a stale base is refused, nothing written; B catches up on restart ----
kill -TERM "${PID_OF[B]}"
wait "${PID_OF[B]}" 2>/dev/null
before_b=$(version_of B)
check "A commits GUI TLS 1.2 only while B is stopped" commit_sslconfig "${HOME_OF[A]}" gui 2 DEFAULT
check "commit names the machine that does not enforce it" grep -q 'enforced on 2 of 3 machines; not (yet) on: gwB' "$TEST_TMP/commit.out"
printf "sslconfig\ninbound\n1\nDEFAULT\n\n\ncommit\nfrom B\n\n" | "$TLSGATE" --home "${HOME_OF[B]}" >"$TEST_TMP/out.B" 2>&1
check "B's commit on its stale base is refused, saying why" grep -q 'Another commit reached the cluster first' "$TEST_TMP/out.B"
check_eq "nothing was written on B" "$before_b" "$(version_of B)"
check_eq "nothing was written in etcd" "$(version_of A)" "$(etcd_get "$ENDPOINTS" /tlsgate/version)"
restart_gw B
check "B restarted catches up and enforces A's commit (1.2 only)" poll 10 only12 B
# The refused batch discarded the edits it staged (the console's batch rule): B makes them again.
check "B's edit, made again once B has caught up, commits" commit_sslconfig "${HOME_OF[B]}" inbound 1 DEFAULT
check "... and A and C receive it" poll 10 bash -c "[ \$(sqlite3 '${HOME_OF[A]}/config.db' 'SELECT max(version) FROM config_versions') = \$(sqlite3 '${HOME_OF[B]}/config.db' 'SELECT max(version) FROM config_versions') ]"
check "... and C receives it" poll 10 bash -c "[ \$(sqlite3 '${HOME_OF[C]}/config.db' 'SELECT max(version) FROM config_versions') = \$(sqlite3 '${HOME_OF[B]}/config.db' 'SELECT max(version) FROM config_versions') ]"

# ---- REMOVEMACHINE (the backup script's one-liner) ----
check "A removes C: clustermode cluster; clusterconfig removemachine gwC" \
	tg A 'clustermode cluster; clusterconfig removemachine gwC'
check "C's tlsgated leaves: C is standalone, its cluster.conf gone" poll 10 test ! -e "${HOME_OF[C]}/cluster.conf"
tg A 'clusterconfig list'
check "LIST no longer names gwC" bash -c "! grep -q gwC '$TEST_TMP/out.A'"
tg C 'clusterconfig'
check "C says it is standalone" grep -q 'standalone' "$TEST_TMP/out.C"
check "C rejoins" tg C "clusterconfig join $ENDPOINTS admin secret Main_Group gwC"
check "after the rejoin every member holds the same version" poll 10 same_version
tg A 'clusterconfig removemachine nosuch'
check "removing an unknown machine is refused" grep -q 'no machine named nosuch' "$TEST_TMP/out.A"

# ---- one etcd member killed: commits go on ----
kill -KILL "${EPID[3]}"
wait "${EPID[3]}" 2>/dev/null
check "with e3 killed, A commits GUI TLS 1.3 only" commit_sslconfig "${HOME_OF[A]}" gui 1 DEFAULT
for g in B C; do
	check "gateway $g enforces it with one etcd member down" poll 10 only13 $g
done

# ---- quorum lost: refused, nothing half-written, gateways keep serving ----
kill -KILL "${EPID[2]}"
wait "${EPID[2]}" 2>/dev/null
before_a=$(version_of A)
etcd_before=$(etcd_get "http://127.0.0.1:${CPORT[1]}" /tlsgate/version)
printf "sslconfig\ngui\n2\nDEFAULT\n\n\ncommit\nno quorum\n\n" | timeout 60 "$TLSGATE" --home "${HOME_OF[A]}" >"$TEST_TMP/out.A" 2>&1
check "without quorum the commit is refused" bash -c "! grep -q '^Changes committed' '$TEST_TMP/out.A'"
check "... with a clear message" grep -q "etcd did not accept the commit.*Nothing was committed" "$TEST_TMP/out.A"
grep -o "The cluster's etcd[^.]*" "$TEST_TMP/out.A" | head -n 1 | sed 's/^/#   /'
check_eq "nothing was written on A" "$before_a" "$(version_of A)"
check_eq "nothing was written in the surviving etcd member" "$etcd_before" \
	"$(etcd_get "http://127.0.0.1:${CPORT[1]}" /tlsgate/version)"
for g in A B C; do
	check "gateway $g keeps serving its last version (1.3 only)" only13 $g
done

done_testing
