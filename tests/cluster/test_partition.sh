#!/usr/bin/env bash
# tests/cluster/test_partition.sh: a network partition made with network
# namespaces. Two namespaces joined by one veth pair (private addresses that
# exist only between them; nothing reaches the host's network):
#   majority: etcd e1, e2 and gateways A, B
#   minority: etcd e3 and gateway C
# Cutting the veth link partitions the cluster: the minority cannot commit
# (and says so), keeps serving its last configuration, and converges once the
# link is back; the majority commits on. Needs root (ip netns); skips
# otherwise, saying why.
. "$(dirname "${BASH_SOURCE[0]}")/../e2e/e2e_lib.sh"

ETCD=$(command -v etcd || echo /usr/bin/etcd)
if [ ! -x "$ETCD" ]; then
	not_ok "etcd is installed (apt-get install etcd-server etcd-client)"
	done_testing
	exit 1
fi
if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null; then
	echo "1..0 # SKIP network namespaces need root and iproute2"
	exit 0
fi
id=$(printf '%04x' "$RANDOM")
MAJ=tgmaj$id MIN=tgmin$id
NET="10.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1))"
if ! ip netns add "$MAJ" 2>"$TEST_TMP/netns.err"; then
	echo "1..0 # SKIP ip netns add fails here: $(head -c 200 "$TEST_TMP/netns.err")"
	exit 0
fi
ip netns add "$MIN"
at_exit "ip netns del $MAJ; ip netns del $MIN"
ip link add "va$id" netns "$MAJ" type veth peer name "vb$id" netns "$MIN"
for ns in "$MAJ" "$MIN"; do ip -n "$ns" link set lo up; done
ip -n "$MAJ" addr add "$NET.1/30" dev "va$id"
ip -n "$MIN" addr add "$NET.2/30" dev "vb$id"
link() { ip -n "$MAJ" link set "va$id" "$1" && ip -n "$MIN" link set "vb$id" "$1"; }
link up
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# ---- etcd: e1, e2 in the majority, e3 in the minority ----
declare -a NS_OF ADDR CPORT PPORT EPID
NS_OF=([1]=$MAJ [2]=$MAJ [3]=$MIN)
ADDR=([1]=$NET.1 [2]=$NET.1 [3]=$NET.2)
# Ports: the namespaces are private, so one random base and fixed offsets.
BASE=$((20000 + RANDOM % 30000))
initial=""
for i in 1 2 3; do
	CPORT[$i]=$((BASE + i))
	PPORT[$i]=$((BASE + 10 + i))
	initial+="${initial:+,}e$i=http://${ADDR[$i]}:${PPORT[$i]}"
done
start_etcd() {
	local i=$1
	# ip itself, not the in_ns function: $! must be the process that
	# becomes etcd (a backgrounded function is a subshell; killing it
	# would leave etcd running).
	ip netns exec "${NS_OF[$i]}" "$ETCD" --name "e$i" --data-dir "$TEST_TMP/etcd$i" \
		--listen-client-urls "http://${ADDR[$i]}:${CPORT[$i]}" \
		--advertise-client-urls "http://${ADDR[$i]}:${CPORT[$i]}" \
		--listen-peer-urls "http://${ADDR[$i]}:${PPORT[$i]}" \
		--initial-advertise-peer-urls "http://${ADDR[$i]}:${PPORT[$i]}" \
		--initial-cluster "$initial" --initial-cluster-state new \
		--initial-cluster-token tlsgate-part --heartbeat-interval 50 --election-timeout 500 \
		>"$TEST_TMP/etcd$i.log" 2>&1 &
	EPID[$i]=$!
	at_exit "kill ${EPID[$i]}"
}
for i in 1 2 3; do start_etcd $i; done
ENDPOINTS="http://$NET.1:${CPORT[1]},http://$NET.1:${CPORT[2]},http://$NET.2:${CPORT[3]}"
ETCDCTL=$(command -v etcdctl || echo /usr/bin/etcdctl)
healthy() { in_ns "$MAJ" env ETCDCTL_API=3 "$ETCDCTL" --endpoints "$ENDPOINTS" endpoint health >/dev/null 2>&1; }
check "a three-member etcd cluster starts across the two namespaces (over the veth pair)" poll 30 healthy

