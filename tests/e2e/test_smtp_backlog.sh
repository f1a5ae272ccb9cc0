#!/usr/bin/env bash
# test_smtp_backlog: replies go out at once when nothing is queued (issue 20:
# send() in the clear, one SSL_write after STARTTLS); a client that pipelines
# thousands of commands and reads nothing for a while fills the socket, so
# some of those writes would block and must be finished by the bufferevent
# (for TLS: the same write repeated, as OpenSSL requires). Every reply must
# arrive, in order, in the clear and over TLS.
. "$(dirname "$0")/e2e_lib.sh"

home=$(new_home backlog)
start_daemon "$home" || { not_ok "tlsgated starts"; done_testing; exit 1; }

py_checks "" "$SMTP_PORT" <<'PY'
import socket, ssl, sys, threading, time
port = int(sys.argv[1])
# 14 bytes a reply: 5.6 MB of them, more than the largest send buffer
# (tcp_wmem 4 MB), so the daemon's writes do block.
N = 400000

def pipeline(sock, data):
    # Sent from a thread: the daemon stops reading while its replies wait.
    th = threading.Thread(target=sock.sendall, args=(data,))
    th.start()
    return th

def read_replies(f, n):
    got = 0
    while got < n:
        line = f.readline()
        if not line:
            return got, "EOF"
        if line.startswith(b"250 "):
            got += 1
        elif not line.startswith(b"250-"):
            return got, line
    return got, None

def check(ok, text, detail=""):
    print(("PASS " if ok else "FAIL ") + text + ("" if ok else ": %s" % (detail,)))

# A small receive window: the daemon's socket fills after a few kB.
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.settimeout(60)
s.connect(("127.0.0.1", port))
f = s.makefile("rb")
f.readline()  # greeting
s.sendall(b"EHLO backlog.example\r\n")
read_replies(f, 1)
# In the clear: N NOOPs at once, nothing read for a second.
th = pipeline(s, b"NOOP\r\n" * N)
time.sleep(1)
got, err = read_replies(f, N)
th.join()
check(got == N and err is None, "in the clear: %d pipelined NOOPs, every reply arrives" % N, (got, err))

s.sendall(b"STARTTLS\r\n")
line = f.readline()
check(line.startswith(b"220"), "STARTTLS accepted", line)
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
t = ctx.wrap_socket(s, server_hostname="localhost")
tf = t.makefile("rb")
t.sendall(b"EHLO backlog.example\r\n")
read_replies(tf, 1)
th = pipeline(t, b"NOOP\r\n" * N)
time.sleep(1)
got, err = read_replies(tf, N)
th.join()
check(got == N and err is None, "over TLS: %d pipelined NOOPs, every reply arrives" % N, (got, err))
t.sendall(b"QUIT\r\n")
line = tf.readline()
check(line.startswith(b"221"), "QUIT answered over TLS", line)
PY
check "the daemon is alive and serves" handshake "$HTTPS_PORT" 1.2
done_testing
