#!/usr/bin/env bash
# test_control_exhaustion: the control socket, which every console user of a
# shared home may reach, under descriptor exhaustion. With a tiny descriptor
# limit, clients hold connections open until accept() fails; the daemon must
# not spin on the failing accept() and must answer again once they leave.
. "$(dirname "$0")/../e2e/e2e_lib.sh"

REAL_TLSGATED=$TLSGATED
cat >"$TEST_TMP/limited.sh" <<EOF
#!/usr/bin/env bash
ulimit -n 40 || exit 99
exec "$REAL_TLSGATED" "\$@"
EOF
chmod +x "$TEST_TMP/limited.sh"
TLSGATED=$TEST_TMP/limited.sh
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
ask_status() {
	"$PY" -c 'import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(2); s.connect(sys.argv[1])
s.sendall(b"status\n"); print(s.recv(100).decode().strip())' "$home/tlsgated.sock" 2>/dev/null
}
status_is_back() { [ "$(ask_status)" = "$first" ]; }

home=$(new_home ctlx)
if ! start_daemon "$home"; then
	not_ok "tlsgated starts under a 40-descriptor limit"
	done_testing
	exit 1
fi
first=$(ask_status)
check "status answers ($first)" grep -q '^version [0-9]' <<<"$first"
# 80 idle clients: more than the descriptors left and than the 32 allowed.
"$PY" - "$home/tlsgated.sock" >"$TEST_TMP/holders.out" 2>&1 <<'PY' &
import socket, sys, time
held = []
for _ in range(80):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(1)
    try:
        s.connect(sys.argv[1])
        held.append(s)
    except OSError:
        s.close()
print("connected", len(held), flush=True)
time.sleep(4)
PY
holders=$!
sleep 1.5
t0=$(cpu_ticks "$DAEMON_PID")
sleep 2
t1=$(cpu_ticks "$DAEMON_PID")
# 2 s of wall time; a spinning accept() loop burns up to ~200 ticks (100 Hz;
# ~40 on a loaded machine), a resting one next to none.
check "the daemon does not spin while accept() fails ($((t1 - t0)) ticks in 2 s)" \
	test "$((t1 - t0))" -lt 15
wait "$holders"
check "the holders ran ($(cat "$TEST_TMP/holders.out"))" grep -q connected "$TEST_TMP/holders.out"
check "status answers again once they left" poll 5 status_is_back
check "the daemon is alive" kill -0 "$DAEMON_PID"
done_testing
