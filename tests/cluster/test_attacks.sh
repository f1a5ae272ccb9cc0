#!/usr/bin/env bash
# tests/cluster/test_attacks.sh: attacks on a cluster (cluster_lib.sh): an
# admin staging users at cluster level and committing them at machine level
# (users are cluster-wide); an operator committing users at cluster level; a
# guest switching modes and committing; a stranger reaching etcd without
# credentials once etcd's auth is on — and the members, given credentials,
# going on. Each refusal leaves etcd's version and every member unchanged.
. "$(dirname "${BASH_SOURCE[0]}")/cluster_lib.sh"

as() { # as GATEWAY USER [ARGS]: the console as USER, answers on stdin
	local g=$1 u=$2
	shift 2
	timeout 30 "$TLSGATE" --home "${HOME_OF[$g]}" --user "$u" "$@" >"$TEST_TMP/out" 2>&1
}
said() { grep -qF -- "$1" "$TEST_TMP/out"; }
cluster_version() { etcd_get "$ENDPOINTS" /tlsgate/version; }
has_user() { sqlite3 "${HOME_OF[$1]}/config.db" "SELECT count(*) FROM config_values WHERE key='user.$2' AND version=(SELECT max(version) FROM config_versions)"; }

check "A creates the cluster, B and C join" cluster_up
printf 'userconfig\nNEW\nadm\n1\nadmpass123\nadmpass123\nNEW\nop\n2\noperpass12\noperpass12\nNEW\ngst\n3\nguestpass1\nguestpass1\n\ncommit "users"\n' |
	"$TLSGATE" --home "${HOME_OF[A]}" >"$TEST_TMP/out.A" 2>&1
check "root adds adm, op and gst at cluster level" grep -q '^Changes committed' "$TEST_TMP/out.A"
check "users are cluster-wide: C has op" poll 10 bash -c "[ \$(sqlite3 '${HOME_OF[C]}/config.db' \"SELECT count(*) FROM config_values WHERE key='user.op' AND version=(SELECT max(version) FROM config_versions)\") = 1 ]"
check "every member holds the same version" poll 10 same_version

# ---- a member's WebUI commits at cluster level, and says so ----
URL=https://127.0.0.1:${HTTPS_OF[B]}
token=$(curl -sk --max-time 10 -c "$TEST_TMP/jar" -b "$TEST_TMP/jar" "$URL/login" |
	sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n 1)
curl -sk --max-time 10 -c "$TEST_TMP/jar" -b "$TEST_TMP/jar" -o /dev/null --data-urlencode "csrf=$token" \
	--data-urlencode username=adm --data-urlencode password=admpass123 "$URL/login"
curl -sk --max-time 10 -b "$TEST_TMP/jar" "$URL/commit" >"$TEST_TMP/commit.html"
check "B's Commit Changes page: commit at cluster level (cluster fleet)" \
	grep -q 'id="commit-level">Commit at cluster level (cluster fleet)' "$TEST_TMP/commit.html"

# ---- an admin stages a user in cluster mode, then commits in machine mode ----
v0=$(cluster_version)
printf 'userconfig\nNEW\nmallory\n1\nmallorypw1\nmallorypw1\n\nclustermode machine gwA\ncommit "sneak"\n' | as A adm
check "committing a user at machine level is refused (users are cluster-wide)" said "is cluster-wide"
check "... saying nothing was committed" said "Nothing was committed"
check_eq "etcd's version did not move" "$v0" "$(cluster_version)"
check_eq "no member has mallory (A)" 0 "$(has_user A mallory)"
check_eq "... nor B" 0 "$(has_user B mallory)"
printf 'y\n' | as A adm -c clear

# ---- an operator commits users at cluster level ----
as B op -c 'clustermode cluster; userconfig' </dev/null
check "an operator's userconfig is refused in cluster mode" said "not in the correct access group"
mkdir -p "${HOME_OF[B]}/configuration"
printf '<config>\n<entries kind="user">\n<entry name="op">role=admin</entry>\n</entries>\n</config>\n' \
	>"${HOME_OF[B]}/configuration/opadmin.xml"
printf '2\nopadmin.xml\n' | as B op -c 'clustermode cluster; loadconfig; commit "op is admin now"'
check "an operator loading a file that makes them admin cannot commit it" \
	said "Changing user accounts needs the admin role"
