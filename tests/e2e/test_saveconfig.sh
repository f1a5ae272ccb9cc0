#!/usr/bin/env bash
# saveconfig/loadconfig end to end: appliance A gets non-default methods and
# ciphers on all three services, an imported chain (root -> intermediate ->
# leaf) assigned to GUI HTTPS and inbound SMTP, a custom CA, 1,000
# destinations, routes and users. saveconfig writes it with each passphrase
# option; loadconfig on fresh homes B (plain) and C (encrypted), commit, and
# the engines of A and B serve the same certificate (fingerprint via
# openssl s_client) and enforce the same versions; saveconfig on B and C
# writes A's file apart from the header. The masked file is refused.
. "$(dirname "$0")/e2e_lib.sh"

pki=$TEST_TMP/pki
mkdir -p "$pki"
ca_ext=$'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign'
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$pki/root.key" -out "$pki/root.pem" -days 30 \
	-subj "/CN=Test root" -addext "basicConstraints=critical,CA:TRUE" >/dev/null 2>&1
openssl req -newkey rsa:2048 -nodes -keyout "$pki/inter.key" -out "$pki/inter.csr" \
	-subj "/CN=Test inter" >/dev/null 2>&1
openssl x509 -req -in "$pki/inter.csr" -CA "$pki/root.pem" -CAkey "$pki/root.key" -CAcreateserial \
	-out "$pki/inter.pem" -days 30 -extfile <(echo "$ca_ext") >/dev/null 2>&1
openssl req -newkey rsa:2048 -nodes -keyout "$pki/web.key" -out "$pki/web.csr" \
	-subj "/CN=mail.example.com" >/dev/null 2>&1
openssl x509 -req -in "$pki/web.csr" -CA "$pki/inter.pem" -CAkey "$pki/inter.key" -CAcreateserial \
	-out "$pki/web.pem" -days 200 -extfile <(printf 'subjectAltName=DNS:mail.example.com\n') \
	>/dev/null 2>&1
check "the openssl command line made the test PKI" test -s "$pki/web.pem"
want_fp=$(openssl x509 -in "$pki/web.pem" -noout -fingerprint -sha256)

A=$(new_home A)
console() { "$TLSGATE" --home "$1" >"$TEST_TMP/console.out" 2>&1; }
{
	printf 'sslconfig\nGUI\n1\nECDHE-RSA-AES256-GCM-SHA384\nN\n'
	printf 'INBOUND\n2\nECDHE-RSA-AES128-GCM-SHA256\nN\nOUTBOUND\n1-2\nECDHE+AESGCM\n\n'
	printf 'certconfig\nCERTIFICATE\nPASTE\nsite\n'
	cat "$pki/web.pem"
	printf '.\n'
	cat "$pki/web.key"
	printf '.\nY\n'
	cat "$pki/inter.pem"
	printf '.\nN\n\n\n'
	printf 'interfaceconfig\nCERTIFICATE\n2\n\nlistenerconfig\nCERTIFICATE\n2\n\n'
	printf 'certconfig\nCERTAUTHORITY\nCUSTOM\nPASTE\ntestroot\n'
	cat "$pki/root.pem"
	printf '.\n\n\n\n'
	printf 'smtproutes\nnew\n.r1.test\n127.0.0.1:2526\nnew\nr2.test\n[192.0.2.7]:25\n\n'
	printf 'userconfig\nNEW\nadm\n1\nadminpass1\nadminpass1\nNEW\nop\n2\noperpass1\noperpass1\n\n'
	echo 'commit "A"'
} | console "$A"
check_eq "A: methods and ciphers on all three services, chain, assignments, CA, routes and users committed" 0 "$?"
mkdir -p "$A/configuration"
{
	printf '[DEFAULT]\ntls = on\n'
	for i in $(seq 1000); do printf '\n[d%04d.example.com]\ntls = require\n' "$i"; done
} >"$A/configuration/d.ini"
printf 'destconfig\nIMPORT\nd.ini\n\ncommit "1000 destinations"\n' | console "$A"
check_eq "A: 1,000 destinations imported" 0 "$?"
check_eq "A: 1,001 destination entries committed" 1001 "$(sqlite3 "$A/config.db" \
	"SELECT count(*) FROM config_values WHERE key LIKE 'dest.%'
	 AND version = (SELECT max(version) FROM config_versions)")"

