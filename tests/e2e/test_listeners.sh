#!/usr/bin/env bash
# Inbound policy against a running tlsgated, with real clients from different
# loopback source addresses (swaks --local-interface, openssl s_client -bind):
# the open-relay attempt refused, the recipient access table (accept, reject,
# custom response), each behaviour of the host access table (accept, relay,
# reject, TCP refuse), each TLS level (No, Preferred, Required, Preferred -
# Verify, Required - Verify with valid, invalid and no client certificates),
# the limits, a policy changed while a session is open, listeners added and
# removed live, verified reverse DNS, and the AsyncOS mail-log lines.
. "$(dirname "$0")/e2e_lib.sh"

home=$(new_home listeners)
if ! start_daemon "$home" --smtp-timeout 5; then
	not_ok "tlsgated starts"
	done_testing
	exit 1
fi
log=$home/logs/mail_logs
console() { "$TLSGATE" --home "$home" "$@"; }
# send FROM_IP TO [swaks options...]: one message; the dialog in $TEST_TMP/swaks.out.
send() {
	local ip=$1 to=$2
	shift 2
	timeout 20 swaks --server "127.0.0.1:$SMTP_PORT" --local-interface "$ip" --from a@sender.org \
		--to "$to" "$@" >"$TEST_TMP/swaks.out" 2>&1
}
queued() { grep -q '250 2.0.0 Ok: queued as' "$TEST_TMP/swaks.out"; }

# ---- the open relay, by default ----
send 127.0.0.2 victim@any-domain.example
check "default: a stranger (127.0.0.2) cannot relay to any domain (550 at RCPT)" \
	grep -q '<\*\* *550 5.7.1 <victim@any-domain.example>: Recipient address rejected' "$TEST_TMP/swaks.out"
check "... and nothing was queued" bash -c "! grep -q 'queued as' '$TEST_TMP/swaks.out'"
check "mail log: the stranger matched no sender group" poll 3 grep -qE 'ICID [0-9]+ ACCEPT SG None match SBRS None$' "$log"
check "mail log: the refused recipient" poll 3 grep -q 'Recipient <victim@any-domain.example> rejected by the recipient access table of InboundMail' "$log"
check "mail log: New SMTP ICID line names the listener and the client" \
	poll 3 grep -qE 'New SMTP ICID [0-9]+ interface InboundMail \(127\.0\.0\.1\) address 127\.0\.0\.2 reverse dns host unknown verified no$' "$log"
send 127.0.0.1 someone@any-domain.example
check "default: the host itself (RELAYLIST 127.0.0.1) relays" queued
check "mail log: RELAY SG RELAYLIST match 127.0.0.1" poll 3 grep -qE 'ICID [0-9]+ RELAY SG RELAYLIST match 127\.0\.0\.1 SBRS None$' "$log"

# ---- the recipient access table ----
# The first matching entry decides: the exception comes before its domain.
printf 'listenerconfig\nEDIT\nInboundMail\nRCPTACCESS\nNEW\nblocked@example.com\n2\nY\n550\nNo such user here\nNEW\nexample.com\n1\nN\nNEW\n.sub.example.net\n1\nN\n\n\n\ncommit "rat"\n' |
	console >"$TEST_TMP/rat.out" 2>&1
check "RCPTACCESS NEW (accept, reject with a custom response, .domain) committed" grep -q '^Changes committed' "$TEST_TMP/rat.out"
check_eq "listenerconfig EDIT InboundMail RCPTACCESS PRINT (one line)" \
	$'blocked@example.com REJECT 550 "No such user here"\nexample.com ACCEPT\n.sub.example.net ACCEPT\nALL REJECT' \
	"$(console -c 'listenerconfig EDIT InboundMail RCPTACCESS PRINT')"
