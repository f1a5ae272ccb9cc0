#!/usr/bin/env bash
# tests/cluster/test_levels.sh: cluster -> group -> machine on a real etcd
# cluster and three gateways (cluster_lib.sh). Group and machine overrides
# give each member the right effective policy, proven with openssl s_client
# on every gateway; the prompts, clustermode, the level question (on a pty),
# CLUSTERSET/CLUSTERSHOW, the group operations, SETNAME, DISCONNECT and
# RECONNECT, machine-only and cluster-only commands, join keeping the
# joiner's own settings and REMOVEMACHINE dropping them; the SOAR-style
# batch; "commit confirmed" refused in a cluster.
. "$(dirname "${BASH_SOURCE[0]}")/cluster_lib.sh"

both() { handshake "${HTTPS_OF[$1]}" 1.2 && handshake "${HTTPS_OF[$1]}" 1.3; }
doc() { etcd_get "$ENDPOINTS" /tlsgate/config; }
conf_of() { grep "^$2=" "${HOME_OF[$1]}/cluster.conf" | cut -d= -f2; }

check "A creates the cluster, B and C join" cluster_up
check "every member holds the same version" poll 10 same_version

# ---- prompts and clustermode ----
python3 - "$TLSGATE" "${HOME_OF[A]}" >"$TEST_TMP/prompts.out" 2>&1 <<'EOF'
import pexpect, sys
c = pexpect.spawn(sys.argv[1], ["--home", sys.argv[2]], encoding="utf-8", timeout=10)
c.expect_exact("(Cluster fleet)> "); print("cluster prompt")
c.sendline("clustermode group Main_Group"); c.expect_exact("(Group Main_Group)> "); print("group prompt")
c.sendline("clustermode machine gwB"); c.expect_exact("(Machine gwB)> "); print("machine prompt")
c.sendline("clustermode"); c.expect("Choose the configuration"); c.expect(r"\]> ")
c.sendline("2"); c.expect_exact("Choose the group to configure."); c.expect(r"\]> ")
c.sendline("1"); c.expect_exact("(Group Main_Group)> "); print("menu group prompt")
c.sendline("exit"); c.expect(pexpect.EOF)
EOF
for p in "cluster prompt" "group prompt" "machine prompt" "menu group prompt"; do
	check "the $p is shown exactly" grep -qx "$p" "$TEST_TMP/prompts.out"
done
tg A 'clustermode group NoSuch'
check "clustermode group refuses an unknown group" grep -q 'no group named NoSuch' "$TEST_TMP/out.A"

# ---- groups ----
check "ADDGROUP Edge" tg A 'clusterconfig addgroup Edge'
check "SETGROUP gwC Edge" tg A 'clusterconfig setgroup gwC Edge'
check "C's cluster.conf follows: group Edge" poll 10 bash -c "grep -qx 'group=Edge' '${HOME_OF[C]}/cluster.conf'"
tg A 'clusterconfig addgroup Edge'
check "ADDGROUP of an existing group is refused" grep -q 'already exists' "$TEST_TMP/out.A"

# ---- effective policy: cluster, overridden by group, overridden by machine ----
check "cluster level: GUI TLS 1.3 only" level_commit A 'clustermode cluster' gui 1
for g in A B C; do check "gateway $g: 1.3 only (cluster)" poll 10 only13 $g; done
check "group Edge: GUI TLS 1.2 only (committed on A)" level_commit A 'clustermode group Edge' gui 2
check "commit says where it went" grep -q 'Committed at the group level (Edge) of cluster fleet' "$TEST_TMP/out.A"
audit_has() { cat "${HOME_OF[$1]}"/logs/cli_logs* 2>/dev/null | grep -q "Info: commit: user [^ ]* version [0-9]* $2 comment"; }
check "the audit line of the group commit records level=group Edge" audit_has A 'level=group Edge'
check "... and of the cluster commit level=cluster" audit_has A 'level=cluster'
check "C (group Edge) enforces 1.2 only" poll 10 only12 C
check "A (Main_Group) keeps 1.3 only" only13 A
check "B (Main_Group) keeps 1.3 only" poll 10 only13 B
check "machine gwB: GUI TLS 1.2 only (committed on A)" level_commit A 'clustermode machine gwB' gui 2
check "B enforces its machine override (1.2 only)" poll 10 only12 B
check "the audit line of the machine commit records level=machine gwB" audit_has A 'level=machine gwB'

