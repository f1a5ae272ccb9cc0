#!/usr/bin/env bash
# test_outbound_cap: outbound delivery cannot take the daemon's descriptors
# (the issue 12 item 1 class of problem, on the way out). 100 queued
# messages for 100 different domains, all routed to a receiver that accepts
# connections and never answers: at most 64 connections are open at once
# (OUTBOUND_MAX, within the descriptors tlsgated keeps in reserve), and the
# daemon still serves inbound clients meanwhile.
. "$(dirname "$0")/../e2e/e2e_lib.sh"

P=$(free_port)
"$PY" - "$P" "$TEST_TMP/peak" <<'EOF' &
import select, socket, sys, time
port, out = int(sys.argv[1]), sys.argv[2]
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(512)
held, peak, end = [], 0, time.monotonic() + 60
while time.monotonic() < end:
    r, _, _ = select.select([srv] + held, [], [], 0.2)
    for s in r:
        if s is srv:
            held.append(srv.accept()[0])  # never greeted: the client waits
        elif not s.recv(4096):
            held.remove(s)
            s.close()
    peak = max(peak, len(held))
    open(out, "w").write("%d\n" % peak)
EOF
at_exit "kill $!"

home=$(new_home outcap)
printf 'smtproutes\nnew\n.stall.test\n127.0.0.1:%s\n\ncommit "route"\n' "$P" |
	"$TLSGATE" --home "$home" >"$TEST_TMP/route.out" 2>&1
check "route committed" grep -q '^Changes committed' "$TEST_TMP/route.out"
mkdir -p "$home/spool"
chmod 700 "$home/spool"
now=$(date +%s)
for i in $(seq 100); do
	id=$(printf '00000000000C%04X' "$i")
	printf 'tlsgate-spool 1\nid %s\nreceived %s\nicid 1\nclient 127.0.0.1\nhelo x\ntls none\nbody 7BIT\nfrom <a@example.com>\nto <u@d%d.stall.test>\n\nSubject: %d\r\n\r\nbody\r\n' \
		"$id" "$now" "$i" "$i" >"$home/spool/$id"
done
if ! start_daemon "$home" --deliver; then
	not_ok "tlsgated --deliver starts"
	done_testing
	exit 1
fi
peak() {
	local p
	p=$(cat "$TEST_TMP/peak" 2>/dev/null)
	echo "${p:-0}"
}
reached() { [ "$(peak)" -ge 64 ]; }
poll 20 reached
sleep 2
check "100 domains to a silent receiver: at most 64 outbound connections at once (peak $(peak))" \
	test "$(peak)" -le 64 -a "$(peak)" -ge 32
check "the daemon still serves inbound TLS meanwhile" handshake "$SMTP_PORT" 1.2 smtp
done_testing