send 127.0.0.2 bob@example.com
check "RAT: bob@example.com accepted from a stranger" queued
send 127.0.0.2 BOB@EXAMPLE.COM
check "RAT: matching ignores case" queued
send 127.0.0.2 blocked@example.com
check "RAT: blocked@example.com refused with the custom response" grep -q '<\*\* *550 No such user here' "$TEST_TMP/swaks.out"
send 127.0.0.2 x@mx.sub.example.net
check "RAT: .sub.example.net accepts a subdomain" queued
send 127.0.0.2 x@sub.example.net
check "RAT: .sub.example.net does not accept the domain itself" bash -c "! grep -q 'queued as' '$TEST_TMP/swaks.out'"
send 127.0.0.2 victim@example.org
check "RAT: other domains still refused (no open relay)" grep -q '<\*\* *550 5.7.1' "$TEST_TMP/swaks.out"

# ---- the host access table: IMPORT a table with every behaviour and TLS level ----
mkdir -p "$home/configuration"
chmod 700 "$home/configuration"
cat >"$home/configuration/hat.txt" <<'EOF'
# sender groups by source address
DEFAULT {
    tls = "preferred"
    max_message_size = 10485760
    max_concurrency = 10
    max_msgs_per_session = 10
    max_rcpts_per_msg = 50
}
$ACCEPTED
    ACCEPT {}
$BLOCKED
    REJECT {}
$REFUSED
    TCPREFUSE {}
$RELAYED
    RELAY {}
$NOTLS
    ACCEPT {
        tls = "off"
    }
$REQ
    ACCEPT {
        tls = "required"
    }
$VPREF
    ACCEPT {
        tls = "preferred_verify"
    }
$VREQ
    ACCEPT {
        tls = "required_verify"
    }
$LIMITED
    ACCEPT {
        max_message_size = 3000
        max_concurrency = 1
        max_msgs_per_session = 1
        max_rcpts_per_msg = 2
    }
RELAYLIST:
    127.0.0.1
    127.0.0.10
    $RELAYED
TLSREQ:
    127.0.0.3
    $REQ
NOTLS:
    127.0.0.4
    $NOTLS
BLOCK:
    127.0.0.5
    $BLOCKED
REFUSE:
    127.0.0.6/32
    $REFUSED
VERIFYREQ:
    127.0.0.7
    $VREQ
VERIFYPREF:
    127.0.0.8
    $VPREF
LIMITS:
    127.0.0.9
    $LIMITED
ALL
    $ACCEPTED
EOF
printf 'listenerconfig\nEDIT\n1\nHOSTACCESS\nIMPORT\nhat.txt\n\n\n\ncommit "hat"\n' | console >"$TEST_TMP/hat.out" 2>&1
check "HOSTACCESS IMPORT committed" grep -q '^Changes committed' "$TEST_TMP/hat.out"
check "pre-commit check: a Required policy with the Demo certificate is warned about" \
	grep -qF 'Warning: Listener InboundMail: the policy $REQ requires TLS with the Demo certificate' "$TEST_TMP/hat.out"
console -c 'listenerconfig EDIT InboundMail HOSTACCESS EXPORT hat-out.txt' >/dev/null 2>&1
check "HOSTACCESS EXPORT round-trips the imported table" \
	bash -c "diff <(grep -v '^#' '$home/configuration/hat.txt') '$home/configuration/hat-out.txt'"

# Required: 530 until STARTTLS, then mail flows.
send 127.0.0.3 bob@example.com
check "Required: MAIL without STARTTLS is answered 530" grep -q '<\*\* *530 5.7.0 Must issue a STARTTLS command first' "$TEST_TMP/swaks.out"
check "mail log: TLS was required but remote host did not initiate it" \
	poll 3 grep -qE 'ICID [0-9]+ TLS was required but remote host did not initiate it$' "$log"