check "cluster level: GUI TLS 1.2 and 1.3" level_commit A 'clustermode cluster' gui 1-2
check "A follows the cluster (1.2 and 1.3)" poll 10 both A
check "B keeps its machine override (1.2 only)" poll 10 only12 B
check "C keeps its group override (1.2 only)" only12 C
check "the commit counted every member" grep -q 'is enforced on 3 of 3 machines' "$TEST_TMP/out.A"
check "etcd's document: the cluster's rows, group Edge's and machine gwB's overrides" \
	bash -c "etcdctl_doc() { ETCDCTL_API=3 '$ETCDCTL' --endpoints '$ENDPOINTS' get --print-value-only /tlsgate/config; };
		etcdctl_doc | jq -e '.groups.Edge[\"gui.methods\"] and .machines.gwB[\"gui.methods\"] and .assign.gwC == \"Edge\"' >/dev/null"

# ---- each level's view: the console shows what the level has ----
gui_of() { grep '^GUI HTTPS method:' "$TEST_TMP/out.$1" | tail -1 | cut -d' ' -f4; }
tg A 'clustermode machine gwB; sslconfig'
check_eq "from A, machine gwB's sslconfig shows B's GUI methods" "tlsv1_2" "$(gui_of A)"
CLUSTER_GUI=$(jq -r '.rows["gui.methods"]' <<<"$(doc)")
tg B 'clustermode cluster; sslconfig'
check_eq "on B (machine override), cluster mode shows the cluster's GUI methods" "$CLUSTER_GUI" "$(gui_of B)"
tg A 'clustermode machine gwB; showchanges'
check "... and nothing staged shows as no change there (gwB's values are the base)" \
	grep -q 'No changes have been made' "$TEST_TMP/out.A"
tg A 'clustermode group Edge; sslconfig'
check_eq "from A, group Edge's sslconfig shows the group's GUI methods" "tlsv1_2" "$(gui_of A)"
check "from A at machine gwB: the value A has in effect is an edit of gwB (1.2 and 1.3)" \
	level_commit A 'clustermode machine gwB' gui 1-2
check "B enforces it (1.2 and 1.3)" poll 10 both B
check_eq "... written at gwB's level" "$CLUSTER_GUI" "$(jq -r '.machines.gwB["gui.methods"]' <<<"$(doc)")"
# Base check per setting, against the level: A stages at gwB's level, B
# commits the same setting there first, A's commit is refused.
printf 'clustermode machine gwB\nsslconfig\ngui\n2\nDEFAULT\n\n\n' | "$TLSGATE" --home "${HOME_OF[A]}" >/dev/null 2>&1
check "B commits gwB's GUI methods (1.3 only) meanwhile" level_commit B 'clustermode machine gwB' gui 1
check "A has B's commit" poll 10 same_version
printf 'clustermode machine gwB\ncommit\nlate\n\n' | "$TLSGATE" --home "${HOME_OF[A]}" >"$TEST_TMP/out.A" 2>&1
check "A's stale edit of gwB is refused, naming the setting and the level" \
	grep -q 'GUI HTTPS method was changed at the machine level after you edited it' "$TEST_TMP/out.A"
check "... B still enforces B's commit (1.3 only)" only13 B
printf 'clear\nY\n' | "$TLSGATE" --home "${HOME_OF[A]}" >/dev/null 2>&1
check "machine gwB: GUI 1.2 only again" level_commit A 'clustermode machine gwB' gui 2
check "B enforces it (1.2 only)" poll 10 only12 B

