#!/usr/bin/env bash
# test_burst_admission: a burst of connections accepted at once must not push
# out an older, well-behaved client. The daemon is stopped (SIGSTOP) while a
# TLS client connects and sends its ClientHello, with 20 connections from
# the same address opened and abandoned before it and 300 after it; on SIGCONT the
# listener accepts them in one go and the HTTPS engine admits them one by one.
# The abandoned ones make room, never the waiting client: its handshake and
# request succeed. Run with one worker (every connection on one listener) and
# with the default (the cores), and under a small cap so the burst exceeds it.
. "$(dirname "$0")/../e2e/e2e_lib.sh"

burst_round() { # WORKERS-OPTION...: one stopped-daemon burst, then checks
	local home label=${*:-default workers}
	home=$(new_home "burst$#")
	if ! start_daemon "$home" --https-max-conns 16 --max-per-address 4 "$@"; then
		not_ok "tlsgated starts ($label)"
		return
	fi
	handshake "$HTTPS_PORT" 1.2 >/dev/null
	py_checks "" "$HTTPS_PORT" "$DAEMON_PID" "$label" <<'EOF'
import os, signal, socket, ssl, sys, threading, time
port, pid, label = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
def check(ok, text, detail=""):
    print(("PASS " if ok else "FAIL ") + text + ("" if ok else " (%s)" % (detail,)))
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
result = {}
def good_client():
    try:
        s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=20))
        s.sendall(b"GET /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        result["reply"] = s.recv(64)
        s.close()
    except OSError as e:
        result["error"] = repr(e)
def abandon(n):
    for i in range(n):
        s = socket.socket()
        if i % 2:  # half reset, half closed
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        s.connect(("127.0.0.1", port))
        s.close()
os.kill(pid, signal.SIGSTOP)
try:
    abandon(20)
    t = threading.Thread(target=good_client)
    t.start()
    time.sleep(0.3)  # its connection and ClientHello wait in the kernel
    abandon(300)
finally:
    os.kill(pid, signal.SIGCONT)
t.join(30)
reply = result.get("reply", b"")
check(reply.startswith(b"HTTP/1.1 "),
      "%s: a client that waited amid a burst of 320 abandoned connections is served" % label,
      result.get("error", reply))
EOF
	check "$label: the daemon still handshakes after the burst" handshake "$HTTPS_PORT" 1.2
	check "$label: the daemon stops cleanly" stop_daemon
}

burst_round --workers 1
burst_round
done_testing