check "mail log: ACCEPT SG TLSREQ match 127.0.0.3" poll 3 grep -qE 'ICID [0-9]+ ACCEPT SG TLSREQ match 127\.0\.0\.3 SBRS None$' "$log"
send 127.0.0.3 bob@example.com --tls
check "Required: with STARTTLS the message is accepted" queued
py=$($PY - "$SMTP_PORT" <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), source_address=("127.0.0.3", 0))
f = s.makefile("rb")
def cmd(line):
    s.sendall(line.encode() + b"\r\n")
    out = []
    while True:
        l = f.readline().decode()
        out.append(l.strip())
        if l[3:4] != "-":
            return out
f.readline()
print(cmd("NOOP")[0][:3], cmd("EHLO c")[-1][:3], cmd("HELO c")[0][:3], cmd("VRFY x")[0][:3], cmd("RCPT TO:<a@b>")[0][:3], cmd("QUIT")[0][:3])
EOF
)
check_eq "Required: NOOP, EHLO, QUIT answered; HELO, VRFY, RCPT get 530" "250 250 530 530 530 221" "$py"
# The guide's broken TLS session, line for line: a client under Required
# that says STARTTLS, then sends no TLS at all and goes away.
$PY - "$SMTP_PORT" <<'EOF' >/dev/null 2>&1
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), source_address=("127.0.0.3", 0))
f = s.makefile("rb")
f.readline()
s.sendall(b"EHLO c\r\n")
while f.readline()[3:4] == b"-":
    pass
s.sendall(b"STARTTLS\r\n")
f.readline()
s.sendall(b"GET / HTTP/1.0\r\n\r\n")
time.sleep(0.5)
s.close()
EOF
poll 10 grep -qE 'ICID [0-9]+ TLS failed' "$log"
icid=$(grep -oE 'ICID [0-9]+ TLS failed' "$log" | tail -1 | cut -d' ' -f2)
poll 10 grep -q "ICID $icid close" "$log"
check_eq "mail log: a broken TLS session under Required is logged as the guide shows" \
	"ACCEPT SG TLSREQ match 127.0.0.3 SBRS None|TLS failed|lost|TLS was required but remote host did not initiate it|close" \
	"$(grep -E "ICID $icid " "$log" | grep -v 'New SMTP' | sed -E "s/.*ICID $icid //; s/^TLS failed.*/TLS failed/" | paste -sd'|' -)"

# No: STARTTLS neither offered nor accepted.
send 127.0.0.4 bob@example.com
check "No: accepted in the clear" queued
check "No: EHLO does not offer STARTTLS" bash -c "! grep -q 'STARTTLS' '$TEST_TMP/swaks.out'"
send 127.0.0.4 bob@example.com --tls
check "No: swaks --tls cannot start TLS" bash -c "! grep -q 'queued as' '$TEST_TMP/swaks.out'"

# Preferred (the ALL rule here): offered, not required.
send 127.0.0.2 bob@example.com
check "Preferred: accepted in the clear" queued
send 127.0.0.2 bob@example.com --tls
check "Preferred: accepted over STARTTLS" queued

# Reject and TCP refuse.
send 127.0.0.5 bob@example.com
check "REJECT: 554 Access denied at the greeting" grep -q '554 5.7.1 .* Access denied' "$TEST_TMP/swaks.out"
check "mail log: REJECT SG BLOCK match 127.0.0.5" poll 3 grep -qE 'ICID [0-9]+ REJECT SG BLOCK match 127\.0\.0\.5 SBRS None$' "$log"
send 127.0.0.6 bob@example.com
check "TCPREFUSE: closed without a greeting" bash -c "! grep -q '^<- *220' '$TEST_TMP/swaks.out' && ! grep -q 'queued as' '$TEST_TMP/swaks.out'"
check "mail log: TCPREFUSE SG REFUSE match 127.0.0.6/32" poll 3 grep -qE 'ICID [0-9]+ TCPREFUSE SG REFUSE match 127\.0\.0\.6/32 SBRS None$' "$log"

