#!/usr/bin/env bash
# certconfig end to end: a CA chain made with the openssl command line is
# PASTEd, assigned to GUI HTTPS (interfaceconfig) and inbound SMTP
# (listenerconfig) and committed; openssl s_client -verify_return_error then
# verifies the served chain on both listeners, and again after switching back
# to Demo — all on one running daemon. Also: the expiry warning in the mail
# log, and precheck's per-version prediction with an ECDSA certificate
# against what s_client can negotiate.
. "$(dirname "$0")/e2e_lib.sh"

pki=$TEST_TMP/pki
mkdir -p "$pki"
# make_ca NAME ISSUER: a CA certificate NAME.pem/.key, self-signed without ISSUER.
make_ca() {
	local ext="basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign"
	if [ -z "${2:-}" ]; then
		openssl req -x509 -newkey rsa:2048 -nodes -keyout "$pki/$1.key" -out "$pki/$1.pem" \
			-days 30 -subj "/CN=Test $1" -addext "${ext%%$'\n'*}" \
			-addext "${ext##*$'\n'}" >/dev/null 2>&1
	else
		openssl req -newkey rsa:2048 -nodes -keyout "$pki/$1.key" -out "$pki/$1.csr" \
			-subj "/CN=Test $1" >/dev/null 2>&1
		openssl x509 -req -in "$pki/$1.csr" -CA "$pki/$2.pem" -CAkey "$pki/$2.key" \
			-CAcreateserial -out "$pki/$1.pem" -days 30 -extfile <(echo "$ext") >/dev/null 2>&1
	fi
}
# make_leaf NAME ISSUER DAYS [KEYOPT]: a server certificate for mail.example.com.
make_leaf() {
	openssl req -newkey "${4:-rsa:2048}" -nodes -keyout "$pki/$1.key" -out "$pki/$1.csr" \
		-subj "/CN=mail.example.com" >/dev/null 2>&1
	openssl x509 -req -in "$pki/$1.csr" -CA "$pki/$2.pem" -CAkey "$pki/$2.key" -CAcreateserial \
		-out "$pki/$1.pem" -days "$3" \
		-extfile <(printf 'subjectAltName=DNS:mail.example.com\nextendedKeyUsage=serverAuth\n') \
		>/dev/null 2>&1
}
make_ca root
make_ca inter root
make_leaf web inter 200
make_leaf short inter 10
check "the openssl command line made the test PKI" test -s "$pki/web.pem" -a -s "$pki/short.pem"

home=$(new_home certconfig)
if ! start_daemon "$home"; then
	not_ok "tlsgated starts"
	done_testing
	exit 1
fi
pid=$DAEMON_PID

# paste NAME CERT KEY [INTERMEDIATE]: the certconfig PASTE dialog's answers.
paste() {
	printf 'certconfig\nCERTIFICATE\nPASTE\n%s\n' "$1"
	cat "$2"
	printf '.\n'
	cat "$3"
	printf '.\n'
	if [ -n "${4:-}" ]; then
		printf 'Y\n'
		cat "$4"
		printf '.\nN\n'
	else
		printf 'N\n'
	fi
	printf '\n\n'
}
# assign N: interfaceconfig and listenerconfig both choose profile number N.
assign() {
	printf 'interfaceconfig\nCERTIFICATE\n%s\n\nlistenerconfig\nCERTIFICATE\n%s\n\n' "$1" "$1"
}
console() { "$TLSGATE" --home "$home" >"$TEST_TMP/console.out" 2>&1; }

{ paste web "$pki/web.pem" "$pki/web.key" "$pki/inter.pem"; assign 2; echo 'commit "web chain"'; } | console
check_eq "PASTE, interfaceconfig, listenerconfig and commit in one batch" 0 "$?"
check "the commit was applied live" \
	bash -c "grep -q '^Changes committed' '$TEST_TMP/console.out' && ! grep -qE 'did not apply|not running' '$TEST_TMP/console.out'"
cp "$TEST_TMP/console.out" "$TEST_TMP/all-output.txt"

# verify PORT [smtp]: s_client verifies the chain against the test root.
verify() {
	local extra=()
	[ "${2:-}" = smtp ] && extra=(-starttls smtp)
	timeout 10 openssl s_client -connect "127.0.0.1:$1" "${extra[@]}" -verify_return_error \
		-CAfile "$pki/root.pem" -verify_hostname mail.example.com -showcerts </dev/null \
		>"$TEST_TMP/s_client.out" 2>&1 && grep -q 'Verify return code: 0 (ok)' "$TEST_TMP/s_client.out"
}
quiet() { "$@" >/dev/null 2>&1; }
fingerprint() { openssl x509 -noout -fingerprint -sha256 2>/dev/null; }
served() {
	local extra=()
	[ "${2:-}" = smtp ] && extra=(-starttls smtp)
	timeout 10 openssl s_client -connect "127.0.0.1:$1" "${extra[@]}" </dev/null 2>/dev/null | fingerprint
}
check "GUI HTTPS: s_client -verify_return_error -CAfile root verifies the pasted chain" verify "$HTTPS_PORT"
check "GUI HTTPS: the intermediate is sent (depth 2)" grep -q '^depth=2 CN = Test root' "$TEST_TMP/s_client.out"
check "Inbound SMTP: STARTTLS serves the pasted chain and it verifies" verify "$SMTP_PORT" smtp
check_eq "Inbound SMTP: the leaf served is the pasted one" "$(fingerprint <"$pki/web.pem")" \
	"$(served "$SMTP_PORT" smtp)"
