#!/usr/bin/env bash
# test_hostile: slow and hostile clients against both listeners, while
# well-behaved clients keep handshaking: idle connections (closed by the
# timeouts), a byte-at-a-time SMTP sender (served), over-long SMTP lines and
# HTTP headers (refused, bounded), and 10,000 connections opened and
# abandoned (some mid-ClientHello). The daemon's memory stays bounded, its
# descriptors come back, and no well-behaved connection fails. Also held:
# HTTP request smuggling and the control socket's parser.
# (SOAK=1: 1,000 idle connections and 50,000 abandoned ones.)
. "$(dirname "$0")/../e2e/e2e_lib.sh"

idle=200 abandoned=10000
[ -n "${SOAK:-}" ] && idle=1000 abandoned=50000
ulimit -n 8192 2>/dev/null
home=$(new_home hostile)
if ! start_daemon "$home" --http-timeout 2 --smtp-timeout 2; then
	not_ok "tlsgated starts"
	done_testing
	exit 1
fi
fds() { find "/proc/$DAEMON_PID/fd" -mindepth 1 | wc -l; }
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$DAEMON_PID/status"; }
handshake "$HTTPS_PORT" 1.2 >/dev/null
fd0=$(fds) rss0=$(rss)

# Well-behaved clients all along (the hostile part takes well under 20 s).
"$LOAD" --connect "127.0.0.1:$HTTPS_PORT" --rate 20 --duration 20 --workers 2 --trace >"$TEST_TMP/good.https" &
good_https=$!
"$LOAD" --connect "127.0.0.1:$SMTP_PORT" --starttls --rate 10 --duration 20 --workers 2 \
	>"$TEST_TMP/good.smtp" &
good_smtp=$!

# ASan's quarantine holds freed memory: no memory bound can be checked there.
mem_limits=1
[ "$BUILD" = build-san ] && mem_limits=0
py_checks "" "$HTTPS_PORT" "$SMTP_PORT" "$idle" "$abandoned" "$DAEMON_PID" "$mem_limits" <<'EOF'
import socket, ssl, sys, threading, time
https, smtp, idle, abandoned, pid, mem_limits = (int(a) for a in sys.argv[1:7])
def check(ok, text, detail=""):
    print(("PASS " if ok else "FAIL ") + text + ("" if ok else " (%s)" % (detail,)))
def rss():
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS"):
            return int(line.split()[1])
def connect(port):
    return socket.create_connection(("127.0.0.1", port), timeout=10)
def until_closed(s, limit):
    """Seconds until the server closes `s` (reading whatever it sends)."""
    t, data = time.monotonic(), b""
    s.settimeout(limit)
    try:
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    return time.monotonic() - t, data

# Idle connections: the timeouts (2 s) close them.
conns = [connect(https if i % 2 else smtp) for i in range(idle)]
t0 = time.monotonic()
results = [until_closed(s, 8) for s in conns]
slowest = max(time.monotonic() - t0, 0)
closed = sum(1 for d, _ in results if d < 8)
check(closed == idle, "%d idle connections closed by the server's timeouts (within %.1f s)" % (idle, slowest), closed)
smtp_idle = [data for i, (_, data) in enumerate(results) if i % 2 == 0]
check(all(b"421" in d for d in smtp_idle), "the idle SMTP clients were told 421 before the close")
for s in conns:
    s.close()

# A byte-at-a-time SMTP sender is slow, not hostile: it is served.
s = connect(smtp)
s.recv(1024)
for c in b"EHLO slow.example\r\n":
    s.sendall(bytes([c]))
    time.sleep(0.03)
reply = s.recv(4096)
check(reply.startswith(b"250"), "a byte-at-a-time EHLO gets its 250", reply[:60])
# An over-long command line on the same session: refused, session bounded.
s.sendall(b"NOOP " + b"A" * 200000 + b"\r\n")
s.settimeout(5)
reply = s.recv(4096)
check(reply[:1] == b"5", "a 200 KB SMTP command line is refused", reply[:60])
s.close()

# Over-long HTTP headers after a real TLS handshake: refused, not buffered.
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
t = ctx.wrap_socket(connect(https))
try:
    t.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"B" * 65536 + b"\r\n\r\n")
except OSError:
    pass
_, data = until_closed(t, 8)
check(data[:12] in (b"HTTP/1.1 400", b"HTTP/1.1 413", b"HTTP/1.1 431") or data == b"",
      "a 64 KB HTTP header is refused or the connection closed", data[:40])