# Relay only from the relay hosts.
send 127.0.0.10 anyone@far-away.example
check "RELAY: 127.0.0.10 (RELAYLIST) relays to any domain" queued
send 127.0.0.9 anyone@far-away.example
check "a host outside RELAYLIST cannot" bash -c "! grep -q 'queued as' '$TEST_TMP/swaks.out'"

# Limits of $LIMITED.
send 127.0.0.9 a@example.com,b@example.com,c@example.com
check "limit: the third recipient is refused (max_rcpts_per_msg 2)" grep -q '<\*\* *452 4.5.3' "$TEST_TMP/swaks.out"
send 127.0.0.9 a@example.com --body "$(head -c 4000 /dev/zero | tr '\0' x | fold -w 70)"
check "limit: a message over max_message_size refused" grep -q '<\*\* *552' "$TEST_TMP/swaks.out"
py=$($PY - "$SMTP_PORT" <<'EOF'
import smtplib, sys, time
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), source_address=("127.0.0.9", 0))
s.ehlo("c")
s.sendmail("a@sender.org", ["a@example.com"], "Subject: 1\r\n\r\none\r\n")
code = s.mail("a@sender.org")[0]
s.close()
time.sleep(0.3)
t = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), source_address=("127.0.0.9", 0))
try:
    smtplib.SMTP("127.0.0.1", int(sys.argv[1]), source_address=("127.0.0.9", 0))
    second = 220
except smtplib.SMTPConnectError as e:
    second = e.smtp_code
print(code, t.ehlo("c")[0], second)
EOF
)
check_eq "limit: second message 421 (max_msgs_per_session 1); a second connection refused (max_concurrency 1)" "421 250 421" "$py"

# ---- client certificates: Preferred - Verify and Required - Verify ----
pki=$TEST_TMP/pki
mkdir -p "$pki"
(
	cd "$pki"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=Client-CA
	openssl req -newkey rsa:2048 -nodes -keyout good.key -out good.csr -subj /CN=good-client
	openssl x509 -req -in good.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out good.pem -days 2
	openssl req -x509 -newkey rsa:2048 -nodes -keyout bad.key -out bad.pem -days 2 -subj /CN=bad-client
) >/dev/null 2>&1
{ printf 'certconfig\nCERTAUTHORITY\nCUSTOM\nPASTE\nclientca\n'; cat "$pki/ca.pem"; printf '.\n\n\n\ncommit "client ca"\n'; } |
	console >"$TEST_TMP/ca.out" 2>&1
check "CERTAUTHORITY CUSTOM PASTE of the clients' CA committed" grep -q '^Changes committed' "$TEST_TMP/ca.out"
# sclient FROM_IP [options]: a STARTTLS session that sends NOOP; ok when the server answers it.
sclient() {
	local ip=$1
	shift
	printf 'EHLO c\r\nNOOP\r\nQUIT\r\n' | timeout 10 openssl s_client -connect "127.0.0.1:$SMTP_PORT" -bind "$ip:0" \
		-starttls smtp -quiet "$@" >"$TEST_TMP/s_client.out" 2>&1
	grep -q '^250 2.0.0 Ok' "$TEST_TMP/s_client.out"
}
check "Required - Verify: a client certificate from the trusted CA is accepted" sclient 127.0.0.7 -cert "$pki/good.pem" -key "$pki/good.key"
check "mail log: client certificate verified" poll 3 grep -qE 'ICID [0-9]+ TLS client certificate verified$' "$log"
check_fails "Required - Verify: an untrusted client certificate is refused" sclient 127.0.0.7 -cert "$pki/bad.pem" -key "$pki/bad.key"
check_fails "Required - Verify: no client certificate is refused" sclient 127.0.0.7
check "mail log: the refused handshakes are TLS failed" poll 3 grep -qE 'ICID [0-9]+ TLS failed' "$log"
check "Preferred - Verify: no client certificate is accepted" sclient 127.0.0.8
check "mail log: client certificate not presented" poll 3 grep -qE 'ICID [0-9]+ TLS client certificate not presented$' "$log"
check "Preferred - Verify: an untrusted client certificate is accepted" sclient 127.0.0.8 -cert "$pki/bad.pem" -key "$pki/bad.key"
check "mail log: client certificate not verified, with the reason" poll 3 grep -qE 'ICID [0-9]+ TLS client certificate not verified: self[- ]signed certificate' "$log"
check "Preferred - Verify: a trusted client certificate is accepted" sclient 127.0.0.8 -cert "$pki/good.pem" -key "$pki/good.key"

