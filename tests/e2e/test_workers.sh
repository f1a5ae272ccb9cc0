#!/usr/bin/env bash
# test_workers: tlsgated --workers N (daemon/workers.c). Two HTTPS loops on
# SO_REUSEPORT sockets share the handshakes; a commit is enforced on both
# before it returns (no old-policy handshake after, measured by
# bench/commit_probe.py under load); the WebUI's sessions work whichever
# thread a connection lands on; the connection caps hold over all workers;
# a second daemon cannot join the port; a stop under load is clean. Real
# daemon, bench/load, curl, openssl s_client.
. "$(dirname "$0")/../webui/webui_lib.sh"

BENCH_LOAD=$TOP/$BUILD/bench/load
PROBE=$TOP/bench/commit_probe.py

# ---- the option ----
for bad in 0 65 -1 two 1x ""; do
	out=$("$TLSGATED" --home "$TEST_TMP/nohome" --workers "$bad" 2>&1)
	rc=$?
	check_eq "--workers '$bad' is refused (exit 2)" 2 "$rc"
	check "--workers '$bad': the error says what it takes" \
		grep -q -- '--workers takes 1 to 64' <<<"$out"
done
check "--help names --workers" bash -c "'$TLSGATED' --help | grep -q -- '--workers N'"

webui_home workers
start_daemon "$HOME_DIR" --workers 2 --https-max-conns 16 ||
	{ not_ok "tlsgated --workers 2 starts"; done_testing; exit 1; }
URL=https://127.0.0.1:$HTTPS_PORT
LOG=$HOME_DIR/logs/mail_logs
check "commit GUI TLS 1.2 and 1.3" commit_sslconfig "$HOME_DIR" GUI 1-2 'HIGH:!aNULL' N
# commit_probe.py waits for the shell's prompt "<host>.com> ".
"$TLSGATE" --home "$HOME_DIR" -c 'sethostname workers.example.com; commit "host"' >/dev/null ||
	not_ok "sethostname"

sockets=$(ss -Hltn "sport = :$HTTPS_PORT" | wc -l)
check_eq "two listening sockets on the HTTPS port (one per worker)" 2 "$sockets"
check_eq "two listening sockets on the SMTP port (one per worker)" 2 \
	"$(ss -Hltn "sport = :$SMTP_PORT" | wc -l)"

