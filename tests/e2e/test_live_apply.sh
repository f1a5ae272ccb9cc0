#!/usr/bin/env bash
# Commits apply live without dropping anyone: under a steady stream of
# handshakes (tests/tools/handshake_load), commits cause no failed connection
# except those the new policy refuses; once the shell's commit returns, no
# handshake gets the old policy; connections opened before a commit that
# disables their TLS version finish normally (HTTPS keep-alive, SMTP).
. "$(dirname "$0")/e2e_lib.sh"

home=$(new_home live)
if ! start_daemon "$home"; then
	not_ok "tlsgated starts"
	done_testing
	exit 1
fi
commits_done=0
commit() {
	commit_sslconfig "$home" "$@" && commits_done=$((commits_done + 1))
}
# load_result FILE: "attempted ok failed" of a handshake_load run.
load_result() {
	sed -n 's/^attempted=\([0-9]*\) ok=\([0-9]*\) failed=\([0-9]*\)$/\1 \2 \3/p' "$1"
}

# 1. Steady load on both services while policies change under it. Every set
#    still admits the (unpinned) clients, so no connection may fail.
"$LOAD" --connect "127.0.0.1:$HTTPS_PORT" --rate 150 --duration 4 --workers 4 >"$TEST_TMP/gui.load" &
gui_load=$!
"$LOAD" --connect "127.0.0.1:$SMTP_PORT" --starttls --rate 60 --duration 4 --workers 3 \
	>"$TEST_TMP/smtp.load" &
smtp_load=$!
sleep 0.3
all_committed=yes
for step in "gui 1 DEFAULT" "inbound 2 HIGH" "gui 1-4 DEFAULT" "inbound 1-4 DEFAULT" \
	"gui 2-3 HIGH" "inbound 1 DEFAULT" "gui 4 DEFAULT" "inbound 3-4 DEFAULT" "gui 1-2 HIGH" \
	"inbound 1-2 HIGH"; do
	# shellcheck disable=SC2086
	commit $step || all_committed=no
	sleep 0.25
done
wait "$gui_load" "$smtp_load"
check_eq "10 commits applied during the load" yes "$all_committed"
read -r attempted okc failed < <(load_result "$TEST_TMP/gui.load")
check_eq "GUI HTTPS under load: 600 handshakes, none failed" "600 600 0" "$attempted $okc $failed"
read -r attempted okc failed < <(load_result "$TEST_TMP/smtp.load")
check_eq "Inbound SMTP under load: 240 STARTTLS handshakes, none failed" "240 240 0" \
	"$attempted $okc $failed"

# 2. A commit that disables TLS 1.2 during two pinned streams: the TLS 1.3
#    stream never fails; TLS 1.2 handshakes fail only once the commit has
#    started, and none that starts after the commit returned succeeds.
for svc in gui inbound; do
	port=$HTTPS_PORT starttls=()
	if [ "$svc" = inbound ]; then
		port=$SMTP_PORT starttls=(--starttls)
	fi
	"$LOAD" --connect "127.0.0.1:$port" "${starttls[@]}" --tls 1.2 --rate 100 --duration 2.5 \
		--workers 2 --trace >"$TEST_TMP/v12.load" &
	p12=$!
	"$LOAD" --connect "127.0.0.1:$port" "${starttls[@]}" --tls 1.3 --rate 50 --duration 2.5 \
		--workers 2 >"$TEST_TMP/v13.load" &
	p13=$!
	sleep 1
	t0=$(date +%s%3N)
	commit "$svc" 1 HIGH
	committed=$?
	t1=$(date +%s%3N)
	wait "$p12" "$p13"
	check "$svc: commit disabling TLS 1.2 applied" test "$committed" -eq 0
	read -r attempted okc failed < <(load_result "$TEST_TMP/v13.load")
	check_eq "$svc: TLS 1.3 stream across the commit: none failed" "125 0" "$attempted $failed"
	early_fail=$(awk -v t0="$t0" '$3 == "fail" && $2 < t0' "$TEST_TMP/v12.load" | wc -l)
	late_ok=$(awk -v t1="$t1" '$3 == "ok" && $1 > t1' "$TEST_TMP/v12.load" | wc -l)
	before_ok=$(awk -v t0="$t0" '$3 == "ok" && $2 < t0' "$TEST_TMP/v12.load" | wc -l)
	after_fail=$(awk -v t1="$t1" '$3 == "fail" && $1 > t1' "$TEST_TMP/v12.load" | wc -l)
	check_eq "$svc: TLS 1.2 stream: no failure before the commit started" 0 "$early_fail"
	check_eq "$svc: TLS 1.2 stream: no success starting after the commit returned" 0 "$late_ok"
	check "$svc: TLS 1.2 stream: successes before ($before_ok), refusals after ($after_fail)" \
		test "$before_ok" -gt 0 -a "$after_fail" -gt 0
	check "$svc: the refusals are 'protocol version' alerts" \
		bash -c "! awk '\$3 == \"fail\"' '$TEST_TMP/v12.load' | grep -qv 'alert protocol version'"
	commit "$svc" 1-2 HIGH
done

