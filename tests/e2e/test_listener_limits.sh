#!/usr/bin/env bash
# Listener limits and the apply's safety, against a running tlsgated with
# real clients: listenerconfig EDIT LIMITS (connections, message size) and
# SETUP (all listeners' connections, the greeting timeout, the maximum
# connection time) enforced live; a listener whose address another program
# holds changes nothing (the old listeners keep serving, the commit and the
# log say why; the check warns first); a renamed listener keeps its socket;
# certconfig DELETE knows a listener's own profile and its expiry is logged;
# the sender group editor and policy deletion reach the engine; roles and
# hostile answers change nothing.
. "$(dirname "$0")/e2e_lib.sh"

home=$(new_home listener-limits)
if ! start_daemon "$home" --smtp-timeout 5; then
	not_ok "tlsgated starts"
	done_testing
	exit 1
fi
log=$home/logs/mail_logs
console() { timeout 30 "$TLSGATE" --home "$home" "$@"; }
P2=$(free_port)

# ---- LIMITS: InboundMail takes 2 connections at once, messages of 2000 bytes ----
printf 'listenerconfig\nEDIT\nInboundMail\nLIMITS\n2\n2000\n\n\ncommit "limits"\n' | console >"$TEST_TMP/limits.out" 2>&1
check "listenerconfig EDIT LIMITS committed" grep -q '^Changes committed' "$TEST_TMP/limits.out"
$PY - "$SMTP_PORT" <<'EOF' >"$TEST_TMP/limits.py" 2>&1
import smtplib, sys
port = int(sys.argv[1])
held = []
for i in range(2):
    c = smtplib.SMTP("127.0.0.1", port, timeout=10)
    c.ehlo("c")
    c.mail("a@sender.org")  # in a transaction: never evicted
    held.append(c)
try:
    smtplib.SMTP("127.0.0.1", port, timeout=10)
    print("third 220")
except smtplib.SMTPConnectError as e:
    print("third", e.smtp_code)
for c in held:
    c.quit()
c = smtplib.SMTP("127.0.0.1", port, timeout=10)
c.ehlo("c")
print("size", c.esmtp_features.get("size"))
try:
    c.sendmail("a@sender.org", ["x@example.net"], "Subject: big\r\n\r\n" + "x" * 3000 + "\r\n")
    print("big queued")
except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as e:
    print("big", e.smtp_code)
print("small", c.sendmail("a@sender.org", ["x@example.net"], "Subject: s\r\n\r\nsmall\r\n") == {})
EOF
check "LIMITS: a third connection while two are in a transaction gets 421" grep -qx 'third 421' "$TEST_TMP/limits.py"
check "LIMITS: EHLO announces SIZE 2000" grep -qx 'size 2000' "$TEST_TMP/limits.py"
check "LIMITS: a 3000-byte message is refused (552)" grep -qx 'big 552' "$TEST_TMP/limits.py"
check "LIMITS: a small one is still queued" grep -qx 'small True' "$TEST_TMP/limits.py"
check_eq "listenerconfig EDIT shows the limits" "Maximum Concurrent Connections: 2
Maximum Message Size: 2000" \
	"$(printf 'listenerconfig\nEDIT\n1\n\n\n' | console 2>&1 | grep '^Maximum')"
printf 'listenerconfig\nEDIT\nInboundMail\nLIMITS\n0\n0\n\n\ncommit "no limits"\n' | console >/dev/null 2>&1

# ---- SETUP: all listeners together ----
printf 'listenerconfig\nNEW\nSecond\n1\n127.0.0.1:%s\nSETUP\n1\n1\n3\n\ncommit "setup"\n' "$P2" | console >"$TEST_TMP/setup.out" 2>&1
check "listenerconfig NEW and SETUP committed" grep -q '^Changes committed' "$TEST_TMP/setup.out"
$PY - "$SMTP_PORT" "$P2" <<'EOF' >"$TEST_TMP/setup.py" 2>&1
import smtplib, socket, sys, time
port, p2 = int(sys.argv[1]), int(sys.argv[2])
a = smtplib.SMTP("127.0.0.1", port, timeout=10)
a.ehlo("c")
a.mail("a@sender.org")
try:
    smtplib.SMTP("127.0.0.1", p2, timeout=10)
    print("other 220")