# ---- gateways: A, B in the majority, C in the minority ----
declare -A HOME_OF HTTPS_OF NS_GW
NS_GW=([A]=$MAJ [B]=$MAJ [C]=$MIN)
declare -A OFF=([A]=20 [B]=22 [C]=24) # HTTPS port BASE+OFF, SMTP the next one
for g in A B C; do
	HOME_OF[$g]=$(new_home "gw$g")
	HTTPS_OF[$g]=$((BASE + ${OFF[$g]}))
	ip netns exec "${NS_GW[$g]}" "$TLSGATED" --home "${HOME_OF[$g]}" --https "127.0.0.1:${HTTPS_OF[$g]}" \
		--smtp "127.0.0.1:$((HTTPS_OF[$g] + 1))" 2>>"$TEST_TMP/daemon.err" &
	at_exit "kill $!"
	check "gateway $g starts in its namespace" poll 10 test -S "${HOME_OF[$g]}/tlsgated.sock"
done
tg() { in_ns "${NS_GW[$1]}" "$TLSGATE" --home "${HOME_OF[$1]}" -c "$2" >"$TEST_TMP/out.$1" 2>&1; }
commit_gui() { # commit_gui GATEWAY METHODS: GUI methods at cluster level
	printf "sslconfig\ngui\n%s\nDEFAULT\n\n\ncommit\npartition\n\n" "$2" |
		in_ns "${NS_GW[$1]}" timeout 60 "$TLSGATE" --home "${HOME_OF[$1]}" >"$TEST_TMP/out.$1" 2>&1
	grep -q '^Changes committed' "$TEST_TMP/out.$1"
}
shake() { # shake GATEWAY VERSION: the handshake succeeds (s_client in its namespace)
	in_ns "${NS_GW[$1]}" timeout 5 openssl s_client -connect "127.0.0.1:${HTTPS_OF[$1]}" \
		"-tls$2" </dev/null >/dev/null 2>&1
}
only13() { shake "$1" 1_3 && ! shake "$1" 1_2; }
only12() { shake "$1" 1_2 && ! shake "$1" 1_3; }
version_of() { sqlite3 "${HOME_OF[$1]}/config.db" 'SELECT max(version) FROM config_versions'; }

check "A creates the cluster" tg A "clusterconfig create fleet $ENDPOINTS gwA"
check "B joins" tg B "clusterconfig join $ENDPOINTS admin secret Main_Group gwB"
check "C joins from the minority namespace" tg C "clusterconfig join $ENDPOINTS admin secret Main_Group gwC"
same() { [ "$(version_of A)" = "$(version_of C)" ] && [ "$(version_of B)" = "$(version_of C)" ]; }
check "every member holds the same version" poll 10 same
check "A commits GUI TLS 1.3 only" commit_gui A 1
for g in A B C; do check "gateway $g enforces it" poll 10 only13 $g; done

# ---- the partition ----
link down
check "partitioned: the minority cannot reach the majority's etcd" \
	bash -c "! ip netns exec $MIN curl -s -m 1 http://$NET.1:${CPORT[1]}/health >/dev/null 2>&1"
before_c=$(version_of C)
t0=$(date +%s%N)
check_fails "the minority's commit (C) is refused" commit_gui C 2
echo "# the minority's refusal took $((($(date +%s%N) - t0) / 1000000)) ms"
check "... with a clear message" grep -q "etcd did not accept the commit.*Nothing was committed" "$TEST_TMP/out.C"
check_eq "... and nothing was written on C" "$before_c" "$(version_of C)"
check "C keeps serving its last configuration (1.3 only)" only13 C
check "the majority commits on: A commits GUI TLS 1.2 only" commit_gui A 2
check "... reported enforced on 2 of 3, naming gwC" grep -q 'enforced on 2 of 3 machines; not (yet) on: gwC' "$TEST_TMP/out.A"
for g in A B; do check "gateway $g (majority) enforces it" poll 10 only12 $g; done
sleep 1
check "C (minority) still serves its last configuration (1.3 only)" only13 C

# ---- healing ----
link up
check "healed: C converges on the majority's version" poll 30 same
check "C enforces the majority's commit (1.2 only)" poll 10 only12 C
check "C commits again after healing (GUI TLS 1.3 only)" commit_gui C 1
for g in A B; do check "gateway $g enforces C's commit" poll 10 only13 $g; done

done_testing
