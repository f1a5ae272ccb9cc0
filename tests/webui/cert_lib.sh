# tests/webui/cert_lib.sh: test certificates made at test time with openssl
# (sourced, not run): make_pki DIR makes DIR/ca.pem (a CA), DIR/gui.p12 (a
# server certificate for gui.test and 127.0.0.1 signed by it, with its key,
# passphrase in DIR/p12pass) and sign_csr DIR CSR OUT signs a CSR with it.
make_pki() {
	local d=$1
	mkdir -p "$d"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/ca.key" -out "$d/ca.pem" -days 30 \
		-subj "/CN=WebUI Test CA" -addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null || return 1
	openssl req -newkey rsa:2048 -nodes -keyout "$d/gui.key" -out "$d/gui.csr" \
		-subj "/CN=gui.test" 2>/dev/null || return 1
	printf 'subjectAltName=DNS:gui.test,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$d/ext"
	openssl x509 -req -in "$d/gui.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
		-days 30 -extfile "$d/ext" -out "$d/gui.pem" 2>/dev/null || return 1
	printf 'p12-Pass phrase' >"$d/p12pass"
	openssl pkcs12 -export -inkey "$d/gui.key" -in "$d/gui.pem" -name gui \
		-passout "file:$d/p12pass" -out "$d/gui.p12" 2>/dev/null
}

sign_csr() {
	openssl x509 -req -in "$2" -CA "$1/ca.pem" -CAkey "$1/ca.key" -CAcreateserial -days 30 \
		-extfile "$1/ext" -out "$3" 2>/dev/null
}

# verify_served PORT DIR: does the GUI HTTPS listener serve a certificate
# that verifies against DIR's CA (and names 127.0.0.1)?
# (s_client's exit status also reports how the server closed: judge by the
# verification it prints, which -verify_return_error makes fatal anyway.)
verify_served() {
	echo | timeout 10 openssl s_client -connect "127.0.0.1:$1" -verify_return_error \
		-CAfile "$2/ca.pem" -verify_ip 127.0.0.1 >"$TEST_TMP/s_client.out" 2>&1
	grep -q '^Verification: OK' "$TEST_TMP/s_client.out"
}