# ---- both threads take handshakes ----
cpu_of_threads() { # the busiest two threads' CPU ticks, one per line
	for t in /proc/"$DAEMON_PID"/task/*; do awk '{ print $14 + $15 }' "$t/stat"; done |
		sort -rn | head -n 2
}
"$BENCH_LOAD" --connect "127.0.0.1:$HTTPS_PORT" --mode https --tls 1.3 --threads 8 \
	--duration 3 >"$TEST_TMP/load1" 2>&1
check "3 s of handshakes from 8 clients: none failed" grep -q ' failed=0 ' "$TEST_TMP/load1"
mapfile -t busy < <(cpu_of_threads)
echo "# busiest threads' CPU ticks: ${busy[*]}"
check "both HTTPS threads did a fair share of the work (the lesser over a quarter of the greater)" \
	[ "$((busy[1] * 4))" -gt "${busy[0]}" ]
poll 3 grep -q 'HTTPS CID' "$LOG"
total=$(grep -cE 'New HTTPS CID [0-9]+ ' "$LOG")
unique=$(grep -oE 'New HTTPS CID [0-9]+ ' "$LOG" | sort -u | wc -l)
check "connection ids are one series over both workers ($total connections)" \
	[ "$total" -gt 100 -a "$total" = "$unique" ]

# ---- strict consistency: a commit is enforced on both before it returns ----
"$BENCH_LOAD" --connect "127.0.0.1:$HTTPS_PORT" --mode https --tls 1.3 --threads 4 \
	--duration 60 >"$TEST_TMP/bg" 2>&1 &
bg=$!
"$PY" "$PROBE" latency --kind tlsgate --load "$BENCH_LOAD" --connect "127.0.0.1:$HTTPS_PORT" \
	--n 8 --settle 0.2 --trace "$TEST_TMP/trace" --tlsgate "$TLSGATE" --home "$HOME_DIR" \
	>"$TEST_TMP/probe" 2>&1
kill -INT "$bg" 2>/dev/null
wait "$bg"
echo "# $(cat "$TEST_TMP/probe")"
check "8 policy switches under load: no TLS 1.2 handshake accepted after commit returned" \
	grep -q 'late_accepts=0 ' "$TEST_TMP/probe"
check "the background TLS 1.3 load saw no failure during the commits" \
	grep -q ' failed=0 ' "$TEST_TMP/bg"

# The probe leaves TLS 1.2 and 1.3; switch to 1.3 only and try TLS 1.2 on
# 40 fresh connections: the kernel spreads them over both sockets.
check "commit GUI TLS 1.3 only" commit_sslconfig "$HOME_DIR" GUI 1 'HIGH:!aNULL' N
late=0
for i in $(seq 40); do handshake "$HTTPS_PORT" 1.2 && late=$((late + 1)); done
check_eq "after the commit, none of 40 TLS 1.2 handshakes succeeds on either worker" 0 "$late"
ok13=0
for i in $(seq 10); do handshake "$HTTPS_PORT" 1.3 && ok13=$((ok13 + 1)); done
check_eq "TLS 1.3 handshakes succeed" 10 "$ok13"

# ---- the WebUI: one session, whichever worker serves the connection ----
check_eq "admin logs in" 303 "$(login "$TEST_TMP/adm" admin adminpass1)"
good=0
for i in $(seq 30); do
	c=$(curl -sk --max-time 10 -o /dev/null -w '%{http_code}' -b "$TEST_TMP/adm" \
		"$URL/api/session")
	[ "$c" = 200 ] && good=$((good + 1))
done
check_eq "30 requests on 30 new connections all find the session" 30 "$good"
csrf=$(csrf_of "$TEST_TMP/adm")
check "the session has a CSRF token" [ -n "$csrf" ]
# Pages served while another client loads both workers with handshakes.
"$BENCH_LOAD" --connect "127.0.0.1:$HTTPS_PORT" --mode https --tls 1.3 --threads 4 \
	--duration 30 >"$TEST_TMP/bg2" 2>&1 &
bg=$!
good=0
for i in $(seq 20); do
	c=$(curl -sk --max-time 10 -o /dev/null -w '%{http_code}' -b "$TEST_TMP/adm" "$URL/")
	[ "$c" = 200 ] && good=$((good + 1))
done
check_eq "20 WebUI pages under handshake load: all 200" 20 "$good"
kill -INT "$bg" 2>/dev/null
wait "$bg"
check "the load beside them saw no failure" grep -q ' failed=0 ' "$TEST_TMP/bg2"
# A key made off the loop answers on the connection's own worker.
code=$(curl -sk --max-time 60 -H 'Accept: application/json' -b "$TEST_TMP/adm" \
	-o "$TEST_TMP/new" -w '%{http_code}' \
	-d "csrf=$csrf&name=wk1&key=rsa2048&cn=wk1.test&days=30" "$URL/certificates/new")
check_eq "certificates/new (key made in a thread, answered on the request's worker)" 200 "$code"
check "its profile is staged" bash -c "sqlite3 '$HOME_DIR/config.db' 'SELECT key FROM staged' | grep -q wk1"

# Commits from the WebUI: the apply runs on whichever thread serves the
# page and parks the other loop (4 rounds: the kernel picks the thread).
applied=0
for i in 2 3 4 5; do
	before=$(grep -c 'Configuration version [0-9]* applied' "$LOG")
	c1=$(curl -sk --max-time 60 -H 'Accept: application/json' -b "$TEST_TMP/adm" -o /dev/null \
		-w '%{http_code}' -d "csrf=$csrf&name=wk$i&key=p256&cn=wk$i.test&days=30" \
		"$URL/certificates/new")
	c2=$(curl -sk --max-time 60 -H 'Accept: application/json' -b "$TEST_TMP/adm" -o /dev/null \
		-w '%{http_code}' -d "csrf=$csrf&comment=round $i" "$URL/commit")
	after_apply() { [ "$(grep -c 'Configuration version [0-9]* applied' "$LOG")" -gt "$before" ]; }
	[ "$c1$c2" = 200200 ] && poll 5 after_apply && applied=$((applied + 1))
done
check_eq "4 WebUI key + commit rounds: each staged, committed and applied" 4 "$applied"
check "a handshake after them" handshake "$HTTPS_PORT" 1.3

# ---- attacks ----
# The caps are shared out: 16 connections over two workers, however many
# idle sockets a stranger opens.
"$PY" - "$HTTPS_PORT" <<'PY' &
import socket, sys, time
socks = []
for i in range(60):
    try:
        socks.append(socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5))
    except OSError:
        pass
time.sleep(4)
PY
idle=$!
sleep 2
held=$(ss -Htn state established "sport = :$HTTPS_PORT" | wc -l)
echo "# server-side connections held with 60 idle clients: $held"
check "60 idle sockets: tlsgated holds at most --https-max-conns (16) over both workers" \
	[ "$held" -le 16 ]
wait "$idle"

# A second daemon of the same user cannot join the HTTPS port (SO_REUSEPORT).
other=$(new_home workers2)
s2=$(free_port)
timeout 10 "$TLSGATED" --home "$other" --https "127.0.0.1:$HTTPS_PORT" --smtp "127.0.0.1:$s2" \
	--workers 2 >"$TEST_TMP/second.out" 2>&1
rc=$?
check "a second tlsgated on the same HTTPS port exits non-zero" [ "$rc" -ne 0 -a "$rc" -ne 124 ]
check "and says the address is in use" grep -q 'Address already in use' "$TEST_TMP/second.out"
check_eq "the first still has exactly its two sockets" 2 "$(ss -Hltn "sport = :$HTTPS_PORT" | wc -l)"

# ---- a stop under load ----
"$BENCH_LOAD" --connect "127.0.0.1:$HTTPS_PORT" --mode https --tls 1.3 --threads 8 \
	--duration 20 >"$TEST_TMP/bg3" 2>&1 &
bg=$!
sleep 1
stop_daemon
rc=$?
kill -INT "$bg" 2>/dev/null
wait "$bg"
check_eq "SIGTERM under load on both workers: exit 0" 0 "$rc"
check "the last line is the stop" bash -c "tail -n 1 '$LOG' | grep -q 'tlsgated stopped$'"
check "no sanitizer or crash report" bash -c "! grep -qE 'ERROR: |WARNING: ThreadSanitizer|Segmentation|Aborted' '$TEST_TMP/daemon.err'"

# ---- one worker: the single loop of before ----
home1=$(new_home workers1)
start_daemon "$home1" --workers 1 || not_ok "tlsgated --workers 1 starts"
check_eq "--workers 1: one listening socket" 1 "$(ss -Hltn "sport = :$HTTPS_PORT" | wc -l)"
check "--workers 1: a handshake" handshake "$HTTPS_PORT" 1.2
stop_daemon

# ---- the default: a worker per core the daemon may run on ----
cores=$(nproc)
[ "$cores" -gt 64 ] && cores=64
start_daemon "$home1" || not_ok "tlsgated starts with the default workers"
check_eq "no --workers: one listening socket per usable core ($cores)" "$cores" \
	"$(ss -Hltn "sport = :$HTTPS_PORT" | wc -l)"
stop_daemon
# Pinned to one core (taskset, a cpuset): one worker, not one per core of
# the machine. The daemon inherits this shell's affinity, then the shell's
# is put back.
mask=$(taskset -p $$ | awk '{ print $NF }')
taskset -p -c 0 $$ >/dev/null
start_daemon "$home1" || not_ok "tlsgated starts pinned to core 0"
taskset -p "$mask" $$ >/dev/null
check_eq "pinned to one core: one listening socket" 1 "$(ss -Hltn "sport = :$HTTPS_PORT" | wc -l)"
check "pinned to one core: a handshake" handshake "$HTTPS_PORT" 1.2
stop_daemon
# A tight descriptor limit: one loop, not one per core (each loop takes a
# few descriptors and a share of the connections: one per 64 descriptors).
# Before, 8 workers under `ulimit -n 40` failed to start ("pipe: Too many
# open files").
REAL_TLSGATED=$TLSGATED
printf '#!/usr/bin/env bash\nulimit -n 100 || exit 99\nexec "%s" "$@"\n' "$REAL_TLSGATED" \
	>"$TEST_TMP/limited.sh"
chmod +x "$TEST_TMP/limited.sh"
TLSGATED=$TEST_TMP/limited.sh
start_daemon "$home1" || not_ok "tlsgated starts under ulimit -n 100"
check_eq "under ulimit -n 100: one listening socket" 1 "$(ss -Hltn "sport = :$HTTPS_PORT" | wc -l)"
check "under ulimit -n 100: a handshake" handshake "$HTTPS_PORT" 1.2
stop_daemon
TLSGATED=$REAL_TLSGATED
done_testing
