#!/usr/bin/env bash
# test_workers_deploy: tlsgated --workers 2 (issue 20, daemon/workers.c) in
# the documented deployment: the daemon as its own Unix user, console users
# with roles on the shared 2770 home, commits made over a real sshd.
#   - two listening sockets on the HTTPS port and on the SMTP port, all the
#     daemon's, its every
#     thread without capabilities;
#   - an operator's commit over ssh (piped answers) and an admin's on an
#     80-column pty reach both workers before ssh returns: 40 handshakes
#     started at once, then 40 queued while the daemon is stopped (so the
#     kernel has spread them over both sockets, which the accept queues
#     show), all follow the new policy;
#   - the same under a bench/load client: bench/commit_probe.py, its console
#     being the operator's ssh session, counts old-policy handshakes started
#     after the commit returned (0);
#   - attacks: a guest's commit changes nothing on any worker; a second
#     tlsgated of another user or of the daemon's own cannot bind the port or
#     join its SO_REUSEPORT group; SIGTERM under load exits 0, no log line lost.
. "$(dirname "$0")/deploy_lib.sh"

BENCH_LOAD=$TOP/$BUILD/bench/load
PROBE=$TOP/bench/commit_probe.py
if [ ! -x "$BENCH_LOAD" ]; then
	not_ok "bench/load is built (make unit builds it)"
	exit 1
fi
DEP_DAEMON_ARGS=(--workers 2)
deploy_up
LOG=$SSH_HOME/logs/mail_logs
duid=$(id -u "$DAEMON_USER")

# ---- 1. the daemon: its own user, two workers, no capabilities ----
ss -Hltnpe "sport = :$HTTPS_PORT" >"$TEST_TMP/ss"
sed 's/^/#   /' "$TEST_TMP/ss"
check_eq "two listening sockets on the HTTPS port, both held by tlsgated (pid $DAEMON_PID)" \
	"2 2" "$(wc -l <"$TEST_TMP/ss") $(grep -c "pid=$DAEMON_PID," "$TEST_TMP/ss")"
check_eq "both sockets are owned by $DAEMON_USER (uid $duid), and are two sockets" "2 2" \
	"$(grep -c " uid:$duid " "$TEST_TMP/ss") $(grep -oE ' ino:[0-9]+' "$TEST_TMP/ss" | sort -u | wc -l)"
ss -Hltnpe "sport = :$SMTP_PORT" >"$TEST_TMP/ss-smtp"
check_eq "the SMTP port has two sockets too (an SMTP engine per worker), both $DAEMON_USER's" \
	"2 2" "$(wc -l <"$TEST_TMP/ss-smtp") $(grep -c " uid:$duid " "$TEST_TMP/ss-smtp")"
# Every thread (credentials are per thread in Linux): the daemon's uid four
# times, and no capability in any set.
tasks=$(ls "/proc/$DAEMON_PID/task" | wc -l)
check "tlsgated runs at least two threads ($tasks)" [ "$tasks" -ge 2 ]
z=0000000000000000
check_eq "every thread: uid $duid (real, effective, saved, fs), no capabilities" \
	"$duid $duid $duid $duid $z $z $z $z $z" \
	"$(for t in /proc/"$DAEMON_PID"/task/*; do
		awk '/^Uid:/ { u = $2 " " $3 " " $4 " " $5 }
			/^Cap(Inh|Prm|Eff|Bnd|Amb):/ { c = c " " $2 } END { print u c }' "$t/status"
	done | sort -u)"