except smtplib.SMTPConnectError as e:
    print("other", e.smtp_code)
# The maximum connection time: 3 s, though the session keeps talking.
start = time.time()
try:
    while time.time() - start < 8:
        a.noop()
        time.sleep(0.5)
    print("life none")
except smtplib.SMTPServerDisconnected:
    print("life", round(time.time() - start))
time.sleep(0.5)
# The greeting timeout: 1 s without EHLO (--handshake-timeout is 10).
s = socket.create_connection(("127.0.0.1", port), timeout=10)
s.recv(512)
start = time.time()
data = s.recv(512)
print("greet", round(time.time() - start), data[:3].decode() or "EOF")
EOF
check "SETUP: with one session open, another listener refuses the next (421)" grep -qx 'other 421' "$TEST_TMP/setup.py"
check "SETUP: the maximum connection time ends a busy session after ~3 s" grep -qE '^life [2-4]$' "$TEST_TMP/setup.py"
check "SETUP: a client that does not greet is dropped after 1 s (421)" grep -qE '^greet [0-2] 421$' "$TEST_TMP/setup.py"
check "mail log: the connection time limit" poll 3 grep -qE 'ICID [0-9]+ connection time limit reached \(3 seconds\)' "$log"
check "mail log: the global connection limit" poll 3 grep -q 'SMTP connection on Second refused: 1 connections to all listeners at once' "$log"
printf 'listenerconfig\nSETUP\n0\n0\n0\n\ncommit "setup off"\n' | console >/dev/null 2>&1

# ---- a listener on an address another program holds ----
P3=$(free_port)
P4=$(free_port)
$PY -c "import socket,time,sys; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', $P3)); s.listen(); print('ready', flush=True); time.sleep(120)" >"$TEST_TMP/blocker.out" 2>&1 &
blocker=$!
at_exit "kill $blocker 2>/dev/null"
poll 50 grep -q ready "$TEST_TMP/blocker.out"
printf 'listenerconfig\nNEW\nThird\n1\n127.0.0.1:%s\n\ncommit --strict "taken"\n' "$P3" | console >"$TEST_TMP/strict.out" 2>&1
check "commit --strict refuses a listener on an address another program holds" \
	bash -c "grep -q 'Listener Third: 127.0.0.1:$P3 is in use' '$TEST_TMP/strict.out' && ! grep -q '^Changes committed' '$TEST_TMP/strict.out'"
check_eq "... and, the batch being all or nothing, stages nothing" 0 \
	"$(sqlite3 "$home/config.db" "SELECT count(*) FROM staged WHERE key = 'listener.Third'")"
# In one commit: Second moves to a free port and Third comes on the taken one.
printf 'listenerconfig\nEDIT\nSecond\nINTERFACE\n127.0.0.1:%s\n\nNEW\nThird\n1\n127.0.0.1:%s\n\ncommit "taken"\n' "$P4" "$P3" | console >"$TEST_TMP/taken.out" 2>&1
check "the check warns: the address is in use by another program" \
	grep -q "Warning: Listener Third: 127.0.0.1:$P3 is in use by another program on this machine" "$TEST_TMP/taken.out"
check "commit reports that tlsgated did not apply it, and why" \
	grep -qE "Warning: tlsgated did not apply the new configuration: Listener Third: Cannot listen on 127.0.0.1:$P3: Address (already )?in use" "$TEST_TMP/taken.out"
