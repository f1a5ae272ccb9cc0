#!/usr/bin/env bash
# Inbound SMTP: swaks delivers over STARTTLS and in the clear, the spool file
# holds envelope and data; plaintext pipelined after STARTTLS is discarded;
# RFC 5321 replies, limits, pipelining, timeouts, spool failures; mail log.
. "$(dirname "$0")/e2e_lib.sh"

home=$(new_home smtp)
if ! start_daemon "$home" --smtp-timeout 2 --smtp-max-size 20000; then
	not_ok "tlsgated starts"
	done_testing
	exit 1
fi

swaks --server "127.0.0.1:$SMTP_PORT" --tls --helo client.example --from alice@example.com \
	--to bob@example.net --header 'Subject: e2e over TLS' \
	--body $'first line\n.starts with a dot\nlast line' >"$TEST_TMP/swaks.out" 2>&1
check "swaks over STARTTLS: the message is accepted" test $? -eq 0
id=$(sed -n 's/.*250 2\.0\.0 Ok: queued as \([0-9A-F]*\).*/\1/p' "$TEST_TMP/swaks.out")
check "swaks over STARTTLS: EHLO after TLS does not offer STARTTLS again" \
	bash -c "awk '/220 2.0.0 Ready/{t=1} t' '$TEST_TMP/swaks.out' | grep -q '250-PIPELINING' &&
		! awk '/220 2.0.0 Ready/{t=1} t' '$TEST_TMP/swaks.out' | grep -q 'STARTTLS$'"
check "the greeting and the EHLO reply name the host (sethostname)" \
	bash -c "grep -q '<-  220 mail.example.com ESMTP tlsgate' '$TEST_TMP/swaks.out' &&
		grep -q '<-  250-mail.example.com' '$TEST_TMP/swaks.out'"
spool=$home/spool/$id
check "the spool file spool/$id exists" test -n "$id" -a -f "$spool"
check_eq "spool directory 0700, file 0600" "700 600" "$(stat -c %a "$home/spool") $(stat -c %a "$spool" 2>/dev/null)"
check_eq "spool envelope" $'tlsgate-spool 1\nid '"$id"$'\nhelo client.example\nbody 7BIT\nfrom <alice@example.com>\nto <bob@example.net>' \
	"$(grep -E '^(tlsgate-spool|id|helo|body|from|to) ' "$spool")"
check "spool envelope: the TLS protocol and cipher" grep -qE '^tls TLSv1\.[23] [A-Z0-9_-]+$' "$spool"
check "spool message: our Received: header comes first" \
	bash -c "sed -n '/^\$/{n;p;q}' '$spool' | grep -q '^Received: from client.example (unknown \[127.0.0.1\])'"
check "spool message: the data, dot-unstuffed, CRLF line ends" \
	grep -qF $'\r\nfirst line\r\n.starts with a dot\r\nlast line\r\n' "$spool"
check "spool message: the header swaks sent" grep -qF $'Subject: e2e over TLS\r' "$spool"

swaks --server "127.0.0.1:$SMTP_PORT" --from '<>' --to postmaster@example.net \
	--body 'plain text' >"$TEST_TMP/swaks2.out" 2>&1
id2=$(sed -n 's/.*250 2\.0\.0 Ok: queued as \([0-9A-F]*\).*/\1/p' "$TEST_TMP/swaks2.out")
check "swaks without TLS: accepted, spooled with 'tls none' and the null sender" \
	bash -c "grep -qx 'tls none' '$home/spool/$id2' && grep -qx 'from <>' '$home/spool/$id2'"

py_checks "" "$SMTP_PORT" "$home/spool" <<'EOF'
import os, sys, time
from tlsgate_e2e import Smtp, check, client_context
port, spool = int(sys.argv[1]), sys.argv[2]

# RFC 3207 5: commands pipelined after STARTTLS in the clear are discarded.
s = Smtp(port)
s.reply()
code, ehlo = s.cmd("EHLO attacker.example")
check(code == 250 and "250-STARTTLS" in ehlo and "250-PIPELINING" in ehlo and "250 8BITMIME" in ehlo
      and "250-SIZE 20000" in ehlo, "EHLO offers STARTTLS, PIPELINING, 8BITMIME, SIZE", ehlo)
