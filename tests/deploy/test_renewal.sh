#!/usr/bin/env bash
# test_renewal: issue 11 problem 4, a routine certificate renewal in the
# deployment. GUI HTTPS uses the profile "web_renew" (RSA) with TLS v1.2 only
# and the factory cipher string (which has !ECDSA). Renewal automation
# uploads a PKCS#12 file with `scp -O` and overwrites the profile in place
# with certconfig CERTIFICATE IMPORT, now with an ECDSA key (certbot's
# default): GUI HTTPS would then have no usable cipher suite. `commit
# --strict` must refuse it (nothing written) and a plain commit must warn,
# naming GUI HTTPS.
#
# Regression test of issue 11 problem 4: the warning and --strict checks
# failed before the commit plan (precheck compared profile names only; now a
# profile whose content changed counts as a change of every service using it).
. "$(dirname "$0")/deploy_lib.sh"
deploy_up

pki=$TEST_TMP/pki
mkdir -p "$pki"
# p12 NAME KEYSPEC: a self-signed certificate for mail.example.com in NAME.p12.
p12() {
	openssl req -x509 -newkey "$2" -nodes -keyout "$pki/$1.key" -out "$pki/$1.pem" -days 90 \
		-subj /CN=mail.example.com -addext subjectAltName=DNS:mail.example.com >/dev/null 2>&1 &&
		openssl pkcs12 -export -in "$pki/$1.pem" -inkey "$pki/$1.key" -passout pass:s3cret \
			-out "$pki/$1.p12" >/dev/null 2>&1
}
p12 web-rsa rsa:2048
openssl ecparam -name prime256v1 -out "$pki/p256.pem"
p12 web-ec "ec:$pki/p256.pem"
check "the openssl command line made an RSA and an ECDSA PKCS#12 file" \
	test -s "$pki/web-rsa.p12" -a -s "$pki/web-ec.p12"
scp_as -O "$pki/web-rsa.p12" "$pki/web-ec.p12" "$OP@127.0.0.1:/configuration/" \
	>"$TEST_TMP/out" 2>&1
check_eq "the operator uploads both with scp -O" 0 "$?"

# ---- the profile in use by GUI HTTPS: RSA, TLS v1.2 only, factory ciphers ----
printf 'CERTIFICATE\nIMPORT\nweb_renew\nweb-rsa.p12\ns3cret\n\n\n' |
	ssh_as "$OP" 'certconfig; commit "web certificate"' >"$TEST_TMP/out" 2>&1
check_eq "IMPORT of the RSA profile and commit: exit 0" 0 "$?"
{
	printf 'CERTIFICATE\n2\n\n'   # interfaceconfig: GUI HTTPS uses web_renew
	printf 'GUI\n2\n\n\n\n'       # sslconfig: TLS v1.2 only, the factory ciphers
} | ssh_as "$OP" 'interfaceconfig; sslconfig; commit "GUI: web_renew, TLS v1.2"' \
	>"$TEST_TMP/out" 2>&1
check_eq "GUI HTTPS uses it with TLS v1.2 only: committed" "0 web_renew tlsv1_2" \
	"$? $(latest_value gui.certificate) $(latest_value gui.methods)"
check "no pre-commit warning for it (RSA works with the factory ciphers)" \
	sh -c "! grep '^Warning' '$TEST_TMP/out' | grep -qv 'audit log'"
check_eq "the factory cipher string excludes ECDSA" yes \
	"$(latest_value gui.ciphers | grep -q '!ECDSA' && echo yes)"

# ---- the renewal: same name, ECDSA key ----
renew() { # COMMIT_COMMAND
	printf 'CERTIFICATE\nIMPORT\nweb_renew\nY\nweb-ec.p12\ns3cret\n\n\n' |
		ssh_as "$OP" "certconfig; $1" >"$TEST_TMP/out" 2>&1
}
committed=$(committed_sum)
renew 'commit --strict "renewal"'
status=$?
check "the IMPORT asked before overwriting" \
	said 'Certificate profile "web_renew" already exists\.\s*Do you want to'
check_eq "commit --strict of the in-place ECDSA renewal: exit 1" 1 "$status"
check "refused because of warnings" said_f 'refuses a configuration with warnings'
check "the warning names GUI HTTPS" said '^Warning: GUI HTTPS'
check_eq "nothing was written" "$committed" "$(committed_sum)"
check_eq "nothing left staged" "" "$(staged_dump)"
grep -E '^Warning|not committed' "$TEST_TMP/out" | sed 's/^/#   /'

renew 'commit "renewal"'
check_eq "a plain commit of the renewal: exit 0 (a warning is no refusal)" 0 "$?"
check "it printed a warning naming GUI HTTPS" said '^Warning: GUI HTTPS'
check "about TLS v1.2 having no usable cipher suite" said '^Warning: GUI HTTPS: TLS v1.2 .*no cipher'
check_eq "the renewed profile is committed (version and name unchanged)" "web_renew" \
	"$(latest_value gui.certificate)"
check "and holds the ECDSA key" sh -c "sqlite3 -readonly '$SSH_HOME/config.db' \"SELECT value
	FROM config_values WHERE key = 'cert.web_renew' AND version = (SELECT max(version) FROM
	config_versions)\" | openssl pkey -noout -text 2>/dev/null | grep -q 'ASN1 OID: prime256v1'"
# commitcheck says the same of the running configuration.
ssh_as "$OP" commitcheck </dev/null >"$TEST_TMP/out" 2>&1
check "commitcheck reports GUI HTTPS TLS v1.2 with 0 suites" \
	said '^GUI HTTPS .*TLS v1.2: 0'

done_testing