check "mail log: the version was not applied" poll 3 grep -qE "Configuration version [0-9]+ not applied: Listener Third" "$log"
$PY - "$SMTP_PORT" "$P2" "$P4" <<'EOF' >"$TEST_TMP/kept.py" 2>&1
import smtplib, socket, sys
for name, port in (("inbound", sys.argv[1]), ("second-old", sys.argv[2]), ("second-new", sys.argv[3])):
    try:
        c = smtplib.SMTP("127.0.0.1", int(port), timeout=5)
        print(name, c.ehlo("c")[0])
        c.quit()
    except OSError as e:
        print(name, "refused")
EOF
check "InboundMail still serves" grep -qx 'inbound 250' "$TEST_TMP/kept.py"
check "Second still serves on its old address (nothing half-applied)" grep -qx 'second-old 250' "$TEST_TMP/kept.py"
check "... and is not on the new one" grep -qx 'second-new refused' "$TEST_TMP/kept.py"
check "the blocker still holds its port" kill -0 "$blocker"
# Without Third the same move applies.
printf 'listenerconfig\nDELETE\nThird\n\ncommit "without third"\n' | console >"$TEST_TMP/fixed.out" 2>&1
check "a commit without Third is applied" bash -c "grep -q '^Changes committed' '$TEST_TMP/fixed.out' && ! grep -q 'did not apply' '$TEST_TMP/fixed.out'"
$PY - "$SMTP_PORT" "$P2" "$P4" >"$TEST_TMP/moved.py" 2>&1 <<'EOF'
import smtplib, sys
for name, port in (("second-old", sys.argv[2]), ("second-new", sys.argv[3])):
    try:
        c = smtplib.SMTP("127.0.0.1", int(port), timeout=5)
        print(name, c.ehlo("c")[0])
    except OSError:
        print(name, "refused")
EOF
check "Second moved: the new address serves, the old is closed" \
	bash -c "grep -qx 'second-new 250' '$TEST_TMP/moved.py' && grep -qx 'second-old refused' '$TEST_TMP/moved.py'"

# ---- a renamed listener keeps its socket and its sessions ----
$PY - "$P4" "$home" "$TLSGATE" <<'EOF' >"$TEST_TMP/rename.py" 2>&1
import smtplib, subprocess, sys
port, home, tlsgate = int(sys.argv[1]), sys.argv[2], sys.argv[3]
held = smtplib.SMTP("127.0.0.1", port, timeout=10)
held.ehlo("c")
r = subprocess.run([tlsgate, "--home", home], input="listenerconfig\nEDIT\nSecond\nNAME\nRenamed\n\n\ncommit \"rename\"\n", capture_output=True, text=True)
print("commit", "Changes committed" in r.stdout and "did not apply" not in r.stdout)
print("held", held.noop()[0])
c = smtplib.SMTP("127.0.0.1", port, timeout=10)
print("new", c.ehlo("c")[0])
EOF
check "rename committed and applied" grep -qx 'commit True' "$TEST_TMP/rename.py"
check "a session held across the rename is kept" grep -qx 'held 250' "$TEST_TMP/rename.py"
check "new sessions reach the renamed listener" grep -qx 'new 250' "$TEST_TMP/rename.py"
check "mail log: Listener Second ... is now listener Renamed" poll 3 grep -q "Listener Second on 127.0.0.1:$P4 is now listener Renamed" "$log"
check "mail log: the new session names Renamed" poll 3 grep -qE "interface Renamed \(127\.0\.0\.1\)" "$log"

# ---- a listener's own certificate: DELETE refused, expiry logged ----
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TEST_TMP/short.key" -out "$TEST_TMP/short.pem" \
	-days 10 -subj "/CN=mail.example.com" >/dev/null 2>&1
{
	printf 'certconfig\nCERTIFICATE\nPASTE\nshort\n'
	cat "$TEST_TMP/short.pem"
	printf '.\n'
	cat "$TEST_TMP/short.key"
	printf '.\nN\n\n\n'
	printf 'listenerconfig\nEDIT\nRenamed\nCERTIFICATE\n2\n\n\ncommit "own cert"\n'
} | console >"$TEST_TMP/cert.out" 2>&1
check "a 10-day profile for Renamed alone is committed" grep -q '^Changes committed' "$TEST_TMP/cert.out"
check "mail log: the listener's profile expires in 10 days" \
	poll 3 grep -q 'Warning: Certificate profile "short" of listener Renamed expires in 10 days' "$log"