# ---- CLUSTERSHOW and the level question ----
printf 'sslconfig\nclustershow\n\n' | "$TLSGATE" --home "${HOME_OF[B]}" >"$TEST_TMP/out.B" 2>&1
check "CLUSTERSHOW names group Edge's override" grep -q 'Group Edge overrides 1 ssl setting' "$TEST_TMP/out.B"
check "CLUSTERSHOW names machine gwB's override" grep -q 'Machine gwB overrides 1 ssl setting' "$TEST_TMP/out.B"
check "CLUSTERSHOW: B takes its ssl settings from the machine level" grep -q 'from the machine level' "$TEST_TMP/out.B"
python3 - "$TLSGATE" "${HOME_OF[B]}" >"$TEST_TMP/question.out" 2>&1 <<'EOF'
import pexpect, re, sys
c = pexpect.spawn(sys.argv[1], ["--home", sys.argv[2]], encoding="utf-8", timeout=10)
c.expect_exact("(Cluster fleet)> ")
c.sendline("sslconfig")
# The automation's regex for the level question.
c.expect(r"(?:[Cc]luster|[Gg]roup|[Mm]achine) level[^\r\n]*\[[^\]\r\n]*\]> ?")
print("asked:", (c.before + c.after).splitlines()[-1].strip())
c.sendline("M")
c.expect(r"\[\]> "); c.sendline("")
c.expect_exact("(Machine gwB)> "); print("switched to machine mode")
c.sendline("exit"); c.expect(pexpect.EOF)
EOF
check "the level question is asked on a pty, as the automation's regex expects" \
	grep -qF 'asked: Do you want to make changes at the cluster level, group level or machine level? [C]>' "$TEST_TMP/question.out"
check "answering M switches to machine mode" grep -qx 'switched to machine mode' "$TEST_TMP/question.out"

# ---- CLUSTERSET: back to the cluster's settings everywhere ----
printf 'sslconfig\nclusterset\n1\n\n' | "$TLSGATE" --home "${HOME_OF[A]}" >"$TEST_TMP/out.A" 2>&1
check "CLUSTERSET 1: ssl settings at cluster level" grep -q 'now configured at cluster level' "$TEST_TMP/out.A"
for g in B C; do check "gateway $g follows the cluster (1.2 and 1.3)" poll 10 both $g; done
printf 'sslconfig\nclusterset\n3\n\n' | "$TLSGATE" --home "${HOME_OF[A]}" >"$TEST_TMP/out.A" 2>&1
check "CLUSTERSET 3: every machine gets a copy" bash -c \
	"ETCDCTL_API=3 '$ETCDCTL' --endpoints '$ENDPOINTS' get --print-value-only /tlsgate/config | jq -e '[.machines[] | has(\"gui.methods\")] | all' >/dev/null"
check "a cluster-level commit now changes nothing on the machines" level_commit A 'clustermode cluster' gui 1
check "... B still accepts 1.2 and 1.3 (its own copy)" both B
printf 'sslconfig\nclusterset\n1\n\n' | "$TLSGATE" --home "${HOME_OF[A]}" >/dev/null 2>&1
check "CLUSTERSET 1 again: every gateway 1.3 only" poll 10 only13 B

# ---- machine-only and cluster-only commands ----
tg A 'clustermode cluster; sethostname other.example'
check "sethostname in cluster mode: the command is restricted to machine mode" \
	grep -q 'sethostname command is restricted to machine mode' "$TEST_TMP/out.A"
printf 'clustermode cluster\nsethostname gwa.example\nY\ncommit\nhost\n\n' |
	"$TLSGATE" --home "${HOME_OF[A]}" >"$TEST_TMP/out.A" 2>&1
check "... the offer to switch, accepted, sets A's hostname at machine level" \
	grep -q '^Changes committed' "$TEST_TMP/out.A"
host_of() { sqlite3 "${HOME_OF[$1]}/config.db" "SELECT value FROM config_values WHERE key='system.hostname' AND version=(SELECT max(version) FROM config_versions)"; }
check_eq "A's hostname" "gwa.example" "$(host_of A)"
check "B keeps its own hostname" poll 10 bash -c "[ \"\$(sqlite3 '${HOME_OF[B]}/config.db' \"SELECT value FROM config_values WHERE key='system.hostname' AND version=(SELECT max(version) FROM config_versions)\")\" != gwa.example ] && [ \$(sqlite3 '${HOME_OF[B]}/config.db' 'SELECT max(version) FROM config_versions') = $(version_of A) ]"
tg B 'clustermode machine gwB; userconfig'
check "userconfig in machine mode: restricted to cluster mode (users are cluster-wide)" \
	grep -q 'userconfig command is restricted to cluster mode' "$TEST_TMP/out.B"

# ---- SOAR-style batch: clustermode cluster; sslconfig ...; commit "msg" ----
printf 'clustermode cluster\nsslconfig\ngui\n2\nDEFAULT\n\n\ncommit "soar change"\n' |
	"$TLSGATE" --home "${HOME_OF[C]}" >"$TEST_TMP/out.C" 2>&1
check "the SOAR batch commits on C at cluster level" grep -q '^Changes committed' "$TEST_TMP/out.C"
for g in A B C; do check "gateway $g enforces the SOAR change (1.2 only)" poll 10 only12 $g; done

