#!/usr/bin/env bash
# commit_latency.sh [N]: how long after an admin commits a TLS change is it
# enforced? Starts tlsgated on a temporary home; then N times, while a probe
# (handshake_load --until fail: serial TLS 1.2-only handshakes) runs, the shell
# commits "GUI HTTPS: TLS 1.3 only" in batch mode; then puts TLS 1.2 back.
# Prints median and p95, in milliseconds, of:
#   commit    shell started -> shell exited (validation, SQLite commit,
#             "apply N" answered by the daemon)
#   enforced  shell started -> the first refused TLS 1.2 handshake ended
#   vs return the same, from the shell's exit (negative: enforced before the
#             shell returned, as "applied N" comes after the swap)
#   apply     one "apply N" round trip on the control socket (db read, three
#             SSL_CTX builds with the Demo certificate, swap)
# Usage: make all unit && BUILD=build bash tests/tools/commit_latency.sh [N]
#        (PROBE_RATE=N: probe handshakes per second, default 500)
. "$(dirname "$0")/../e2e/e2e_lib.sh"

runs=${1:-20}
PROBE_RATE=${PROBE_RATE:-500} # handshakes/s: ~2 ms resolution without starving the CPUs
home=$(new_home latency)
start_daemon "$home" || { echo "tlsgated did not start" >&2; exit 1; }
commit_gui() {
	printf 'sslconfig\ngui\n%s\nHIGH\n\n\ncommit\nlatency\n\n' "$1" | "$TLSGATE" --home "$home" >/dev/null 2>&1
}
commit_gui 1-2

: >"$TEST_TMP/commit.ms"
: >"$TEST_TMP/enforced.ms"
: >"$TEST_TMP/return.ms"
for i in $(seq "$runs"); do
	"$LOAD" --connect "127.0.0.1:$HTTPS_PORT" --tls 1.2 --until fail --rate "$PROBE_RATE" --max-wait 15 >"$TEST_TMP/probe" &
	probe=$!
	sleep 0.2 # the probe is handshaking
	t0=$(date +%s%3N)
	commit_gui 1 || { echo "commit $i failed" >&2; exit 1; }
	t1=$(date +%s%3N)
	wait "$probe"
	t_fail=$(sed -n 's/.*end_ms=\([0-9]*\).*/\1/p' "$TEST_TMP/probe")
	[ -n "$t_fail" ] || { echo "run $i: the probe never saw a refusal" >&2; exit 1; }
	echo $((t1 - t0)) >>"$TEST_TMP/commit.ms"
	echo $((t_fail - t0)) >>"$TEST_TMP/enforced.ms"
	echo $((t_fail - t1)) >>"$TEST_TMP/return.ms"
	commit_gui 1-2 || { echo "restore $i failed" >&2; exit 1; }
done

"$PY" - "$home/tlsgated.sock" "$runs" "$(control "$home" status | cut -d' ' -f2)" >"$TEST_TMP/apply.ms" <<'EOF'
import socket, sys, time
path, runs, version = sys.argv[1], int(sys.argv[2]), sys.argv[3]
for _ in range(runs):
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    t = time.monotonic()
    s.sendall(b"apply %s\n" % version.encode())
    reply = s.recv(256)
    assert reply.startswith(b"applied"), reply
    print("%.2f" % ((time.monotonic() - t) * 1000))
    s.close()
EOF

# stats FILE: "median p95 min max" of one number per line.
stats() {
	sort -n "$1" | awk '{ v[NR] = $1 } END {
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		p = v[int(NR * 0.95 + 0.999)]
		printf "median %s  p95 %s  min %s  max %s", m, p, v[1], v[NR] }'
}
echo "runs: $runs (commit to GUI HTTPS 'TLS 1.3 only'; probe: serial TLS 1.2 handshakes, $PROBE_RATE/s)"
echo "commit   (shell start -> shell exit), ms:          $(stats "$TEST_TMP/commit.ms")"
echo "enforced (shell start -> first refused handshake), ms: $(stats "$TEST_TMP/enforced.ms")"
echo "vs return (shell exit -> first refused handshake), ms: $(stats "$TEST_TMP/return.ms")"
echo "apply    (control socket round trip), ms:           $(stats "$TEST_TMP/apply.ms")"
