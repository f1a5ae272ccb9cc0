#!/usr/bin/env bash
# test_smtp_workers: inbound SMTP on every worker (tlsgated --workers 2,
# issue 20). Each inbound listener has one SO_REUSEPORT socket per worker,
# also one added, renamed, moved or removed by a commit (and a commit that
# cannot bind changes nothing on either); both threads take STARTTLS
# sessions and messages; ICIDs and MIDs are one series; the caps (a
# listener's LIMITS, SETUP's connections over all listeners, the HAT's
# connections from one host, --smtp-max-sessions), idle eviction and the
# spool's message quota hold exactly over both workers; a commit changing the
# host access table or the inbound ciphers is enforced on both before it
# returns; a stop under SMTP load is clean, with no sanitizer report (run
# under TSan by tests/tsan/test_smtp_workers.sh). Real daemon, bench/load,
# swaks, openssl s_client, raw sockets and smtplib (tests/e2e/smtp_caps.py).
# The kernel spreads connections over the sockets by hash, so each cap is
# tried over several rounds: a count kept per worker lets some through.
. "$(dirname "$0")/e2e_lib.sh"

BENCH_LOAD=$TOP/$BUILD/bench/load
CAPS=$TOP/tests/e2e/smtp_caps.py

home=$(new_home smtp-workers)
start_daemon "$home" --workers 2 --smtp-timeout 10 ||
	{ not_ok "tlsgated --workers 2 starts"; done_testing; exit 1; }
log=$home/logs/mail_logs
console() { timeout 30 "$TLSGATE" --home "$home" "$@"; }
# commit_dialog DESCRIPTION TEXT: the console's answers, ending in a commit
# that tlsgated applied.
commit_dialog() {
	printf '%b' "$2" | console >"$TEST_TMP/commit.out" 2>&1
	check "$1" bash -c "grep -q '^Changes committed' '$TEST_TMP/commit.out' &&
		! grep -qE 'did not apply|not running' '$TEST_TMP/commit.out'"
}
sockets() { ss -Hltn "sport = :$1" | wc -l; }
caps() { "$PY" "$CAPS" caps "$@"; }
fresh() { "$PY" "$CAPS" fresh "$@"; }
# hat_import DESCRIPTION CONCURRENCY TLS [BLOCK]: InboundMail's host access
# table: the default one, with 127.0.0.1's policy ($RELAYED) at CONCURRENCY
# connections at once and TLS off|preferred|required; BLOCK: 127.0.0.0/8
# rejected first.
hat_import() {
	local block=''
	[ -n "${4:-}" ] && block=$'BLOCK:\n    127.0.0.0/8\n    $BLOCKED'
	mkdir -p "$home/configuration"
	chmod 700 "$home/configuration"
	cat >"$home/configuration/hat.txt" <<EOF
DEFAULT {
    tls = "preferred"
    max_message_size = 10485760
    max_concurrency = 10
    max_msgs_per_session = 10
    max_rcpts_per_msg = 50
}
\$ACCEPTED
    ACCEPT {}
\$BLOCKED
    REJECT {}
\$THROTTLED
    ACCEPT {
        max_concurrency = 1
        max_msgs_per_session = 1
        max_rcpts_per_msg = 25
    }
\$TRUSTED
    ACCEPT {
        max_concurrency = 600
        max_msgs_per_session = 5000
        max_rcpts_per_msg = 5000
    }
\$RELAYED
    RELAY {
        tls = "$3"
        max_concurrency = $2
        max_msgs_per_session = 5000
        max_rcpts_per_msg = 5000
    }
$block
RELAYLIST:
    127.0.0.1
    \$RELAYED
ALL
    \$ACCEPTED
EOF
	commit_dialog "$1" 'listenerconfig\nEDIT\nInboundMail\nHOSTACCESS\nIMPORT\nhat.txt\n\n\n\ncommit "hat"\n'
}

# ---- one socket per worker, for every inbound listener ----
check_eq "two listening sockets on the SMTP port (one per worker)" 2 "$(sockets "$SMTP_PORT")"
check_eq "two on the HTTPS port" 2 "$(sockets "$HTTPS_PORT")"
P2=$(free_port)
commit_dialog "listenerconfig NEW Second on a new port, committed and applied" \
	"listenerconfig\nNEW\nSecond\n1\n127.0.0.1:$P2\n\ncommit \"second\"\n"
check_eq "the added listener has two sockets too" 2 "$(sockets "$P2")"
# (A new listener's host access table has TLS off, as on AsyncOS.)
timeout 20 swaks --server "127.0.0.1:$P2" --from a@sender.org --to x@example.net \
	--quit-after MAIL >"$TEST_TMP/swaks.out" 2>&1