check_fails "a client trusting only another root refuses it" \
	quiet timeout 10 openssl s_client -connect "127.0.0.1:$HTTPS_PORT" -verify_return_error \
	-CAfile "$pki/web.pem" </dev/null

# Back to Demo, same daemon.
{ assign 1; echo 'commit "back to Demo"'; } | console
check_eq "switch back to Demo: committed" 0 "$?"
cat "$TEST_TMP/console.out" >>"$TEST_TMP/all-output.txt"
sqlite3 "$home/config.db" "SELECT value FROM config_values WHERE key = 'cert.Demo' AND version =
	(SELECT max(version) FROM config_versions)" | openssl x509 >"$TEST_TMP/demo.pem" 2>/dev/null
demo_fp=$(fingerprint <"$TEST_TMP/demo.pem")
check_eq "GUI HTTPS serves Demo again" "$demo_fp" "$(served "$HTTPS_PORT")"
check_eq "Inbound SMTP serves Demo again" "$demo_fp" "$(served "$SMTP_PORT" smtp)"
check "and Demo verifies against itself as the trust anchor" \
	quiet timeout 10 openssl s_client -connect "127.0.0.1:$HTTPS_PORT" -verify_return_error \
	-CAfile "$TEST_TMP/demo.pem" </dev/null
check "no daemon restart: the same tlsgated, started once" \
	bash -c "kill -0 $pid && [ \$(grep -c 'tlsgated starting' '$home/logs/mail_logs') = 1 ]"

# Expiry: a certificate with 10 days left, in use, is logged at apply.
{ paste short "$pki/short.pem" "$pki/short.key" "$pki/inter.pem"; assign 2; echo 'commit "short"'; } | console
check_eq "a 10-day certificate is committed" 0 "$?"
cat "$TEST_TMP/console.out" >>"$TEST_TMP/all-output.txt"
check_eq "the listing shows its days remaining" "short mail.example.com Test inter Valid 10 days" \
	"$(printf 'certconfig\nCERTIFICATE\n\n\n' | "$TLSGATE" --home "$home" | grep '^short ' | tr -s ' ')"
check "the daemon logs a warning: under 30 days left (GUI HTTPS)" \
	poll 3 grep -qE 'Warning: Certificate profile "short" of GUI HTTPS expires in 10 days' "$home/logs/mail_logs"
check "and for Inbound SMTP" \
	poll 3 grep -qE 'Warning: Certificate profile "short" of Inbound SMTP expires in 10 days' "$home/logs/mail_logs"
check_eq "no warning for the 200-day certificate" 0 "$(grep -c 'profile "web" of' "$home/logs/mail_logs")"

# ECDSA and the precheck: the default inbound cipher string has !ECDSA, so
# with an ECDSA certificate TLS v1.2 has no usable suite; TLS v1.3 does.
printf 'certconfig\nCERTIFICATE\nNEW\n2\nec\nmail.example.com\n\n\n\n\n\n\n1\n\nN\n\n\n' | console
check_eq "NEW makes an ECDSA P-256 profile" 0 "$?"
printf 'listenerconfig\nCERTIFICATE\n2\n\nsslconfig\nINBOUND\n1-3\n\n\n\ncommit "ecdsa inbound"\ncommitcheck\n' | console
check_eq "assigned to inbound with TLS v1.1-1.3, committed" 0 "$?"
cat "$TEST_TMP/console.out" >>"$TEST_TMP/all-output.txt"
check "the commit warns that TLS v1.2 has no usable suite for inbound" \
	grep -q 'Warning: Inbound SMTP: TLS v1.2 is enabled but no cipher suite can be used with it' "$TEST_TMP/console.out"
check_eq "commitcheck predicts 3 suites for TLS v1.3 and 0 for TLS v1.2" \
	"Inbound SMTP TLS v1.3: 3 TLS v1.2: 0 TLS v1.1: 0 TLS v1.0: off" \
	"$(grep '^Inbound SMTP  ' "$TEST_TMP/console.out" | tr -s ' ')"
check "s_client agrees: TLS v1.3 negotiates with the ECDSA certificate" handshake "$SMTP_PORT" 1.3 smtp
check "... and the certificate is ECDSA" grep -q 'Server public key is 256 bit' "$TEST_TMP/s_client.out"
check_fails "s_client agrees: TLS v1.2 cannot" handshake "$SMTP_PORT" 1.2 smtp
# Allow ECDSA suites: now TLS v1.2 works, as predicted.
printf 'sslconfig\nINBOUND\n\nHIGH:!aNULL\n\n\ncommit "ecdsa ciphers"\ncommitcheck\n' | console
tls12=$(grep '^Inbound SMTP  ' "$TEST_TMP/console.out" | sed -E 's/.*TLS v1\.2: ([0-9]+).*/\1/')
check "with HIGH:!aNULL the prediction for TLS v1.2 is above 0 ($tls12)" test "${tls12:-0}" -gt 0
check "and s_client negotiates TLS v1.2 with an ECDHE-ECDSA suite" \
	bash -c "$(declare -f handshake tls_flag); TEST_TMP=$TEST_TMP; handshake $SMTP_PORT 1.2 smtp && grep -q 'Cipher is ECDHE-ECDSA' $TEST_TMP/s_client.out"

# No private key text anywhere the console or the daemon writes.
cat "$TEST_TMP/console.out" "$home/logs/"* >>"$TEST_TMP/all-output.txt"
check_eq "no \"PRIVATE KEY\" in the console output, cli_logs or mail_logs" 0 \
	"$(grep -c 'PRIVATE KEY' "$TEST_TMP/all-output.txt")"
check "the daemon is still the one started first" kill -0 "$pid"
done_testing