# ---- a policy changed while a session is open ----
$PY - "$SMTP_PORT" "$home" "$TLSGATE" <<'EOF' >"$TEST_TMP/live.out" 2>&1
import smtplib, subprocess, sys
port, home, tlsgate = int(sys.argv[1]), sys.argv[2], sys.argv[3]
old = smtplib.SMTP("127.0.0.1", port, source_address=("127.0.0.4", 0))
old.ehlo("c")
print("old-before", old.has_extn("starttls"))
# $NOTLS becomes Required: policy 6 in the table ($NOTLS), TLS answer 3.
r = subprocess.run([tlsgate, "--home", home], input="listenerconfig\nEDIT\n1\nHOSTACCESS\nEDIT\n2\n$NOTLS\n1\n\n\n\n\n3\n\n\n\ncommit \"notls required\"\n",
                   capture_output=True, text=True)
print("commit", "Changes committed" in r.stdout)
new = smtplib.SMTP("127.0.0.1", port, source_address=("127.0.0.4", 0))
new.ehlo("c")
print("new", new.has_extn("starttls"), new.mail("a@sender.org")[0])
print("old-after", old.sendmail("a@sender.org", ["bob@example.com"], "Subject: x\r\n\r\nx\r\n") == {})
EOF
check "open session: EHLO before the commit had no STARTTLS" grep -qx 'old-before False' "$TEST_TMP/live.out"
check "the commit making \$NOTLS Required landed" grep -qx 'commit True' "$TEST_TMP/live.out"
check "a new session follows the new policy (STARTTLS offered, MAIL 530)" grep -qx 'new True 530' "$TEST_TMP/live.out"
check "the open session was not dropped and still delivers under its policy" grep -qx 'old-after True' "$TEST_TMP/live.out"

# ---- listeners added and removed live ----
P2=$(free_port)
$PY - "$SMTP_PORT" "$P2" "$home" "$TLSGATE" <<'EOF' >"$TEST_TMP/add.out" 2>&1
import smtplib, subprocess, sys, socket
port, p2, home, tlsgate = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
def run(text):
    return "Changes committed" in subprocess.run([tlsgate, "--home", home], input=text, capture_output=True, text=True).stdout
held = smtplib.SMTP("127.0.0.1", port)
held.ehlo("c")
print("add", run("listenerconfig\nNEW\nOutbound\n1\n127.0.0.1:%d\n\ncommit \"add\"\n" % p2))
second = smtplib.SMTP("127.0.0.1", p2, source_address=("127.0.0.2", 0))
print("second-greets", second.ehlo("c")[0])
print("remove", run("listenerconfig\nDELETE\nOutbound\n\ncommit \"remove\"\n"))
try:
    socket.create_connection(("127.0.0.1", p2), timeout=2).close()
    print("closed False")
except OSError:
    print("closed True")