# burst FLAG: 40 `openssl s_client FLAG` handshakes, connected while tlsgated
# is stopped (SIGSTOP): the kernel has put each in one socket's accept queue
# before either worker runs, and each is served by the worker of its socket.
# Prints "HANDSHAKES_OK QUEUE QUEUE" (the two accept queues, smaller first).
queues() { ss -Hltn "sport = :$HTTPS_PORT" | awk '{ print $2 }' | sort -n | tr '\n' ' '; }
queued() { [ "$(queues | awk '{ print $1 + $2 }')" = "$1" ]; }
burst() {
	local i pids=() q watchdog
	rm -f "$TEST_TMP"/burst.*
	kill -STOP "$DAEMON_PID"
	(sleep 20 && kill -CONT "$DAEMON_PID") >/dev/null 2>&1 & # never left stopped
	watchdog=$!
	for i in $(seq 40); do
		s_gui "$1" >"$TEST_TMP/burst.$i" &
		pids+=($!)
	done
	poll 10 queued 40
	q=$(queues)
	kill -CONT "$DAEMON_PID"
	kill $(pgrep -P "$watchdog") "$watchdog" 2>/dev/null
	wait "${pids[@]}"
	echo "$(cat "$TEST_TMP"/burst.* | grep -c '^TLSv1') ${q% }"
}
# fresh FLAG: the same 40 handshakes with tlsgated running (a worker that
# applied a commit late would serve some under the old policy; SIGSTOP would
# give it time): prints how many succeeded.
fresh() {
	local i pids=()
	rm -f "$TEST_TMP"/fresh.*
	for i in $(seq 40); do
		s_gui "$1" >"$TEST_TMP/fresh.$i" &
		pids+=($!)
	done
	wait "${pids[@]}"
	cat "$TEST_TMP"/fresh.* | grep -c '^TLSv1'
}
# both_hit "OK Q1 Q2": both queues held connections.
both_hit() {
	local n q1 q2
	read -r n q1 q2 <<<"$1"
	[ "${q1:-0}" -gt 0 ] && [ "${q2:-0}" -gt 0 ] && [ $((q1 + q2)) = 40 ]
}

# ---- 2. commits over ssh reach every worker before ssh returns ----
b=$(burst -tls1_2)
echo "# before: TLS 1.2 handshakes ok, accept queues: $b"
check_eq "before: 40 of 40 TLS 1.2 handshakes succeed (factory GUI methods)" 40 "${b%% *}"
check "the 40 were spread over both workers' sockets ($b)" both_hit "$b"

v=$(latest_version)
printf 'GUI\n1\n\n\n\n' | ssh_as "$OP" 'sslconfig; commit "GUI: TLS v1.3 only"' \
	>"$TEST_TMP/out" 2>&1
status=$?
# The handshakes start the moment ssh has returned: no sleep, no poll.
f12=$(fresh -tls1_2)
b12=$(burst -tls1_2)
b13=$(burst -tls1_3)
echo "# after the operator's commit: TLS 1.2 $f12, $b12 (stopped); TLS 1.3 $b13 (stopped)"
check_eq "operator: sslconfig GUI -> TLS v1.3 only; commit, over ssh with piped answers: exit 0" \
	"0 $((v + 1)) $OP tlsv1_3" "$status $(latest_version) $(latest_user) $(latest_value gui.methods)"
check "the commit did not say tlsgated is not running or did not apply it" \
	sh -c "! grep -qE 'not running|did not apply' '$TEST_TMP/out'"
check_eq "at once after ssh returned: 0 of 40 TLS 1.2 handshakes succeed" 0 "$f12"
check_eq "then 0 of 40 connected while tlsgated was stopped" 0 "${b12%% *}"
check "  queued on both workers' sockets ($b12)" both_hit "$b12"
check_eq "40 of 40 TLS 1.3 handshakes succeed" 40 "${b13%% *}"
check "  queued on both workers' sockets ($b13)" both_hit "$b13"

# The second admin on an 80-column pty (ssh -tt, pexpect, term80.py's
# client patterns): GUI back to TLS 1.2 and 1.3.
v=$(latest_version)
"$PYTHON" - "$DEPLOY" "$SSH_PORT" "$SSH_DIR/client_key" "$ADM2" >"$TEST_TMP/pty.log" 2>&1 <<'PY'
import argparse, sys
sys.path.insert(0, sys.argv[1])
import term80
a = argparse.Namespace(identity=sys.argv[3], port=int(sys.argv[2]), user=sys.argv[4],
                       term="xterm", timeout=15)
t = term80.Term(a, sys.stdout)
try:
    if t.learn_prompt() != "mail.example.com> ":
        raise term80.Failed("the prompt is %r" % t.prompt)
    t.send("sslconfig")
    t.menu("GUI")
    t.question("Enter the GUI HTTPS SSL method you want to use.")
    t.send("1-2")
    t.question("Enter the GUI HTTPS ssl cipher you want to use.")
    t.send("")
    t.question("Do you want to enable TLS Renegotiation for GUI HTTPS?")
    t.send("")
    t.leave_menus("GUI")
    t.commit("GUI: TLS v1.2 and v1.3")
    if t.exit() != 0:
        raise term80.Failed("ssh exit status")
except term80.Failed as e:
    print("\nscenario FAILED: %s" % e)
    sys.exit(1)
