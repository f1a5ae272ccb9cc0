#!/usr/bin/env bash
# test_smuggle_outbound: outbound delivery never emits a bare CR, a bare LF
# or a NUL (issue 12 item 3), whatever a spool file holds (one written by an
# older version, or by hand). A spool file whose body carries
# "line1\r.\r\nMAIL FROM:<evil>" (the smuggling payload), a NUL and a bare LF
# is delivered through a route to a raw SMTP receiver that records the DATA
# bytes as they arrived: CRLF line ends only, no NUL, the smuggled "." line
# stuffed, and one transaction only.
. "$(dirname "$0")/../e2e/e2e_lib.sh"

P=$(free_port)
"$PY" - "$P" "$TEST_TMP/received" <<'EOF' &
import socket, sys
port, out = int(sys.argv[1]), sys.argv[2]
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(5)
srv.settimeout(60)
log = open(out + ".commands", "wb")
c, _ = srv.accept()
c.settimeout(30)
c.sendall(b"220 raw.example ESMTP\r\n")
buf = b""
def line():
    global buf
    while b"\r\n" not in buf:
        d = c.recv(65536)
        if not d:
            raise SystemExit
        buf += d
    l, buf = buf.split(b"\r\n", 1)
    return l
while True:
    cmd = line()
    log.write(cmd + b"\n")
    log.flush()
    verb = cmd[:4].upper()
    if verb in (b"EHLO", b"HELO"):
        c.sendall(b"250 raw.example\r\n")
    elif verb == b"DATA":
        c.sendall(b"354 go\r\n")
        while b"\r\n.\r\n" not in buf:
            d = c.recv(65536)
            if not d:
                raise SystemExit
            buf += d
        data, buf = buf.split(b"\r\n.\r\n", 1)
        open(out, "wb").write(data + b"\r\n.\r\n")
        c.sendall(b"250 2.0.0 Ok: queued\r\n")
    elif verb == b"QUIT":
        c.sendall(b"221 bye\r\n")
        break
    else:
        c.sendall(b"250 ok\r\n")
EOF
receiver=$!
at_exit "kill $receiver"

home=$(new_home smuggleout)
printf 'smtproutes\nnew\nraw.test\n127.0.0.1:%s\n\ncommit "route"\n' "$P" |
	"$TLSGATE" --home "$home" >"$TEST_TMP/route.out" 2>&1
check "route committed" grep -q '^Changes committed' "$TEST_TMP/route.out"
mkdir -p "$home/spool"
chmod 700 "$home/spool"
{
	printf 'tlsgate-spool 1\nid 00000000000AB001\nreceived %s\nicid 1\nclient 127.0.0.1\n' "$(date +%s)"
	printf 'helo old.example\ntls none\nbody 7BIT\nfrom <a@example.com>\nto <b@raw.test>\n\n'
	printf 'Subject: smuggle\r\n\r\nline1\r.\r\nMAIL FROM:<evil@example.com>\r\n'
	printf 'nul\0here\r\nbare\nlf\r\n.dot\r\nend\r\n'
} >"$home/spool/00000000000AB001"
if ! start_daemon "$home" --deliver; then
	not_ok "tlsgated --deliver starts"
	done_testing
	exit 1
fi
received() { [ -s "$TEST_TMP/received" ]; }
check "the message was delivered to the raw receiver" poll 20 received
"$PY" - "$TEST_TMP/received" "$TEST_TMP/received.commands" >"$TEST_TMP/verdict" <<'EOF'
import re, sys
data = open(sys.argv[1], "rb").read()
cmds = open(sys.argv[2], "rb").read().split(b"\n")
body = data[: -len(b"\r\n.\r\n")]
print("nul", b"\0" in data)
print("bare", re.search(rb"\r(?!\n)|(?<!\r)\n", data) is not None)
print("dotline", b"\r\n.\r\n" in body or body.startswith(b".\r\n"))
print("stuffed", b"\r\n..\r\n" in data and b"\r\n..dot\r\n" in data)
print("mails", sum(1 for c in cmds if c.upper().startswith(b"MAIL FROM")))
EOF
check_eq "no NUL byte left the gateway" "nul False" "$(sed -n 1p "$TEST_TMP/verdict")"
check_eq "no bare CR or bare LF left the gateway" "bare False" "$(sed -n 2p "$TEST_TMP/verdict")"
check_eq "no lone '.' line inside the data" "dotline False" "$(sed -n 3p "$TEST_TMP/verdict")"
check_eq "the smuggled '.' and '.dot' lines went out dot-stuffed" "stuffed True" \
	"$(sed -n 4p "$TEST_TMP/verdict")"
check_eq "one MAIL FROM only: nothing was smuggled into a second transaction" "mails 1" \
	"$(sed -n 5p "$TEST_TMP/verdict")"
done_testing