printf 'certconfig\nCERTIFICATE\nDELETE\n2\n' | console >"$TEST_TMP/certdel.out" 2>&1
check_eq "certconfig DELETE of the listener's profile fails" 1 "$?"
check "... naming the listener" grep -q 'Certificate profile "short" is in use by listener Renamed (listenerconfig EDIT Renamed CERTIFICATE)' "$TEST_TMP/certdel.out"
check "certconfig PRINT names the listener too" bash -c \
	"printf 'certconfig\nCERTIFICATE\nPRINT\n2\n\n\n' | timeout 20 '$TLSGATE' --home '$home' | grep -q '^Used by: listener Renamed'"

# An expired profile for the listener alone: the commit's check warns as it
# does for the services' certificates.
ca=$TEST_TMP/ca
mkdir -p "$ca"
touch "$ca/index.txt"
echo 01 >"$ca/serial"
printf '[ca]\ndefault_ca=CA\n[CA]\ndatabase=%s/index.txt\nnew_certs_dir=%s\nserial=%s/serial\ndefault_md=sha256\npolicy=p\n[p]\ncommonName=supplied\n' \
	"$ca" "$ca" "$ca" >"$ca/cfg"
openssl req -new -newkey rsa:2048 -nodes -keyout "$ca/old.key" -out "$ca/old.csr" -subj "/CN=mail.example.com" >/dev/null 2>&1
openssl ca -batch -selfsign -keyfile "$ca/old.key" -in "$ca/old.csr" -out "$ca/old.pem" -notext \
	-startdate 20200101000000Z -enddate 20200201000000Z -config "$ca/cfg" >/dev/null 2>&1
{
	printf 'certconfig\nCERTIFICATE\nPASTE\nold\n'
	cat "$ca/old.pem"
	printf '.\n'
	cat "$ca/old.key"
	printf '.\nN\n\n\n'
	printf 'listenerconfig\nEDIT\nRenamed\nCERTIFICATE\n2\n\n\ncommit "expired"\n'
} | console >"$TEST_TMP/expired.out" 2>&1
check "pre-commit check: the listener's own expired profile is warned about" \
	grep -q 'Warning: Listener Renamed (certificate profile "old"): its certificate has expired' "$TEST_TMP/expired.out"
check "mail log: ... and tlsgated says it has expired" \
	poll 3 grep -q 'Warning: Certificate profile "old" of listener Renamed has expired' "$log"
printf 'listenerconfig\nEDIT\nRenamed\nCERTIFICATE\n3\n\n\ncommit "short again"\n' | console >/dev/null 2>&1

# ---- the sender group editor and policy deletion, live ----
printf 'listenerconfig\nEDIT\nRenamed\nHOSTACCESS\nNEW\n2\n$NOPE\n2\n\n\n\n\n\nNEW\n1\nBAD\n127.0.0.9\n$NOPE\nEDIT\n1\nBAD\nNEW\n127.0.0.3, 127.0.0.4\nDELETE\n127.0.0.9\n\n\n\n\ncommit "bad hosts"\n' | console >"$TEST_TMP/group.out" 2>&1
check "sender group NEW/EDIT (add hosts, remove one) committed" grep -q '^Changes committed' "$TEST_TMP/group.out"
for ip in 127.0.0.3 127.0.0.4; do
	timeout 20 swaks --server "127.0.0.1:$P4" --local-interface $ip --from a@b.org --to x@example.com >"$TEST_TMP/swaks.out" 2>&1
	check "a host added with the group editor ($ip) is rejected by \$NOPE (554)" grep -q '554 5.7.1' "$TEST_TMP/swaks.out"
