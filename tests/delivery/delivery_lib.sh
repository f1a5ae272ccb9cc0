# tests/delivery/delivery_lib.sh: what the delivery tests share (sourced): a
# test CA and receiver certificates made with the openssl CLI, real SMTP
# receivers (tests/tools/smtp_receiver.py, aiosmtpd), and a sending tlsgated
# that trusts the test CA through SSL_CERT_FILE (OpenSSL's default path).
. "$(dirname "${BASH_SOURCE[0]}")/../e2e/e2e_lib.sh"
RECEIVER=$TOP/tests/tools/smtp_receiver.py
CERTS=$TEST_TMP/certs
RCV=$TEST_TMP/received

# have_aiosmtpd: the receivers need python3-aiosmtpd (TEST_PKGS).
have_aiosmtpd() { "$PY" -c 'import aiosmtpd' 2>/dev/null; }

# make_certs: ca.crt; valid.{crt,key} (CA-signed, *.valid.test *.t13.test
# *.slow.test *.bounce.test); wrong.* (CA-signed for wrong.example);
# self.* (self-signed *.self.test).
make_certs() {
	mkdir -p "$CERTS"
	(
		cd "$CERTS" || exit 1
		openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 \
			-subj '/CN=tlsgate test CA' 2>/dev/null
		leaf() { # NAME SAN
			openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" \
				-subj "/CN=$1 receiver" 2>/dev/null
			printf 'subjectAltName=%s\n' "$2" >"$1.ext"
			openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial \
				-days 2 -extfile "$1.ext" -out "$1.crt" 2>/dev/null
		}
		leaf valid 'DNS:*.valid.test,DNS:*.t13.test,DNS:*.slow.test,DNS:*.bounce.test'
		leaf wrong 'DNS:wrong.example'
		openssl req -x509 -newkey rsa:2048 -nodes -keyout self.key -out self.crt -days 2 \
			-subj '/CN=self receiver' -addext 'subjectAltName=DNS:*.self.test' 2>/dev/null
	)
}

# start_receivers [--rcpt-delay S] NAME:PORT:MODE[:cert]...: MODE plain, tls or
# tls13; cert names one of make_certs' (valid, wrong, self).
start_receivers() {
	local args=() spec
	mkdir -p "$RCV"
	rm -f "$RCV/ready"
	while [ $# -gt 0 ]; do
		case $1 in
		--rcpt-delay) args+=(--rcpt-delay "$2"); shift 2; continue ;;
		esac
		spec=$1
		case $spec in
		*:tls:* | *:tls13:*) spec="${spec%:*}:$CERTS/${spec##*:}.crt:$CERTS/${spec##*:}.key" ;;
		esac
		args+=(--server "$spec")
		shift
	done
	/usr/bin/python3 "$RECEIVER" --out "$RCV" "${args[@]}" 2>>"$TEST_TMP/receiver.err" &
	RECEIVER_PID=$!
	at_exit "kill $RECEIVER_PID"
	poll 15 test -f "$RCV/ready"
}

# start_sender HOME [options]: tlsgated with the delivery engine, a 1 s retry
# back-off and the test CA as the system bundle. Sets SMTP_PORT, DAEMON_PID.
start_sender() {
	local home=$1
	shift
	SSL_CERT_FILE=$CERTS/ca.crt SSL_CERT_DIR=/nonexistent start_daemon "$home" --deliver \
		--retry-base 1 --retry-max 2 --queue-scan-ms 100 --smtp-timeout 10 "$@"
}

# send PORT TO TEST-ID [FROM]: one message through the sender's inbound listener.
send() {
	swaks --server "127.0.0.1:$1" --from "${4:-alice@example.com}" --to "$2" \
		--header "X-Test-Id: $3" --header "Subject: test $3" --body "body of $3" \
		>"$TEST_TMP/swaks-$3.out" 2>&1
}

# got RECEIVER ID: the JSON line of message ID at that receiver ("" if none).
got() { grep -h "\"id\": \"$2\"" "$RCV/$1.jsonl" 2>/dev/null; }
# got_count RECEIVER ID: how many times it arrived.
got_count() { grep -c "\"id\": \"$2\"" "$RCV/$1.jsonl" 2>/dev/null || true; }
# tls_of RECEIVER ID: the TLS version it arrived with, or "clear".
tls_of() {
	got "$1" "$2" | "$PY" -c 'import json,sys; l=sys.stdin.readline(); print((json.loads(l)["tls"] or "clear") if l else "none")'
}