s.send("STARTTLS\r\nMAIL FROM:<injected@example.com>\r\n")
code, text = s.reply()
check(code == 220 and text == ["220 2.0.0 Ready to start TLS"], "STARTTLS: 220 Ready", text)
pending = s.starttls(client_context())
check(pending == b"", "nothing follows the 220 in the clear", pending)
code, ehlo = s.cmd("EHLO attacker.example")
check(code == 250 and not any("STARTTLS" in l for l in ehlo), "EHLO over TLS: no STARTTLS", ehlo)
code, text = s.cmd("RCPT TO:<victim@example.net>")
check(code == 503, "the injected MAIL FROM was discarded (RCPT: 503 need MAIL)", text)
code, text = s.cmd("STARTTLS")
check(code == 554, "STARTTLS twice: 554", text)
s.cmd("QUIT")

# Sequence and syntax errors, in the clear.
s = Smtp(port)
s.reply()
for line, want, what in [
        ("MAIL FROM:<a@example.com>", 503, "MAIL before EHLO: 503"),
        ("FOO bar", 500, "unknown command: 500"),
        ("HELO", 501, "HELO without a name: 501"),
        ("HELO client.example", 250, "HELO: 250"),
        ("RCPT TO:<b@example.net>", 503, "RCPT before MAIL: 503"),
        ("DATA", 503, "DATA before RCPT: 503"),
        ("MAIL FROM:a@example.com", 501, "MAIL without brackets: 501"),
        ("MAIL FROM:<a@@example.com>", 501, "bad sender address: 501"),
        ("MAIL FROM:<a@example.com> SIZE=30000", 552, "SIZE over the limit: 552"),
        ("MAIL FROM:<a@example.com> FOO=1", 555, "unknown MAIL parameter: 555"),
        ("MAIL FROM:<a@example.com> SIZE=100 BODY=8BITMIME", 250, "MAIL with SIZE and BODY: 250"),
        ("MAIL FROM:<c@example.com>", 503, "nested MAIL: 503"),
        ("RCPT TO:<not an address>", 501, "bad recipient: 501"),
        ("RCPT TO:<b@example.net>", 250, "RCPT: 250"),
        ("STARTTLS", 503, "STARTTLS inside a transaction: 503"),
        ("VRFY b@example.net", 252, "VRFY: 252"),
        ("NOOP", 250, "NOOP: 250"),
        ("RSET", 250, "RSET: 250"),
        ("DATA", 503, "DATA after RSET: 503"),
        ("X" * 600, 500, "a 600-byte command line: 500 line too long"),
        ("NOOP", 250, "the session goes on after an overlong line")]:
    code, text = s.cmd(line)
    check(code == want, what, text)
check(s.cmd("QUIT") == (221, ["221 2.0.0 Bye"]) and s.closed(3), "QUIT: 221, then closed")

# RFC 2920 pipelining: the whole transaction in two writes.
s = Smtp(port)
s.reply()
s.cmd("EHLO pipe.example")
s.send("MAIL FROM:<p@example.com>\r\nRCPT TO:<q@example.net>\r\nRCPT TO:<r@example.net>\r\nDATA\r\n")
codes = [s.reply()[0] for _ in range(4)]
check(codes == [250, 250, 250, 354], "pipelined MAIL, RCPT, RCPT, DATA", codes)
# A bare LF before a dot must not end the data (SMTP smuggling), and the
# message is refused: 554 5.5.2, the session closed (the QUIT unread).
s.send("Subject: pipe\r\n\r\nbody\n.\nMAIL FROM:<smuggled@example.com>\r\n.\r\nQUIT\r\n")
code, text = s.reply()
check(code == 554 and "5.5.2" in text[0] and s.closed(3),
      "pipelined data with bare LF . LF: 554 5.5.2, then closed", text)
