#!/usr/bin/env bash
# tests/cluster/cluster_lib.sh: what every cluster test starts with: a real
# three-member etcd cluster (Debian's etcd-server, loopback ports, its own
# data dirs) and three tlsgated gateways A, B, C with their own homes and
# ports, all stopped at exit. Source it after nothing else.
. "$(dirname "${BASH_SOURCE[0]}")/../e2e/e2e_lib.sh"

ETCD=$(command -v etcd || echo /usr/bin/etcd)
ETCDCTL=$(command -v etcdctl || echo /usr/bin/etcdctl)
if [ ! -x "$ETCD" ]; then
	not_ok "etcd is installed (apt-get install etcd-server etcd-client)"
	done_testing
	exit 1
fi

# ---- etcd: three members on loopback ----
declare -a CPORT PPORT EPID
initial=""
for i in 1 2 3; do
	CPORT[$i]=$(free_port)
	PPORT[$i]=$(free_port)
	initial+="${initial:+,}e$i=http://127.0.0.1:${PPORT[$i]}"
done
start_etcd() {
	local i=$1
	"$ETCD" --name "e$i" --data-dir "$TEST_TMP/etcd$i" \
		--listen-client-urls "http://127.0.0.1:${CPORT[$i]}" \
		--advertise-client-urls "http://127.0.0.1:${CPORT[$i]}" \
		--listen-peer-urls "http://127.0.0.1:${PPORT[$i]}" \
		--initial-advertise-peer-urls "http://127.0.0.1:${PPORT[$i]}" \
		--initial-cluster "$initial" --initial-cluster-state new \
		--initial-cluster-token tlsgate-test --heartbeat-interval 50 --election-timeout 500 \
		>"$TEST_TMP/etcd$i.log" 2>&1 &
	EPID[$i]=$!
	at_exit "kill ${EPID[$i]}"
}
for i in 1 2 3; do start_etcd $i; done
ENDPOINTS="http://127.0.0.1:${CPORT[1]},http://127.0.0.1:${CPORT[2]},http://127.0.0.1:${CPORT[3]}"
healthy() { ETCDCTL_API=3 "$ETCDCTL" --endpoints "$ENDPOINTS" endpoint health >/dev/null 2>&1; }
check "a three-member etcd cluster starts on loopback" poll 30 healthy
etcd_get() { # etcd_get ENDPOINT KEY: a serializable read (answers without quorum)
	ETCDCTL_API=3 "$ETCDCTL" --endpoints "$1" get --print-value-only --consistency=s "$2" 2>/dev/null
}

# ---- three gateways ----
declare -A HOME_OF HTTPS_OF PID_OF
for g in A B C; do
	HOME_OF[$g]=$(new_home "gw$g")
	start_daemon "${HOME_OF[$g]}" || not_ok "gateway $g starts"
	HTTPS_OF[$g]=$HTTPS_PORT
	PID_OF[$g]=$DAEMON_PID
done
restart_gw() {
	local g=$1
	"$TLSGATED" --home "${HOME_OF[$g]}" --https "127.0.0.1:${HTTPS_OF[$g]}" \
		--smtp "127.0.0.1:$(free_port)" 2>>"$TEST_TMP/daemon.err" &
	PID_OF[$g]=$!
	at_exit "kill ${PID_OF[$g]}"
	poll 10 test -S "${HOME_OF[$g]}/tlsgated.sock"
}
tg() { # tg GATEWAY "one line": the console in batch mode
	"$TLSGATE" --home "${HOME_OF[$1]}" -c "$2" >"$TEST_TMP/out.$1" 2>&1
}
out() { cat "$TEST_TMP/out.$1"; }
version_of() { sqlite3 "${HOME_OF[$1]}/config.db" 'SELECT max(version) FROM config_versions'; }

only13() { handshake "${HTTPS_OF[$1]}" 1.3 && ! handshake "${HTTPS_OF[$1]}" 1.2; }
only12() { handshake "${HTTPS_OF[$1]}" 1.2 && ! handshake "${HTTPS_OF[$1]}" 1.3; }
same_version() { [ "$(version_of A)" = "$(version_of B)" ] && [ "$(version_of B)" = "$(version_of C)" ]; }
# cluster_up: A creates cluster "fleet", B and C join Main_Group; every member
# then holds the same version.
cluster_up() {
	tg A "clusterconfig create fleet $ENDPOINTS gwA" &&
		tg B "clusterconfig join $ENDPOINTS admin secret Main_Group gwB" &&
		tg C "clusterconfig join $ENDPOINTS admin secret Main_Group gwC" &&
		poll 10 same_version
}
# level_commit GATEWAY "clustermode ..." SERVICE METHODS: one sslconfig edit
# at that level, committed in a piped batch (answers as an admin types them).
level_commit() {
	local reneg='\n'
	[ "$3" = outbound ] && reneg=''
	printf "%s\nsslconfig\n%s\n%s\nDEFAULT\n${reneg}\ncommit\nlevel %s\n\n" "$2" "$3" "$4" "$2" |
		"$TLSGATE" --home "${HOME_OF[$1]}" >"$TEST_TMP/out.$1" 2>&1 &&
		grep -q '^Changes committed' "$TEST_TMP/out.$1"
}