# save FILEVAR HOME ARGS [STDIN]: runs saveconfig, sets the file named on the one xml line.
save() {
	local out
	out=$(printf '%b' "${4:-}" | "$TLSGATE" --home "$2" -c "saveconfig $3" 2>&1)
	[ "$(grep -c xml <<<"$out")" = 1 ] || return 1
	printf -v "$1" '%s' "$(grep xml <<<"$out" | sed -e 's/^"\/configuration\///' -e 's/"\.$//')"
	sleep 1 # the name holds the second
}
body() { sed '1,/^-->$/d' "$1"; } # the file without its header
check "A: saveconfig 3 (plain)" save plain "$A" 3
check "A: saveconfig 2 (encrypted)" save enc "$A" 2 'long passphrase\nlong passphrase\n'
check "A: saveconfig y 1 (masked)" save masked "$A" 'y 1'
check_eq "the plain file is 0600" 600 "$(stat -c %a "$A/configuration/$plain")"
check_eq "the encrypted file is 0600" 600 "$(stat -c %a "$A/configuration/$enc")"
check "the plain file holds the private keys" grep -q 'BEGIN PRIVATE KEY' "$A/configuration/$plain"
check "the encrypted file does not" bash -c "! grep -q 'PRIVATE KEY' '$A/configuration/$enc'"
check "nor the masked one" bash -c "! grep -q 'PRIVATE KEY' '$A/configuration/$masked'"
check "the file has AsyncOS's shape" bash -c "head -2 '$A/configuration/$plain' | grep -q 'ISO-8859-1' &&
	grep -q '<!DOCTYPE config SYSTEM \"config.dtd\">' '$A/configuration/$plain' &&
	grep -q '<ssl_gui_method>tlsv1_3</ssl_gui_method>' '$A/configuration/$plain' &&
	grep -q '<ssl_inbound_method>tlsv1_2</ssl_inbound_method>' '$A/configuration/$plain'"
check_eq "the file lists the 1,000 destinations, the routes, the CA and the users" "1000 2 1 2" \
	"$(grep -c '<entry name="d[0-9]*.example.com">' "$A/configuration/$plain") $(sed -n \
	'/kind="route"/,/entries>/p' "$A/configuration/$plain" | grep -c '<entry') $(sed -n \
	'/kind="ca"/,/entries>/p' "$A/configuration/$plain" | grep -c '<entry') $(sed -n \
	'/kind="user"/,/entries>/p' "$A/configuration/$plain" | grep -c '<entry')"

# load HOME FILE [PASSPHRASE]: loadconfig from configuration/ and commit.
load() {
	mkdir -p "$1/configuration"
	cp "$A/configuration/$2" "$1/configuration/$2"
	printf '2\n%s\n%b' "$2" "${3:+$3\n}" |
		"$TLSGATE" --home "$1" -c 'loadconfig; commit "restored"' >"$TEST_TMP/load.out" 2>&1 &&
		grep -q '^Values have been loaded.' "$TEST_TMP/load.out"
}
B=$(new_home B)
C=$(new_home C)
M=$(new_home M)
check "B: loadconfig of the plain file, commit" load "$B" "$plain"
check "C: loadconfig of the encrypted file with its passphrase, commit" load "$C" "$enc" \
	'long passphrase'
before=$(committed_dump "$M")
check_fails "M: the masked file is refused" load "$M" "$masked"
check "... saying why, with the line" grep -q '^Parsing failed: line [0-9]*: the file was saved with masked' \
	"$TEST_TMP/load.out"
check_eq "... nothing committed on M" "$before" "$(committed_dump "$M")"

check "B: saveconfig 3" save plain_b "$B" 3
check "C: saveconfig 3" save plain_c "$C" 3
check "B's file is A's apart from the header" \
	cmp -s <(body "$A/configuration/$plain") <(body "$B/configuration/$plain_b")
check "C's file (from the encrypted one) is A's apart from the header" \
	cmp -s <(body "$A/configuration/$plain") <(body "$C/configuration/$plain_c")

# The engines of A and B: same certificate, same versions.
start_daemon "$A" || not_ok "A's tlsgated starts"
A_HTTPS=$HTTPS_PORT A_SMTP=$SMTP_PORT
start_daemon "$B" || not_ok "B's tlsgated starts"
B_HTTPS=$HTTPS_PORT B_SMTP=$SMTP_PORT
served_fp() { # PORT [smtp]
	local extra=()
	[ "${2:-}" = smtp ] && extra=(-starttls smtp)
	timeout 10 openssl s_client -connect "127.0.0.1:$1" "${extra[@]}" </dev/null 2>/dev/null |
		openssl x509 -noout -fingerprint -sha256
}
for side in A B; do
	h=${side}_HTTPS s=${side}_SMTP
	check_eq "$side: GUI HTTPS serves the imported certificate" "$want_fp" "$(served_fp "${!h}")"
	check_eq "$side: inbound SMTP serves it too" "$want_fp" "$(served_fp "${!s}" smtp)"
	check "$side: GUI HTTPS accepts TLS v1.3" handshake "${!h}" 1.3
	check_fails "$side: GUI HTTPS refuses TLS v1.2" handshake "${!h}" 1.2
	check "$side: inbound accepts TLS v1.2" handshake "${!s}" 1.2 smtp
	check_fails "$side: inbound refuses TLS v1.3" handshake "${!s}" 1.3 smtp
	check_eq "$side: inbound negotiates the one cipher" ECDHE-RSA-AES128-GCM-SHA256 \
		"$(handshake "${!s}" 1.2 smtp && negotiated_cipher)"
done
check "B: the chain verifies against the restored root" bash -c "timeout 10 openssl s_client \
	-connect 127.0.0.1:$B_HTTPS -verify_return_error -CAfile '$pki/root.pem' </dev/null >/dev/null 2>&1"
done_testing