s = Smtp(port)
s.reply()
s.cmd("EHLO pipe.example")
s.send("MAIL FROM:<p@example.com>\r\nRCPT TO:<q@example.net>\r\nRCPT TO:<r@example.net>\r\nDATA\r\n")
codes = [s.reply()[0] for _ in range(4)]
s.send("Subject: pipe\r\n\r\nbody\r\nQUIT\r\n.\r\nQUIT\r\n")
code, text = s.reply()
check(code == 250 and "queued as" in text[0], "pipelined data and QUIT: 250 queued", text)
check(s.reply()[0] == 221, "... then 221")
qid = text[0].rsplit(" ", 1)[1]
data = open(os.path.join(spool, qid), "rb").read()
check(b"to <q@example.net>\nto <r@example.net>\n" in data, "two recipients in the envelope")

# Size and line-length limits inside DATA: refused, nothing spooled.
before = set(os.listdir(spool))
s = Smtp(port)
s.reply()
s.cmd("EHLO big.example")
s.cmd("MAIL FROM:<big@example.com>")
s.cmd("RCPT TO:<b@example.net>")
s.cmd("DATA")
s.send(("x" * 998 + "\r\n") * 25 + ".\r\n")
code, text = s.reply()
check(code == 552, "a message over --smtp-max-size: 552", text)
s.cmd("MAIL FROM:<long@example.com>")
s.cmd("RCPT TO:<b@example.net>")
s.cmd("DATA")
s.send("y" * 1500 + "\r\n.\r\n")
code, text = s.reply()
check(code == 554, "a data line over 1000 bytes: 554", text)
check(set(os.listdir(spool)) == before, "refused messages leave no spool file")

# Too many errors end the session.
s = Smtp(port)
s.reply()
s.send("BOGUS\r\n" * 20)
codes = [s.reply()[0] for _ in range(21)]
check(codes[-1] == 421 and s.closed(3), "after 20 errors: 421 and close", codes[-3:])

# The idle timeout (--smtp-timeout 2): 421, then close.
s = Smtp(port)
s.reply()
t = time.monotonic()
code, text = s.reply()
idle = time.monotonic() - t
check(code == 421 and "timeout" in text[0] and 1.5 <= idle <= 5.5 and s.closed(3),
      "an idle session gets 421 after the 2 s timeout, then is closed", (text, idle))
EOF

# The spool cannot be written: 451, and the client may retry later.
mv "$home/spool/tmp" "$home/spool/tmp.saved" && touch "$home/spool/tmp"
py_checks "" "$SMTP_PORT" <<'EOF'
import sys
from tlsgate_e2e import Smtp, check
s = Smtp(int(sys.argv[1]))
s.reply()
s.cmd("EHLO client.example")
s.cmd("MAIL FROM:<a@example.com>")
s.cmd("RCPT TO:<b@example.net>")
code, text = s.cmd("DATA")
check(code == 451, "spool not writable: DATA answers 451", text)
check(s.cmd("QUIT")[0] == 221, "... and the session goes on")
EOF
rm -f "$home/spool/tmp" && mv "$home/spool/tmp.saved" "$home/spool/tmp"

# --smtp-max-sessions: with both sessions busy, one more client is told 421
# and closed.
stop_daemon
start_daemon "$home" --smtp-max-sessions 2
py_checks "" "$SMTP_PORT" <<'EOF'
import sys
from tlsgate_e2e import Smtp, check
port = int(sys.argv[1])
a, b = Smtp(port), Smtp(port)
check(a.reply()[0] == 220 and b.reply()[0] == 220, "two sessions under --smtp-max-sessions 2")
# In a transaction, neither can be evicted to make room.
for x in (a, b):
    x.cmd("EHLO busy.example")
    x.cmd("MAIL FROM:<a@example.com>")
c = Smtp(port)
code, text = c.reply()
check(code == 421 and "too many connections" in text[0] and c.closed(3), "a third gets 421, then close", text)
a.cmd("QUIT")
a.closed(3)
d = Smtp(port)
check(d.reply()[0] == 220, "once one has left, a new session is accepted")
EOF
check "mail log: the refusal, counted" poll 3 grep -qE 'Warning: SMTP InboundMail connection limits \(2 in all, 32 per address\): 1 refused, 0 idle evicted, 0 accept\(\) failures in the last 10 s$' "$home/logs/mail_logs"