done
timeout 20 swaks --server "127.0.0.1:$P4" --local-interface 127.0.0.9 --from a@b.org --to x@example.com >"$TEST_TMP/swaks.out" 2>&1
check "the host removed (127.0.0.9) is no longer in BAD" bash -c "! grep -q '554 5.7.1' '$TEST_TMP/swaks.out'"
check "mail log: REJECT SG BAD match 127.0.0.3 SBRS None" poll 3 grep -qE 'ICID [0-9]+ REJECT SG BAD match 127\.0\.0\.3 SBRS None$' "$log"
printf 'listenerconfig\nEDIT\nRenamed\nHOSTACCESS\nDELETE\n2\n$NOPE\n' | console >"$TEST_TMP/pdel.out" 2>&1
check_eq "deleting a policy a group uses fails" 1 "$?"
check "... saying which group uses it" grep -q 'The policy \$NOPE cannot be deleted: the sender group BAD uses it' "$TEST_TMP/pdel.out"
printf 'listenerconfig\nEDIT\nRenamed\nHOSTACCESS\nDELETE\n1\nBAD\nDELETE\n2\n$NOPE\n\n\n\ncommit "policy gone"\n' | console >"$TEST_TMP/pdel2.out" 2>&1
check "the group, then its unused policy, deleted and committed" grep -q '^Changes committed' "$TEST_TMP/pdel2.out"
check "the exported table has no \$NOPE any more" bash -c \
	"! timeout 20 '$TLSGATE' --home '$home' -c 'listenerconfig EDIT Renamed HOSTACCESS PRINT' | grep -q NOPE"
timeout 20 swaks --server "127.0.0.1:$P4" --local-interface 127.0.0.3 --from a@b.org --to x@example.com >"$TEST_TMP/swaks.out" 2>&1
check "127.0.0.3 is no longer rejected" bash -c "! grep -q '554 5.7.1' '$TEST_TMP/swaks.out'"

# ---- attacks: roles, hostile answers, huge lists ----
printf 'userconfig\nNEW\nadm\n1\nadmpass123\nadmpass123\nNEW\nop\n2\noperpass12\noperpass12\nNEW\ngst\n3\nguestpass1\nguestpass1\n\ncommit "users"\n' | console >"$TEST_TMP/users.out" 2>&1
staged() { sqlite3 "$home/config.db" "SELECT count(*) FROM staged"; }
for dialog in 'listenerconfig\nSETUP\n5\n5\n5\n' 'listenerconfig\nEDIT\nInboundMail\nLIMITS\n1\n1\n' \
	'listenerconfig\nEDIT\nRenamed\nHOSTACCESS\nEDIT\n1\nRELAYLIST\nNEW\n10.9.9.9\n' \
	'listenerconfig\nEDIT\nRenamed\nHOSTACCESS\nEDIT\n1\nRELAYLIST\nPOLICY\n1\n' \
	'listenerconfig\nEDIT\nRenamed\nHOSTACCESS\nDELETE\n2\n$THROTTLED\n'; do
	printf "$dialog" | timeout 20 "$TLSGATE" --home "$home" --user gst >"$TEST_TMP/guest.out" 2>&1
	rc=$?
	check_eq "guest: '$(printf "$dialog" | tr '\n' ' ' | cut -c1-60)' refused" 1 "$rc"
	check "... with the access-group message" grep -q 'You are not in the correct access group' "$TEST_TMP/guest.out"