# 3. Connections that span a commit disabling their version.
py_checks "" "$TLSGATE" "$home" "$HTTPS_PORT" "$SMTP_PORT" <<'EOF'
import socket, ssl, sys
from tlsgate_e2e import Https, Smtp, check, client_context, commit
tlsgate, home, https_port, smtp_port = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])

# HTTPS keep-alive over TLS 1.2, across a commit that disables TLS 1.2.
c = Https(https_port, "1.2")
status, _, body = c.get("/api/sslconfig")
check(status == 200 and c.version() == "TLSv1.2", "HTTPS: a TLS 1.2 keep-alive connection is open")
check(commit(tlsgate, home, "gui", "1", "HIGH"), "commit: GUI HTTPS TLS 1.3 only")
status, _, body = c.get("/api/sslconfig")
check(status == 200 and b'"gui":{"methods":["TLSv1.3"]' in body,
      "HTTPS: the open TLS 1.2 connection still works, and shows the new policy", body[:80])
try:
    Https(https_port, "1.2")
    check(False, "HTTPS: a new TLS 1.2 connection is refused")
except ssl.SSLError:
    check(True, "HTTPS: a new TLS 1.2 connection is refused")
check(commit(tlsgate, home, "gui", "1-2", "HIGH"), "commit: GUI HTTPS back to TLS 1.2-1.3")

# An SMTP session over TLS 1.2, across a commit that disables TLS 1.2.
s = Smtp(smtp_port)
s.reply()
s.cmd("EHLO span.example")
s.cmd("STARTTLS")
s.starttls(client_context("1.2"))
s.cmd("EHLO span.example")
check(s.sock.version() == "TLSv1.2", "SMTP: a TLS 1.2 session is open")
check(commit(tlsgate, home, "inbound", "1", "HIGH"), "commit: Inbound SMTP TLS 1.3 only")
codes = [s.cmd(l)[0] for l in ("MAIL FROM:<span@example.com>", "RCPT TO:<b@example.net>", "DATA")]
codes.append(s.cmd("Subject: span\r\n\r\nacross a commit\r\n.")[0])
check(codes == [250, 250, 354, 250], "SMTP: the open session delivers a message after the commit", codes)
s.cmd("QUIT")
s = Smtp(smtp_port)
s.reply()
s.cmd("EHLO late.example")
s.cmd("STARTTLS")
try:
    s.starttls(client_context("1.2"))
    check(False, "SMTP: a new TLS 1.2 STARTTLS is refused")
except ssl.SSLError:
    check(True, "SMTP: a new TLS 1.2 STARTTLS is refused")

# Accepted before the commit, ClientHello after it: the new policy applies.
raw = socket.create_connection(("127.0.0.1", https_port))
s = Smtp(smtp_port)
s.reply()
s.cmd("EHLO early.example")
s.cmd("STARTTLS")
check(commit(tlsgate, home, "gui", "2", "HIGH") and commit(tlsgate, home, "inbound", "2", "HIGH"),
      "commit: both services TLS 1.2 only")
try:
    client_context("1.3").wrap_socket(raw)
    check(False, "HTTPS: accepted before the commit, a TLS 1.3 ClientHello after it is refused")
except ssl.SSLError:
    check(True, "HTTPS: accepted before the commit, a TLS 1.3 ClientHello after it is refused")
try:
    s.starttls(client_context("1.3"))
    check(False, "SMTP: STARTTLS before the commit, a TLS 1.3 ClientHello after it is refused")
except ssl.SSLError:
    check(True, "SMTP: STARTTLS before the commit, a TLS 1.3 ClientHello after it is refused")
raw = socket.create_connection(("127.0.0.1", https_port))
check(commit(tlsgate, home, "gui", "1", "HIGH"), "commit: GUI HTTPS TLS 1.3 only")
t = client_context("1.3").wrap_socket(raw)
check(t.version() == "TLSv1.3", "HTTPS: accepted under TLS 1.2 only, a TLS 1.3 ClientHello after the commit succeeds")

# Accepted before a cipher change, resuming a session of the old policy:
# the session is not resumed; the handshake gets the new cipher.
AES128, AES256 = "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384"
ctx = client_context("1.2")
ctx.set_ciphers(AES128 + ":" + AES256)
check(commit(tlsgate, home, "gui", "2", AES128), "commit: GUI HTTPS TLS 1.2 with " + AES128)
first = ctx.wrap_socket(socket.create_connection(("127.0.0.1", https_port)))
session = first.session
first.close()
raw = socket.create_connection(("127.0.0.1", https_port))
check(commit(tlsgate, home, "gui", "2", AES256), "commit: GUI HTTPS TLS 1.2 with " + AES256)
t = ctx.wrap_socket(raw, session=session)
check(not t.session_reused and t.cipher()[0] == AES256,
      "HTTPS: accepted before a cipher change, an old session is not resumed",
      (t.session_reused, t.cipher()))
EOF

check_eq "mail log: one 'applied' line per commit (the 8 from Python too), plus the start" "$((commits_done + 8 + 1))" \
	"$(grep -cE 'Info: Configuration version [0-9]+ applied$' "$home/logs/mail_logs")"
check "the daemon ran through it all" kill -0 "$DAEMON_PID"
done_testing