check "a session on the added listener (greeted, MAIL FROM accepted)" \
	grep -q '<- *250 2.1.0 Ok' "$TEST_TMP/swaks.out"
check_eq "right after that commit, 20 fresh connections to it all greeted 220" "220=20" \
	"$(fresh "$P2" 20 greeting)"

# ---- both threads do SMTP work ----
cpu_of_threads() { # the busiest two threads' CPU ticks, one per line
	for t in /proc/"$DAEMON_PID"/task/*; do awk '{ print $14 + $15 }' "$t/stat"; done |
		sort -rn | head -n 2
}
"$BENCH_LOAD" --connect "127.0.0.1:$SMTP_PORT" --mode starttls --tls 1.2 --threads 8 \
	--duration 3 >"$TEST_TMP/load1" 2>&1
echo "# $(grep -m1 'sessions' "$TEST_TMP/load1" || head -n 1 "$TEST_TMP/load1")"
check "3 s of STARTTLS sessions from 8 clients: none failed" grep -q ' failed=0 ' "$TEST_TMP/load1"
mapfile -t busy < <(cpu_of_threads)
echo "# busiest threads' CPU ticks: ${busy[*]}"
check "both threads did a fair share of the SMTP work (the lesser over a quarter of the greater)" \
	[ "$((busy[1] * 4))" -gt "${busy[0]}" ]
poll 3 grep -q 'New SMTP ICID' "$log"
sleep 1 # the log's buffer
total=$(grep -cE 'New SMTP ICID [0-9]+ ' "$log")
unique=$(grep -oE 'New SMTP ICID [0-9]+ ' "$log" | sort -u | wc -l)
check "ICIDs are one series over both workers ($total sessions, $unique ids)" \
	[ "$total" -gt 100 -a "$total" = "$unique" ]

# Messages on both workers: each gets its own MID and spool file.
"$BENCH_LOAD" --connect "127.0.0.1:$SMTP_PORT" --mode message --tls 1.2 --threads 8 \
	--duration 2 >"$TEST_TMP/load2" 2>&1
echo "# $(cat "$TEST_TMP/load2")"
check "2 s of messages over STARTTLS from 8 clients: none failed" grep -q ' failed=0 ' "$TEST_TMP/load2"
sent=$(sed -n 's/^ok=\([0-9]*\) .*/\1/p' "$TEST_TMP/load2")
spooled() { [ "$(find "$home/spool" -maxdepth 1 -type f ! -name '.*' | wc -l)" = "$sent" ]; }
check "... all $sent of them in the spool, a file each" poll 5 spooled
mids() { [ "$(grep -c 'Start MID ' "$log")" -ge "$sent" ]; }
poll 5 mids
check_eq "... each with its own MID" "$sent" "$(grep -oE 'Start MID [0-9A-Za-z]+ ' "$log" | sort -u | wc -l)"

# ---- the caps hold over both workers ----
commit_dialog "LIMITS: InboundMail takes 3 connections at once" \
	'listenerconfig\nEDIT\nInboundMail\nLIMITS\n3\n0\n\n\ncommit "limits"\n'
out=$(caps 3 3 "$SMTP_PORT" 8)
echo "# LIMITS 3: $out"
check_eq "LIMITS 3, 3 sessions held: 3 rounds of 8 more all refused 421, none greeted" \
	"held=9/9 refused421=24 greeted220=0 other=0" "$out"
# Idle connections (greeted, never a command) make room for newcomers, as
# with one loop: whichever worker each of them landed on.
out=$("$PY" "$CAPS" evict 4 3 "$SMTP_PORT")
echo "# LIMITS 3, idle eviction: $out"
check_eq "LIMITS 3 held by 3 idle connections: 4 rounds of 3 newcomers each evict one and are greeted" \
	"evicted=12/12 newcomers220=12/12" "$out"
commit_dialog "LIMITS off, SETUP: 3 connections to all listeners at once" \
	'listenerconfig\nEDIT\nInboundMail\nLIMITS\n0\n0\n\nSETUP\n3\n0\n0\n\ncommit "setup"\n'
out=$(caps 3 3 "$SMTP_PORT,$P2" 8)
echo "# SETUP 3: $out"
check_eq "SETUP 3, 3 held over two listeners: 3 rounds of 8 more on both all refused 421" \
	"held=9/9 refused421=24 greeted220=0 other=0" "$out"
check "mail log: the global connection limit" \
	poll 3 grep -q 'refused: 3 connections to all listeners at once (listenerconfig SETUP)' "$log"
commit_dialog "SETUP off" 'listenerconfig\nSETUP\n0\n0\n0\n\ncommit "setup off"\n'
hat_import "HAT: 127.0.0.1's policy takes 2 connections at once from one host" 2 preferred
out=$(caps 3 2 "$SMTP_PORT" 8)
echo "# HAT max_concurrency 2: $out"
check_eq "HAT 2, 2 held from 127.0.0.1: 3 rounds of 8 more from it all refused 421" \
	"held=6/6 refused421=24 greeted220=0 other=0" "$out"
check "mail log: refused, 2 connections from 127.0.0.1 at once" \
	poll 3 grep -q 'refused: 2 connections from 127.0.0.1 at once (policy \$RELAYED)' "$log"

# ---- strict consistency: a commit is enforced on both workers before it returns ----
# Sessions on Second (TLS off there) keep both loops busy meanwhile.
"$BENCH_LOAD" --connect "127.0.0.1:$P2" --mode starttls --plain --threads 4 \
	--duration 60 >"$TEST_TMP/bg1" 2>&1 &
bg=$!
for round in 1 2; do
	hat_import "round $round: 127.0.0.0/8 rejected" 600 preferred block
	check_eq "round $round: right after the commit, 20 fresh connections all rejected (554)" \
		"554=20" "$(fresh "$SMTP_PORT" 20 greeting)"
	hat_import "round $round: accepted again" 600 preferred
	check_eq "round $round: right after the commit, 20 fresh connections all greeted 220" \
		"220=20" "$(fresh "$SMTP_PORT" 20 greeting)"
done
hat_import "TLS required for 127.0.0.1" 600 required
check_eq "right after the commit, MAIL without STARTTLS on 20 fresh connections: all 530" \
	"530=20" "$(fresh "$SMTP_PORT" 20 mail)"
hat_import "TLS preferred again" 600 preferred
check_eq "right after the commit, MAIL without STARTTLS on 20 fresh connections: all 250" \
	"250=20" "$(fresh "$SMTP_PORT" 20 mail)"

# The inbound TLS context: sslconfig's ciphers on STARTTLS, on both workers.
starttls_ok() { # N CIPHER: how many of N fresh STARTTLS handshakes offering only CIPHER succeed
	local n=0 i
	for i in $(seq "$1"); do handshake "$SMTP_PORT" 1.2 smtp -cipher "$2" && n=$((n + 1)); done
	echo "$n"
}
AES128=ECDHE-RSA-AES128-GCM-SHA256
AES256=ECDHE-RSA-AES256-GCM-SHA384
check "sslconfig inbound: TLS 1.2, $AES128 only" commit_sslconfig "$home" inbound 2 "$AES128"
check_eq "right after the commit, 10 STARTTLS clients offering only $AES256: all refused" 0 \
	"$(starttls_ok 10 "$AES256")"
check "sslconfig inbound: TLS 1.2, $AES256 only" commit_sslconfig "$home" inbound 2 "$AES256"
check_eq "right after the commit, 10 STARTTLS clients offering only $AES256: all served" 10 \
	"$(starttls_ok 10 "$AES256")"
check_eq "... and 10 offering only $AES128: all refused" 0 "$(starttls_ok 10 "$AES128")"
check "sslconfig inbound: the defaults back (TLS 1.2, HIGH)" commit_sslconfig "$home" inbound 2 HIGH

# ---- a listener renamed by a commit keeps its sockets and sessions ----
out=$("$PY" "$CAPS" across "$P2" 4 "$TLSGATE" "$home" \
	'listenerconfig\nEDIT\nSecond\nNAME\nThird\n\n\ncommit "rename"\n')
check_eq "EDIT Second NAME Third committed with 4 sessions open on it: all 4 kept" \
	"committed=True kept=4/4" "$out"
check_eq "the renamed listener keeps its two sockets" 2 "$(sockets "$P2")"
kill -INT "$bg" 2>/dev/null
wait "$bg"
echo "# $(cat "$TEST_TMP/bg1")"
check "the sessions on Second/Third during the commits: none failed" grep -q ' failed=0 ' "$TEST_TMP/bg1"

# ---- moved to another port by a commit ----
P3=$(free_port)
commit_dialog "listenerconfig EDIT Third INTERFACE: a new port" \
	"listenerconfig\nEDIT\nThird\nINTERFACE\n127.0.0.1:$P3\n\n\ncommit \"move\"\n"
check_eq "the moved listener has two sockets on its new port" 2 "$(sockets "$P3")"
check_eq "... and none on the old" 0 "$(sockets "$P2")"
check_eq "right after the commit, 20 fresh connections to the new port all greeted 220" "220=20" \
	"$(fresh "$P3" 20 greeting)"

# ---- an address another program holds: nothing changes on either worker ----
P4=$(free_port)
P5=$(free_port)
"$PY" -c "import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', $P4)); s.listen(); print('ready', flush=True); time.sleep(60)" >"$TEST_TMP/blocker.out" 2>&1 &
blocker=$!
at_exit "kill $blocker 2>/dev/null"
poll 10 grep -q ready "$TEST_TMP/blocker.out"
printf 'listenerconfig\nEDIT\nThird\nINTERFACE\n127.0.0.1:%s\n\nNEW\nFourth\n1\n127.0.0.1:%s\n\ncommit "taken"\n' \
	"$P5" "$P4" | console >"$TEST_TMP/taken.out" 2>&1
check "a commit with a listener on a taken address: tlsgated did not apply it" \
	grep -q 'tlsgated did not apply the new configuration: Listener Fourth' "$TEST_TMP/taken.out"
check_eq "... InboundMail keeps its two sockets" 2 "$(sockets "$SMTP_PORT")"
check_eq "... Third stays on its port with its two (nothing half-applied)" 2 "$(sockets "$P3")"
check_eq "... the taken port has only the other program's socket" 1 "$(sockets "$P4")"
check_eq "... Third still greets on both workers" "220=20" "$(fresh "$P3" 20 greeting)"
kill "$blocker" 2>/dev/null
commit_dialog "the same move (of Third) without Fourth" \
	"listenerconfig\nDELETE\nFourth\n\ncommit \"no fourth\"\n"
check_eq "Third moved again: two sockets on its new port" 2 "$(sockets "$P5")"
check_eq "... none on the one before" 0 "$(sockets "$P3")"

# ---- removed by a commit while sessions are open on it ----
out=$("$PY" "$CAPS" across "$P5" 4 "$TLSGATE" "$home" \
	'listenerconfig\nDELETE\nThird\n\ncommit "no third"\n')
echo "# DELETE Third with 4 sessions open: $out"
check "listenerconfig DELETE Third committed with 4 sessions open on it" \
	grep -q 'committed=True' <<<"$out"
check_eq "the removed listener has no socket left" 0 "$(sockets "$P5")"
check_eq "the SMTP port keeps its two" 2 "$(sockets "$SMTP_PORT")"
# The shared counts let go of every session above: SETUP 3 holds 3, refuses the rest.
commit_dialog "SETUP: 3 connections to all listeners at once" \
	'listenerconfig\nSETUP\n3\n0\n0\n\ncommit "setup"\n'
check_eq "after all these sessions and commits, SETUP 3 still holds exactly 3" \
	"held=3/3 refused421=8 greeted220=0 other=0" "$(caps 1 3 "$SMTP_PORT" 8)"
commit_dialog "SETUP off" 'listenerconfig\nSETUP\n0\n0\n0\n\ncommit "setup off"\n'

# ---- SIGHUP, then a stop, under SMTP load (STARTTLS sessions and messages) ----
"$BENCH_LOAD" --connect "127.0.0.1:$SMTP_PORT" --mode starttls --tls 1.2 --threads 4 \
	--duration 20 >"$TEST_TMP/bg" 2>&1 &
bg=$!
"$BENCH_LOAD" --connect "127.0.0.1:$SMTP_PORT" --mode message --tls 1.2 --threads 4 \
	--duration 20 >"$TEST_TMP/bgm" 2>&1 &
bgm=$!
sleep 1
for i in 1 2 3; do
	kill -HUP "$DAEMON_PID"
	sleep 0.3
done
check "three SIGHUPs (reopen the log, apply the latest version) under load: still running" \
	kill -0 "$DAEMON_PID"
stop_daemon
rc=$?
kill -INT "$bg" "$bgm" 2>/dev/null
wait "$bg" "$bgm"
echo "# $(cat "$TEST_TMP/bgm")"
check_eq "SIGTERM under SMTP load on both workers: exit 0" 0 "$rc"
more=$(sed -n 's/^ok=\([0-9]*\) .*/\1/p' "$TEST_TMP/bgm")
# A session the stop cut after its message's 250 counts as failed: up to one
# more file per client.
files=$(find "$home/spool" -maxdepth 1 -type f ! -name '.*' | wc -l)
check "every message accepted before the stop is in the spool ($sent + $more <= $files <= 4 more)" \
	[ "$files" -ge $((sent + more)) -a "$files" -le $((sent + more + 4)) ]
check "no half-written message left in spool/tmp" \
	test "$(find "$home/spool/tmp" -type f | wc -l)" -eq 0
check "the last line is the stop" bash -c "tail -n 1 '$log' | grep -q 'tlsgated stopped$'"
check_eq "mail log: 'Listener InboundMail ... opened' once, not once per worker" 1 \
	"$(grep -c "Listener InboundMail on 127.0.0.1:$SMTP_PORT opened" "$log")"
check_eq "mail log: 'Listener Second ... opened' once" 1 \
	"$(grep -c "Listener Second on 127.0.0.1:$P2 opened" "$log")"
check_eq "mail log: 'Listener Second ... is now listener Third' once" 1 \
	"$(grep -c "Listener Second on 127.0.0.1:$P2 is now listener Third" "$log")"
check_eq "mail log: 'Listener Third on the old port closed' once" 1 \
	"$(grep -c "Listener Third on 127.0.0.1:$P2 closed" "$log")"
check_eq "mail log: 'Listener Third on the new port opened' once" 1 \
	"$(grep -c "Listener Third on 127.0.0.1:$P3 opened" "$log")"
check_eq "mail log: 'Listener Third on the new port closed' once" 1 \
	"$(grep -c "Listener Third on 127.0.0.1:$P3 closed" "$log")"
check_eq "mail log: 'Listener Third on the last port opened' once" 1 \
	"$(grep -c "Listener Third on 127.0.0.1:$P5 opened" "$log")"
check_eq "mail log: 'Listener Third on the last port closed' once" 1 \
	"$(grep -c "Listener Third on 127.0.0.1:$P5 closed" "$log")"
total=$(grep -cE 'New SMTP ICID [0-9]+ ' "$log")
unique=$(grep -oE 'New SMTP ICID [0-9]+ ' "$log" | sort -u | wc -l)
check_eq "ICIDs: all $total sessions of the run had their own" "$total" "$unique"

# ---- --smtp-max-sessions and the spool quota over both workers ----
home2=$(new_home smtp-workers-quota)
start_daemon "$home2" --workers 2 --smtp-max-sessions 4 --spool-max-messages 5 \
	--spool-min-free 0 || not_ok "tlsgated --workers 2 --smtp-max-sessions 4 starts"
check_eq "two listening sockets on the SMTP port" 2 "$(sockets "$SMTP_PORT")"
out=$(caps 3 4 "$SMTP_PORT" 8)
echo "# --smtp-max-sessions 4: $out"
check_eq "--smtp-max-sessions 4, 4 held: 3 rounds of 8 more all refused 421" \
	"held=12/12 refused421=24 greeted220=0 other=0" "$out"
out=$("$PY" "$CAPS" evict 4 4 "$SMTP_PORT")
echo "# --smtp-max-sessions 4, idle eviction: $out"
check_eq "--smtp-max-sessions 4 held by 4 idle connections: 4 rounds of 4 newcomers each evict one" \
	"evicted=16/16 newcomers220=16/16" "$out"
out=$("$PY" "$CAPS" quota "$SMTP_PORT" 8 1)
echo "# 8 messages one after the other: $out"
check_eq "--spool-max-messages 5: of 8 messages on 8 connections, exactly 5 queued, 3 refused 452" \
	"accepted=5 refused452=3 other=0" "$out"
check_eq "5 files in the spool" 5 \
	"$(find "$home2/spool" -maxdepth 1 -type f ! -name '.*' | wc -l)"
stop_daemon
check_eq "the second daemon stops cleanly" 0 "$?"
# The same quota with 6 senders at once: messages in flight on both
# workers count too.
home3=$(new_home smtp-workers-quota3)
start_daemon "$home3" --workers 2 --spool-max-messages 5 --spool-min-free 0 ||
	not_ok "tlsgated --workers 2 --spool-max-messages 5 starts"
out=$("$PY" "$CAPS" quota "$SMTP_PORT" 12 6)
echo "# 12 messages, 6 at once: $out"
check_eq "--spool-max-messages 5: of 12 messages from 6 senders at once, exactly 5 queued, 7 refused 452" \
	"accepted=5 refused452=7 other=0" "$out"
stop_daemon
check_eq "the third daemon stops cleanly" 0 "$?"
check "no sanitizer or crash report in the daemons' stderr" \
	bash -c "! grep -qE 'ERROR: |WARNING: ThreadSanitizer|runtime error|Segmentation|Aborted' '$TEST_TMP/daemon.err'"
grep -E 'ERROR: |WARNING: ThreadSanitizer|runtime error' "$TEST_TMP/daemon.err" | head -n 5 | sed 's/^/# /'
done_testing