# ---- commit confirmed: refused in a cluster ----
printf 'sslconfig\ngui\n1\nDEFAULT\n\n\ncommit confirmed 5 "try"\n' |
	"$TLSGATE" --home "${HOME_OF[A]}" >"$TEST_TMP/out.A" 2>&1
check "commit confirmed is refused in a cluster, saying why" \
	grep -q 'commit confirmed" is refused in a cluster' "$TEST_TMP/out.A"
check "... and nothing changed (A still 1.2 only)" only12 A

# ---- RENAMEGROUP, DELETEGROUP, SETNAME ----
tg A 'clusterconfig deletegroup Edge'
check "DELETEGROUP refuses a group that holds a machine" grep -q 'still holds machine gwC' "$TEST_TMP/out.A"
check "RENAMEGROUP Edge Border" tg A 'clusterconfig renamegroup Edge Border'
check "C's group follows the rename" poll 10 bash -c "grep -qx 'group=Border' '${HOME_OF[C]}/cluster.conf'"
check "SETGROUP gwC Main_Group" tg A 'clusterconfig setgroup gwC Main_Group'
check "DELETEGROUP Border" tg A 'clusterconfig deletegroup Border'
check "SETNAME fleet2" tg A 'clusterconfig setname fleet2'
check "B's cluster.conf follows the new name" poll 10 bash -c "grep -qx 'name=fleet2' '${HOME_OF[B]}/cluster.conf'"

# ---- DISCONNECT and RECONNECT ----
check "C disconnects" tg C 'clusterconfig disconnect'
check "A commits 1.3 only while C is disconnected" level_commit A 'clustermode cluster' gui 1
check "B enforces it" poll 10 only13 B
sleep 1
check "C does not (disconnected: it keeps its last configuration)" only12 C
printf 'sslconfig\ngui\n1\nDEFAULT\n\n\ncommit\nfrom C\n\n' | "$TLSGATE" --home "${HOME_OF[C]}" >"$TEST_TMP/out.C" 2>&1
check "a commit on the disconnected C is refused" grep -q 'disconnected from cluster' "$TEST_TMP/out.C"
check "C reconnects" tg C 'clusterconfig reconnect'
check "C catches up (1.3 only)" poll 10 only13 C

# ---- REMOVEMACHINE drops machine-level settings; a rejoin keeps the joiner's own ----
check "machine gwB: GUI 1.2 only" level_commit A 'clustermode machine gwB' gui 2
check "B enforces it" poll 10 only12 B
check "REMOVEMACHINE gwB (the one-line form is its confirmation)" tg A 'clusterconfig removemachine gwB'
check "the output says what was dropped" grep -q "machine-level settings ([0-9]*) and certificates" "$TEST_TMP/out.A"
check "etcd no longer holds gwB's machine level" bash -c \
	"ETCDCTL_API=3 '$ETCDCTL' --endpoints '$ENDPOINTS' get --print-value-only /tlsgate/config | jq -e '(.machines | has(\"gwB\") | not) and (.assign | has(\"gwB\") | not)' >/dev/null"
check "B leaves: standalone" poll 10 test ! -e "${HOME_OF[B]}/cluster.conf"
check "B keeps serving its last configuration (1.2 only)" only12 B
tg B 'sethostname gwb.example; commit "own name"'
check "B, standalone, sets its hostname" grep -q '^Changes committed' "$TEST_TMP/out.B"
check "B rejoins" tg B "clusterconfig join $ENDPOINTS admin secret Main_Group gwB"
check "after the rejoin B takes the cluster's ssl settings (1.3 only)" poll 10 only13 B
check_eq "... and keeps its own hostname" "gwb.example" "$(host_of B)"
check_eq "A's hostname is untouched" "gwa.example" "$(host_of A)"

# The interactive REMOVEMACHINE asks first; "N" removes nothing.
printf 'clusterconfig\nremovemachine\ngwC\nN\n\n' | "$TLSGATE" --home "${HOME_OF[A]}" >"$TEST_TMP/out.A" 2>&1
check "the REMOVEMACHINE menu asks, naming what would be lost" grep -q "Machine gwC's machine-level settings" "$TEST_TMP/out.A"
check "answering N keeps gwC" test -e "${HOME_OF[C]}/cluster.conf"

done_testing