done
check_eq "the guest staged nothing" 0 "$(staged)"
printf 'listenerconfig\nEDIT\nRenamed\nHOSTACCESS\nPRINT\n\n\n\n' | timeout 20 "$TLSGATE" --home "$home" --user gst >"$TEST_TMP/guest.out" 2>&1
check_eq "guest: HOSTACCESS PRINT is allowed" 0 "$?"
printf 'listenerconfig\nSETUP\n7\n0\n0\n\ncommit "op setup"\n' | timeout 20 "$TLSGATE" --home "$home" --user op >"$TEST_TMP/op.out" 2>&1
check "operator: SETUP is allowed and committed" grep -q '^Changes committed' "$TEST_TMP/op.out"
printf 'listenerconfig\nSETUP\n0\n0\n0\n\ncommit "setup off"\n' | console >/dev/null 2>&1
for bad in '-1' '100001' '1e3' '0x10' '99999999999999999999' '5; rm -rf /' $'\e[31m5'; do
	printf 'listenerconfig\nEDIT\nInboundMail\nLIMITS\n%s\n' "$bad" | console >"$TEST_TMP/bad.out" 2>&1
	rc=$?
	check_eq "LIMITS refuses '$(printf %q "$bad")'" 1 "$rc"
done
printf 'listenerconfig\nEDIT\nInboundMail\nLIMITS\n100001\n' | console >"$TEST_TMP/bad.out" 2>&1
check "... with the range in the message" grep -q 'The value must be a whole number from 0 to 100000' "$TEST_TMP/bad.out"
printf 'listenerconfig\nSETUP\n1\n3601\n' | console >"$TEST_TMP/bad.out" 2>&1
check_eq "SETUP refuses a greeting timeout over an hour" 1 "$?"
for bad in '10.0.0.1, 10.0.0.1' '999.1.1.1' 'a b,,c..d' "$(printf 'x%.0s' {1..300}).example" '10.0.0.0/33' $'host\tname'; do
	printf 'listenerconfig\nEDIT\nRenamed\nHOSTACCESS\nEDIT\n1\nRELAYLIST\nNEW\n%s\n' "$bad" | console >"$TEST_TMP/bad.out" 2>&1
	rc=$?
	check_eq "the group editor refuses hosts '$(printf %q "$bad" | cut -c1-40)'" 1 "$rc"
done
for dialog in 'RENAME\nALL\n' 'RENAME\nBLOCKED_LIST\n' 'RENAME\nbad name\n' 'DELETE\nnosuch.example\n' \
	'DELETE\n99\n' 'POLICY\n$NOSUCH\n' 'POLICY\n0\n'; do
	printf "listenerconfig\nEDIT\nRenamed\nHOSTACCESS\nEDIT\n1\nRELAYLIST\n$dialog" | console >"$TEST_TMP/bad.out" 2>&1
	rc=$?
	check_eq "the group editor refuses '$(printf "$dialog" | tr '\n' ' ')'" 1 "$rc"
done
check_eq "nothing staged by the refused answers" 0 "$(staged)"
# A huge list: 2,000 hosts in one answer line is over the line limit; 200 fit.
hosts=$(seq -f '10.1.%g.1' 0 199 | paste -sd, -)
printf 'listenerconfig\nEDIT\nRenamed\nHOSTACCESS\nEDIT\n1\nRELAYLIST\nNEW\n%s\n\n\n\n\ncommit "200 hosts"\n' "$hosts" | console >"$TEST_TMP/huge.out" 2>&1
check "200 hosts in one answer are added and committed" grep -q '^Changes committed' "$TEST_TMP/huge.out"
check_eq "... all of them" 200 "$(console -c 'listenerconfig EDIT Renamed HOSTACCESS PRINT' | grep -c '^ *10\.1\.')"
long=$(seq -f '10.2.%g.1' 0 1999 | paste -sd, -)
printf 'listenerconfig\nEDIT\nRenamed\nHOSTACCESS\nEDIT\n1\nRELAYLIST\nNEW\n%s\n' "$long" | console >"$TEST_TMP/huge2.out" 2>&1
check_eq "an answer over the line limit (2,000 hosts) is refused" 1 "$?"
check_eq "... and stages nothing" 0 "$(staged)"

stop_daemon
check_eq "tlsgated stops cleanly" 0 "$?"
done_testing