print("second-still", second.noop()[0])
print("held-still", held.noop()[0], held.sendmail("a@s.org", ["bob@example.com"], "Subject: y\r\n\r\ny\r\n") == {})
EOF
check "listenerconfig NEW (public, its own address) committed" grep -qx 'add True' "$TEST_TMP/add.out"
check "the new listener answers at once" grep -qx 'second-greets 250' "$TEST_TMP/add.out"
check "listenerconfig DELETE committed" grep -qx 'remove True' "$TEST_TMP/add.out"
check "the removed listener's port is closed" grep -qx 'closed True' "$TEST_TMP/add.out"
check "a session on the removed listener is not dropped" grep -qx 'second-still 250' "$TEST_TMP/add.out"
check "a session on InboundMail held across both commits still delivers" grep -qx 'held-still 250 True' "$TEST_TMP/add.out"
check "mail log: Listener Outbound opened and closed" \
	bash -c "grep -q 'Listener Outbound on 127.0.0.1:$P2 opened' '$log' && grep -q 'Listener Outbound on 127.0.0.1:$P2 closed' '$log'"

# A private listener: ALL $BLOCKED until RELAYLIST names a host.
printf 'listenerconfig\nNEW\nPrivate\n2\n127.0.0.1:%s\n\ncommit "private"\n' "$P2" | console >/dev/null 2>&1
timeout 20 swaks --server "127.0.0.1:$P2" --local-interface 127.0.0.2 --from a@b.org --to x@example.com >"$TEST_TMP/swaks.out" 2>&1
check "a new private listener refuses hosts not in its RELAYLIST (554)" grep -q '554 5.7.1' "$TEST_TMP/swaks.out"
printf 'listenerconfig\nEDIT\nPrivate\nHOSTACCESS\nEDIT\n1\nRELAYLIST\nNEW\n127.0.0.2\n\n\n\n\ncommit "relay"\n' | console >/dev/null 2>&1
timeout 20 swaks --server "127.0.0.1:$P2" --local-interface 127.0.0.2 --from a@b.org --to x@far.example >"$TEST_TMP/swaks.out" 2>&1
check "... and relays for a host added to it" queued
check "a new listener's policies start with TLS off (AsyncOS default)" bash -c "! grep -q STARTTLS '$TEST_TMP/swaks.out'"

# ---- verified reverse DNS: a host name pattern ----
threads() { find "/proc/$DAEMON_PID/task" -mindepth 1 -maxdepth 1 | wc -l; }
t0=$(threads)
printf 'listenerconfig\nEDIT\nPrivate\nHOSTACCESS\nNEW\n1\nLOCALNAMES\nlocalhost\n$BLOCKED\nMOVE\nLOCALNAMES\n1\n\n\n\ncommit "names"\n' | console >/dev/null 2>&1
timeout 20 swaks --server "127.0.0.1:$P2" --from a@b.org --to x@far.example >"$TEST_TMP/swaks.out" 2>&1
# No table needed a name until now: no engine had started its resolver.
check_eq "the first client whose host name is needed starts its engine's resolver thread (one more thread)" \
	"$((t0 + 1))" "$(threads)"
check "a host name pattern matches by verified reverse DNS (localhost -> REJECT)" grep -q '554 5.7.1' "$TEST_TMP/swaks.out"
check "mail log: reverse dns host localhost verified yes" poll 3 grep -qE 'address 127\.0\.0\.1 reverse dns host localhost verified yes$' "$log"
check "mail log: REJECT SG LOCALNAMES match localhost" poll 3 grep -qE 'REJECT SG LOCALNAMES match localhost SBRS None$' "$log"

# ---- the pre-commit check: Required with no usable TLS version ----
printf 'sslconfig\nINBOUND\n4\nECDHE-RSA-AES128-GCM-SHA256\n\n\ncommit\nTLS 1.0 only, TLS 1.2 ciphers\n\n' | console >"$TEST_TMP/v10.out" 2>&1
check "pre-commit check: a Required policy on a listener left without a usable TLS version is warned about" \
	grep -qE 'Warning: Listener InboundMail: the policy \$[A-Z]+ requires TLS, but no TLS version can be negotiated' "$TEST_TMP/v10.out"

stop_daemon
check_eq "tlsgated stops cleanly" 0 "$?"
done_testing
