#!/usr/bin/env bash
# bench/cluster.sh: commit-to-enforced on a three-gateway cluster beside one
# standalone gateway, and the cost of a watch-triggered apply per member
# (bench/cluster_probe.py). A three-member etcd cluster and the gateways run
# on free loopback ports under a temporary directory, stopped at exit.
# Prints two key=value lines: "single ..." and "cluster ...". Exit 2 when
# etcd is not installed (bench/run.sh then prints the row as n/a).
# Usage: BUILD=build N=20 bash bench/cluster.sh
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
TLSGATE=$TOP/$BUILD/tlsgate
TLSGATED=$TOP/$BUILD/tlsgated
PY=$(command -v /usr/bin/python3 || command -v python3)
N=${N:-20}
ETCD=$(command -v etcd) || exit 2
W=$(mktemp -d /tmp/tlsgate-cbench.XXXXXX)
PIDS=()
cleanup() {
	local p alive
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	# etcd may take seconds to stop once its quorum is gone: none outlives the
	# bench (killed after 5 s; its data directory goes anyway).
	for _ in $(seq 50); do
		alive=0
		for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
		[ "$alive" = 0 ] && break
		sleep 0.1
	done
	for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
	rm -rf "$W"
}
trap cleanup EXIT
free_port() {
	"$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_for() { # wait_for SECONDS COMMAND...
	local i
	for ((i = 0; i < $1 * 10; i++)); do
		"${@:2}" && return 0
		sleep 0.1
	done
	return 1
}

initial=""
declare -a CPORT PPORT
for i in 1 2 3; do
	CPORT[$i]=$(free_port)
	PPORT[$i]=$(free_port)
	initial+="${initial:+,}e$i=http://127.0.0.1:${PPORT[$i]}"
done
for i in 1 2 3; do
	"$ETCD" --name "e$i" --data-dir "$W/etcd$i" --listen-client-urls "http://127.0.0.1:${CPORT[$i]}" \
		--advertise-client-urls "http://127.0.0.1:${CPORT[$i]}" \
		--listen-peer-urls "http://127.0.0.1:${PPORT[$i]}" \
		--initial-advertise-peer-urls "http://127.0.0.1:${PPORT[$i]}" \
		--initial-cluster "$initial" --initial-cluster-state new --initial-cluster-token bench \
		--heartbeat-interval 50 --election-timeout 500 >"$W/etcd$i.log" 2>&1 &
	PIDS+=($!)
done
ENDPOINTS="http://127.0.0.1:${CPORT[1]},http://127.0.0.1:${CPORT[2]},http://127.0.0.1:${CPORT[3]}"
wait_for 30 env ETCDCTL_API=3 etcdctl --endpoints "$ENDPOINTS" endpoint health >/dev/null 2>&1 ||
	{ echo "bench/cluster: etcd did not start" >&2; exit 1; }

declare -A PORT
for g in S A B C; do
	"$TLSGATE" --home "$W/$g" -c 'sethostname bench.example.com; commit "bench"' >/dev/null
	PORT[$g]=$(free_port)
	"$TLSGATED" --home "$W/$g" --https "127.0.0.1:${PORT[$g]}" --smtp "127.0.0.1:$(free_port)" \
		2>>"$W/daemon.err" &
	PIDS+=($!)
	wait_for 10 test -S "$W/$g/tlsgated.sock" || { echo "bench/cluster: tlsgated $g" >&2; exit 1; }
done
"$TLSGATE" --home "$W/A" -c "clusterconfig create bench $ENDPOINTS gwA" >/dev/null &&
	"$TLSGATE" --home "$W/B" -c "clusterconfig join $ENDPOINTS admin x Main_Group gwB" >/dev/null &&
	"$TLSGATE" --home "$W/C" -c "clusterconfig join $ENDPOINTS admin x Main_Group gwC" >/dev/null ||
	{ echo "bench/cluster: create/join failed" >&2; exit 1; }
v() { sqlite3 "$W/$1/config.db" 'SELECT max(version) FROM config_versions'; }
wait_for 10 bash -c "[ $(v C) = \$(sqlite3 '$W/A/config.db' 'SELECT max(version) FROM config_versions') ]"
sleep 0.5

echo "single $("$PY" "$TOP/bench/cluster_probe.py" --tlsgate "$TLSGATE" --home "$W/S" \
	--ports "${PORT[S]}" --n "$N")"
echo "cluster $("$PY" "$TOP/bench/cluster_probe.py" --tlsgate "$TLSGATE" --home "$W/A" \
	--ports "${PORT[A]},${PORT[B]},${PORT[C]}" --n "$N" --etcd "http://127.0.0.1:${CPORT[1]}" \
	--self gwA)"