# SMTP smuggling (issue 12 item 3): a bare CR or LF in DATA refuses the
# message and ends the session (smtpd_forbid_bare_newline); a NUL refuses
# the message. Raw sockets, so no client library fixes the bytes up.
files0=$(find "$home/spool" -maxdepth 1 -type f | wc -l)
py_checks "" "$SMTP_PORT" <<'EOF'
import socket, sys, time
port = int(sys.argv[1])
from tlsgate_e2e import check
def session(data):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    f = s.makefile("rb")
    f.readline()
    s.sendall(b"EHLO smuggler.example\r\n")
    while f.readline()[3:4] == b"-":
        pass
    for cmd in (b"MAIL FROM:<a@example.com>", b"RCPT TO:<b@example.net>", b"DATA"):
        s.sendall(cmd + b"\r\n")
        f.readline()
    s.sendall(data)
    reply = f.readline()
    try:
        s.sendall(b"NOOP\r\n")
        after = f.readline()
    except OSError:
        after = b""
    s.close()
    return reply, after
smuggle = b"Subject: x\r\n\r\nline1\r.\r\nMAIL FROM:<evil@example.com>\r\nRCPT TO:<victim@example.net>\r\nDATA\r\nforged\r\n.\r\n"
reply, after = session(smuggle)
check(reply.startswith(b"554 5.5.2") and after == b"", "bare CR ('line1\\r.\\r\\n' smuggling): 554 5.5.2, then closed", (reply, after))
reply, after = session(b"Subject: x\r\n\r\nline1\n.\nMAIL FROM:<evil@example.com>\r\n.\r\n")
check(reply.startswith(b"554 5.5.2") and after == b"", "bare LF ('\\n.\\n'): 554 5.5.2, then closed", (reply, after))
reply, after = session(b"Subject: x\r\n\r\na\x00b\r\n.\r\n")
check(reply.startswith(b"554 5.6.0") and after.startswith(b"250"), "NUL in DATA: 554 5.6.0, the session goes on", (reply, after))
EOF
check_eq "nothing of the refused messages was spooled" "$files0" \
	"$(find "$home/spool" -maxdepth 1 -type f | wc -l)"
printf 'Subject: swaks smuggle\r\n\r\nline1\r.\r\nMAIL FROM:<evil@example.com>\r\n' >"$TEST_TMP/smuggle.eml"
swaks --server "127.0.0.1:$SMTP_PORT" --from a@example.com --to b@example.net \
	--data "$TEST_TMP/smuggle.eml" >"$TEST_TMP/swaks-smuggle.out" 2>&1
check "swaks with a bare CR in the data: refused with 554 5.5.2" \
	grep -q '554 5.5.2' "$TEST_TMP/swaks-smuggle.out"

log=$home/logs/mail_logs
check "mail log: New SMTP ICID line" \
	poll 3 grep -qE '^[A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8} [0-9]{4} Info: New SMTP ICID [0-9]+ interface InboundMail \(127\.0\.0\.1\) address 127\.0\.0\.1 reverse dns host unknown verified no$' "$log"
check "mail log: ICID TLS success line" poll 3 grep -qE 'Info: ICID [0-9]+ TLS success protocol TLSv1\.[23] cipher [A-Z0-9_-]+$' "$log"
check "mail log: the message's MID lines" \
	bash -c "grep -qE 'Info: MID [0-9]+ ICID [0-9]+ From: <alice@example.com>$' '$log' &&
		grep -qE 'Info: MID [0-9]+ ICID [0-9]+ RID 0 To: <bob@example.net>$' '$log' &&
		grep -qE 'Info: MID [0-9]+ spooled as $id$' '$log'"
check "mail log: the plaintext pipelined after STARTTLS, discarded" \
	poll 3 grep -qE 'Warning: ICID [0-9]+ STARTTLS: 34 bytes sent in the clear after it discarded$' "$log"
check "mail log: the timeout" poll 3 grep -qE 'Info: ICID [0-9]+ timeout$' "$log"
check "mail log: ICID close lines" poll 3 grep -qE 'Info: ICID [0-9]+ close$' "$log"
check "mail log: file mode 0600, directory 0700" test "$(stat -c %a "$log") $(stat -c %a "$home/logs")" = "600 700"
done_testing