print("\nscenario ok")
PY
status=$?
f12=$(fresh -tls1_2)
b12=$(burst -tls1_2)
echo "# after the admin's pty commit: TLS 1.2 $f12, $b12 (stopped)"
grep 'scenario FAILED' "$TEST_TMP/pty.log" | sed 's/^/#   /'
check_eq "admin on an 80-column pty: sslconfig GUI -> TLS v1.2 and v1.3; commit" \
	"0 $((v + 1)) $ADM2 tlsv1_2tlsv1_3" \
	"$status $(latest_version) $(latest_user) $(latest_value gui.methods)"
check_eq "at once after the session ended: 40 of 40 TLS 1.2 handshakes succeed" 40 "$f12"
check_eq "then 40 of 40 connected while tlsgated was stopped" 40 "${b12%% *}"
check "  queued on both workers' sockets ($b12)" both_hit "$b12"

# ---- 3. the same under load: no old-policy handshake after the commit ----
# commit_probe.py runs "CONSOLE --home HOME" and types its sslconfig dialog
# and commit into it: here CONSOLE is the operator's ssh session.
{
	echo '#!/bin/sh'
	echo "# commit_probe.py's console: the operator's, over ssh (arguments ignored)"
	printf 'exec ssh'
	printf ' %q' "${SSH_OPTS[@]}" -p "$SSH_PORT" "$OP@127.0.0.1"
	echo
} >"$SSH_DIR/op_console"
chmod 0755 "$SSH_DIR/op_console"
v=$(latest_version)
mapfile -t cpu0 < <(for t in /proc/"$DAEMON_PID"/task/*; do
	echo "$(basename "$t") $(awk '{ print $14 + $15 }' "$t/stat")"; done)
"$BENCH_LOAD" --connect "127.0.0.1:$HTTPS_PORT" --mode https --tls 1.3 --threads 4 \
	--duration 60 >"$TEST_TMP/bg" 2>&1 &
bg=$!
"$PYTHON" "$PROBE" latency --kind tlsgate --load "$BENCH_LOAD" --connect "127.0.0.1:$HTTPS_PORT" \
	--n 6 --settle 0.2 --trace "$TEST_TMP/trace" --tlsgate "$SSH_DIR/op_console" \
	--home "$SSH_HOME" >"$TEST_TMP/probe" 2>&1
kill -INT "$bg" 2>/dev/null
wait "$bg"
echo "# probe: $(tail -n 3 "$TEST_TMP/probe")"
echo "# load beside it: $(cat "$TEST_TMP/bg")"
check "6 commits over ssh under load: no TLS 1.2 handshake started after ssh returned succeeded" \
	grep -q 'late_accepts=0 ' "$TEST_TMP/probe"
check "the probe's prober made handshakes on many connections ($(wc -l <"$TEST_TMP/trace"))" \
	[ "$(wc -l <"$TEST_TMP/trace")" -ge 100 ]
check_eq "the switches were committed by the operator over ssh (12 versions or more)" yes \
	"$([ "$(console_sql "SELECT count(*) FROM config_versions WHERE version > $v AND user = '$OP'")" \
		-ge 12 ] && echo yes || echo no)"
check "the TLS 1.3 load beside the commits saw no failure" grep -qE ' failed=0 .*negotiated=' \
	"$TEST_TMP/bg"
# Which threads did the work during the load: the two busiest got a fair share.
mapfile -t busy < <(for t in /proc/"$DAEMON_PID"/task/*; do
	tid=$(basename "$t") now=$(awk '{ print $14 + $15 }' "$t/stat") was=0
	for l in "${cpu0[@]}"; do [ "${l% *}" = "$tid" ] && was=${l#* }; done
	echo $((now - was))
done | sort -rn | head -n 2)
echo "# CPU ticks of the two busiest threads during the load: ${busy[*]}"
check "both HTTPS workers served the load (the lesser over a quarter of the greater)" \
	[ "$((busy[1] * 4))" -gt "${busy[0]}" ]

# ---- 4. attacks ----
# A guest commits TLS v1.3 only: refused, nothing written, no worker changes.
sum=$(committed_sum)
printf 'GUI\n1\n\n\n\n' | ssh_as "$GST" 'sslconfig; commit "guest: TLS v1.3 only"' \
	>"$TEST_TMP/out" 2>&1
b12=$(burst -tls1_2)
check "guest: sslconfig and commit are refused with the access-group message" said_f "$DENIED"
check_eq "guest: nothing committed, nothing staged" "$sum " "$(committed_sum) $(staged_dump)"
check_eq "guest: 40 of 40 TLS 1.2 handshakes still succeed" 40 "${b12%% *}"
check "  on both workers' sockets ($b12)" both_hit "$b12"

# A second tlsgated on the HTTPS port: by a console user, and by the
# daemon's own user (whose SO_REUSEPORT socket the kernel would let join).
# The port's sockets are sampled while it runs: it must never add one.
for u in "$ADM" "$DAEMON_USER"; do
	home=$SSH_DIR/second-$u
	install -d -m 0700 -o "$u" -g "$SSH_GROUP" "$home"
	(cd "$home" && exec timeout 5 setpriv --reuid="$(id -u "$u")" \
		--regid="$(getent group "$SSH_GROUP" | cut -d: -f3)" --init-groups --inh-caps=-all \
		--bounding-set=-all -- "$SSH_DIR/bin/tlsgated" --home "$home" \
		--https "127.0.0.1:$HTTPS_PORT" --smtp "127.0.0.1:$(free_port)" --workers 2) \
		>"$TEST_TMP/second" 2>&1 &
	second=$!
	most=0
	while kill -0 "$second" 2>/dev/null; do
		n=$(ss -Hltn "sport = :$HTTPS_PORT" | wc -l)
		[ "$n" -gt "$most" ] && most=$n
		sleep 0.02
	done
	wait "$second"
	rc=$?
	tail -n 2 "$TEST_TMP/second" | sed 's/^/#   /'
	check "a second tlsgated --workers 2 as $u on the HTTPS port exits non-zero (exit $rc)" \
		[ "$rc" -ne 0 -a "$rc" -ne 124 ]
	check "  saying the address is in use" grep -q 'Address already in use' "$TEST_TMP/second"
	check_eq "  while it ran, the port never had more than the daemon's two sockets" 2 "$most"
	ss -Hltnp "sport = :$HTTPS_PORT" >"$TEST_TMP/ss"
	check_eq "  after it, the port has exactly the daemon's two sockets" "2 2" \
		"$(wc -l <"$TEST_TMP/ss") $(grep -c "pid=$DAEMON_PID," "$TEST_TMP/ss")"
done

# SIGTERM while 8 clients load both workers: exit 0, every line written.
sleep 0.1 # the log's buffer goes out within 5 ms
new0=$(grep -c 'New HTTPS CID ' "$LOG")
"$BENCH_LOAD" --connect "127.0.0.1:$HTTPS_PORT" --mode https --tls 1.3 --threads 8 \
	--duration 30 >"$TEST_TMP/bg3" 2>&1 &
bg=$!
sleep 2
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID"
rc=$?
DAEMON_PID=
kill -INT "$bg" 2>/dev/null
wait "$bg"
echo "# load stopped by the SIGTERM: $(cat "$TEST_TMP/bg3")"
handshakes=$(sed -n 's/^ok=\([0-9]*\) .*/\1/p' "$TEST_TMP/bg3")
logged=$(($(grep -c 'New HTTPS CID ' "$LOG") - new0))
check_eq "SIGTERM under load on both workers: tlsgated exits 0" 0 "$rc"
check "the last line of the mail log is the stop" \
	bash -c "tail -n 1 '$LOG' | grep -q 'tlsgated stopped$'"
check "every handshake of the load has its connection line ($logged lines, ${handshakes:-?} handshakes)" \
	[ "${handshakes:-0}" -gt 100 -a "$logged" -ge "${handshakes:-0}" ]
grep -oE 'New HTTPS CID [0-9]+' "$LOG" | awk '{ print $4 }' | sort -n >"$TEST_TMP/opened"
grep -oE 'HTTPS CID [0-9]+ close' "$LOG" | awk '{ print $3 }' | sort -n >"$TEST_TMP/closed"
grep -oE 'HTTPS CID [0-9]+ TLS (success|failed)' "$LOG" | awk '{ print $3 }' | sort -n \
	>"$TEST_TMP/outcome"
check_eq "every connection logged as opened is logged as closed, none twice" \
	"$(wc -l <"$TEST_TMP/opened") 0" \
	"$(sort -u "$TEST_TMP/closed" | wc -l) $(comm -3 "$TEST_TMP/opened" "$TEST_TMP/closed" | wc -l)"
check_eq "and has its one outcome line (TLS success or failed)" \
	"$(wc -l <"$TEST_TMP/opened") 0" \
	"$(sort -u "$TEST_TMP/outcome" | wc -l) $(comm -3 "$TEST_TMP/opened" "$TEST_TMP/outcome" | wc -l)"
check "no sanitizer or crash report from tlsgated" \
	bash -c "! grep -qE 'ERROR: |WARNING: ThreadSanitizer|runtime error|Segmentation|Aborted' \
		'$SSH_DIR/tlsgated.log'"

done_testing