check_eq "etcd's version did not move" "$v0" "$(cluster_version)"
check "op is still an operator on A" bash -c "sqlite3 '${HOME_OF[A]}/config.db' \"SELECT value FROM config_values WHERE key='user.op' AND version=(SELECT max(version) FROM config_versions)\" | grep -q 'role=operator'"

# ---- a guest switches modes and commits ----
printf 'clustermode machine gwB\nsslconfig\ngui\n2\nDEFAULT\n\n\ncommit "guest"\n' | as B gst
check "a guest may switch modes but not edit ssl settings" said "not in the correct access group"
as C gst -c 'clustermode group Main_Group; commit "guest"' </dev/null
check "a guest's commit is refused in group mode" said "not in the correct access group"
check_eq "etcd's version did not move" "$v0" "$(cluster_version)"

# ---- etcd's auth: a stranger without credentials is refused ----
ectl() { ETCDCTL_API=3 "$ETCDCTL" --endpoints "$ENDPOINTS" "$@" >>"$TEST_TMP/etcdctl.out" 2>&1; }
check "etcd auth: root, a tlsgate role on /tlsgate/ and its user, auth enabled" bash -c "
	$(declare -f ectl); ETCDCTL='$ETCDCTL' ENDPOINTS='$ENDPOINTS' TEST_TMP='$TEST_TMP'
	ectl user add root:rootpw && ectl user grant-role root root &&
	ectl role add tlsgate && ectl role grant-permission tlsgate readwrite /tlsgate/ --prefix &&
	ectl user add tlsgate:gatepw && ectl user grant-role tlsgate tlsgate && ectl auth enable"
ep1="http://127.0.0.1:${CPORT[1]}"
b64() { printf '%s' "$1" | base64 -w0; }
curl -s -m 5 -X POST "$ep1/v3/kv/put" -d "{\"key\":\"$(b64 /tlsgate/version)\",\"value\":\"$(b64 999)\"}" >"$TEST_TMP/stranger.put"
check "a stranger's put without a token is refused by etcd" grep -qi 'user name is empty\|permission denied\|invalid auth token' "$TEST_TMP/stranger.put"
curl -s -m 5 -X POST "$ep1/v3/kv/range" -d "{\"key\":\"$(b64 /tlsgate/config)\"}" >"$TEST_TMP/stranger.get"
check "a stranger cannot read the configuration either" bash -c "! grep -q '\"kvs\"' '$TEST_TMP/stranger.get'"
token=$(curl -s -m 5 -X POST "$ep1/v3/auth/authenticate" -d '{"name":"tlsgate","password":"wrong"}')
check "a wrong password gets no token" bash -c "! printf '%s' '$token' | grep -q '\"token\"'"
check_eq "the version is still the cluster's" "$v0" \
	"$(ETCDCTL_API=3 "$ETCDCTL" --endpoints "$ENDPOINTS" --user root:rootpw get --print-value-only /tlsgate/version)"

# The members joined with "admin secret": etcd now refuses them.
printf 'sslconfig\ngui\n2\nDEFAULT\n\n\ncommit\nno credentials\n\n' |
	timeout 30 "$TLSGATE" --home "${HOME_OF[A]}" >"$TEST_TMP/out.A" 2>&1
check "a member with wrong etcd credentials cannot commit, and says why" \
	grep -q "etcd did not accept the commit" "$TEST_TMP/out.A"
grep -o "etcd did not accept[^;]*" "$TEST_TMP/out.A" | head -n 1 | sed 's/^/#   /'
check "... nothing was written" bash -c "[ \$(sqlite3 '${HOME_OF[A]}/config.db' 'SELECT max(version) FROM config_versions') = $v0 ]"
for g in A B C; do
	sed -i -e 's/^user=.*/user=tlsgate/' -e 's/^password=.*/password=gatepw/' "${HOME_OF[$g]}/cluster.conf"
	grep -q '^user=' "${HOME_OF[$g]}/cluster.conf" || printf 'user=tlsgate\npassword=gatepw\n' >>"${HOME_OF[$g]}/cluster.conf"
done
check "with the tlsgate user's credentials A commits GUI 1.2 only" level_commit A 'clustermode cluster' gui 2
for g in A B C; do check "gateway $g enforces it (followers authenticate)" poll 10 only12 $g; done
check "the commit counted every member" grep -q 'is enforced on 3 of 3 machines' "$TEST_TMP/out.A"

done_testing