# Connections opened and abandoned: plain, mid-ClientHello, mid-SMTP.
before = rss()
for i in range(abandoned):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00" if i % 3 == 0 else b"\0" * 8)
    try:
        s.connect(("127.0.0.1", https if i % 2 else smtp))
        if i % 5 == 1:
            s.send(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")
        elif i % 5 == 2:
            s.send(b"EHLO half")
    except OSError:
        pass
    s.close()
after = rss()
check(after - before < 32768 or not mem_limits,
      "%d abandoned connections: RSS %d -> %d kB (32 MB allowed%s)" % (abandoned, before, after, "" if mem_limits else "; not checked under ASan"))
EOF

# Held under issue 12's review, kept held: HTTP request smuggling (an
# ambiguous body length is refused and nothing after it is served), the
# control socket's parser (garbage, overlong, out-of-range, NUL, format
# directives: each an error line, the daemon unharmed).
py_checks "" "$HTTPS_PORT" "$home/tlsgated.sock" <<'EOF'
import socket, ssl, sys
https, sock = int(sys.argv[1]), sys.argv[2]
def check(ok, text, detail=""):
    print(("PASS " if ok else "FAIL ") + text + ("" if ok else " (%s)" % (detail,)))
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
def statuses(raw):
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", https), timeout=5))
    s.sendall(raw)
    data = b""
    try:
        while True:
            c = s.recv(65536)
            if not c:
                break
            data += c
    except OSError:
        pass
    return [l for l in data.split(b"\r\n") if l.startswith(b"HTTP/1.")]
smuggled = b"GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
st = statuses(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled)
check(st == [b"HTTP/1.1 400 Bad Request"], "HTTP: Content-Length with Transfer-Encoding: 400, nothing smuggled", st)
st = statuses(b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 40\r\n\r\n" + smuggled)
check(st == [b"HTTP/1.1 400 Bad Request"], "HTTP: two Content-Length headers: 400, connection closed, nothing smuggled", st)
def control(req):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(5)
    s.connect(sock)
    s.sendall(req)
    data = b""
    while not data.endswith(b"\n"):
        c = s.recv(4096)
        if not c:
            break
        data += c
    s.close()
    return data
for req, want in [(b"apply 1x\n", b"error bad version number"), (b"apply -5\n", b"error bad version number"),
                  (b"apply 99999999999999999999999\n", b"error bad version number"),
                  (b"x" * 5000 + b"\n", b"error request too long"), (b"stat\0us\n", b"error unknown request"),
                  (b"%n%s%x%p\n", b"error unknown request"), (b"status; apply 1\n", b"error unknown request")]:
    got = control(req)
    check(got.startswith(want), "control socket: %r... -> %s" % (req[:20], want.decode()), got[:60])
check(control(b"status\n").startswith(b"version "), "control socket: still answers status")
EOF
check "the smuggled request was never served" bash -c "! grep -q smuggled '$home/logs/mail_logs'"

wait "$good_https" "$good_smtp"
echo "# well-behaved: https $(cat "$TEST_TMP/good.https"); smtp $(cat "$TEST_TMP/good.smtp")"
check_eq "well-behaved HTTPS clients throughout: none failed" "attempted=400 ok=400 failed=0" \
	"$(cat "$TEST_TMP/good.https")"
check_eq "well-behaved SMTP clients throughout: none failed" "attempted=200 ok=200 failed=0" \
	"$(cat "$TEST_TMP/good.smtp")"
# Under ASan the daemon works through the abandoned backlog several times
# slower. (The count is read again at every try of the poll.)
fds_back() { [ "$(fds)" -le "$fd0" ]; }
if poll 60 fds_back; then ok "the daemon's descriptors come back ($fd0)"; else
	not_ok "the daemon's descriptors come back ($fd0; now $(fds))"
fi
rss1=$(rss)
if [ "$mem_limits" = 1 ]; then
	check "the daemon's memory stays bounded (RSS $rss0 -> $rss1 kB, 48 MB allowed)" \
		test "$rss1" -le $((rss0 + 49152))
else
	ok "# SKIP memory bound under ASan (RSS $rss0 -> $rss1 kB)"
fi
# Issue 20: a drained burst's memory goes back to the system (malloc_trim),
# it does not stay at the peak. Within 6 MB of the fresh daemon's.
rss_back() { [ "$(rss)" -le $((rss0 + 6144)) ]; }
if [ "$mem_limits" != 1 ]; then
	ok "# SKIP memory returned under ASan (RSS $rss0 -> $(rss) kB)"
elif poll 10 rss_back; then
	ok "the burst's memory is returned (RSS $rss0 -> $rss1 -> $(rss) kB, 6 MB allowed)"
else
	not_ok "the burst's memory is returned (RSS $rss0 -> $rss1 -> $(rss) kB, 6 MB allowed)"
fi
check "the daemon is alive and serves" handshake "$HTTPS_PORT" 1.2

# Held: SQL and format injection through the console's free text. A commit
# comment is stored and shown literally; the tables are intact.
evil="x'); DROP TABLE config_values; -- %n%s%x"
"$TLSGATE" --home "$home" -c "sethostname evil.example.com; commit \"$evil\"" >"$TEST_TMP/evil.out" 2>&1
check "SQL/format injection in a commit comment: committed" grep -q '^Changes committed' "$TEST_TMP/evil.out"
check_eq "... stored literally" "$evil" \
	"$(sqlite3 "$home/config.db" "SELECT comment FROM config_versions ORDER BY version DESC LIMIT 1")"
check "... the tables are intact" test "$(sqlite3 "$home/config.db" "SELECT count(*) FROM config_values")" -gt 0
done_testing
