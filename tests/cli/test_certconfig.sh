#!/usr/bin/env bash
# test_certconfig: certconfig's dialogs in batch mode against files made by
# the openssl command line: IMPORT of a PKCS#12 (and a wrong passphrase),
# EXPORT and re-import (same fingerprint), NEW (certificate and CSR with the
# SANs asked for, checked by openssl req -verify), EDIT with the signed
# certificate, the errors that must leave everything as it was (mismatched
# key, garbage PEM, truncated PKCS#12, DELETE of a profile in use), commit
# validation of assignments, custom CAs, file modes, and no private key text
# in anything printed or logged.
. "$(dirname "$0")/../lib.sh"
[ -x "$TLSGATE" ] || { not_ok "$TLSGATE is not built"; done_testing; exit 1; }

pki=$TEST_TMP/pki
mkdir -p "$pki"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$pki/ca.key" -out "$pki/ca.pem" -days 30 \
	-subj "/CN=Test CA" -addext "basicConstraints=critical,CA:TRUE" \
	-addext "keyUsage=critical,keyCertSign,cRLSign" >/dev/null 2>&1
leaf() { # NAME: a leaf for mail.example.com signed by the test CA
	openssl req -newkey rsa:2048 -nodes -keyout "$pki/$1.key" -out "$pki/$1.csr" \
		-subj "/CN=$1.example.com" >/dev/null 2>&1
	openssl x509 -req -in "$pki/$1.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" -CAcreateserial \
		-out "$pki/$1.pem" -days 100 >/dev/null 2>&1
}
leaf one
leaf two
openssl pkcs12 -export -in "$pki/one.pem" -inkey "$pki/one.key" -certfile "$pki/ca.pem" \
	-passout pass:s3cret -out "$pki/one.p12" >/dev/null 2>&1
head -c 300 "$pki/one.p12" >"$pki/truncated.p12"
check "openssl made the test files" test -s "$pki/one.p12" -a -s "$pki/two.pem"

home=$(new_home cert)
mkdir -p -m 700 "$home/configuration"
cp "$pki/one.p12" "$pki/truncated.p12" "$home/configuration/"
ALL=$TEST_TMP/all-output.txt
: >"$ALL"
# run NAME: the console on stdin, output kept in $TEST_TMP/NAME.out and in $ALL.
run() {
	"$TLSGATE" --home "$home" >"$TEST_TMP/$1.out" 2>&1
	local status=$?
	cat "$TEST_TMP/$1.out" >>"$ALL"
	return $status
}
staged() { sqlite3 "$home/config.db" "SELECT user, key, length(value) FROM staged ORDER BY 1, 2"; }
latest_version() { sqlite3 "$home/config.db" "SELECT max(version) FROM config_versions"; }
profile_pem() { # NAME: the committed profile's certificate
	sqlite3 "$home/config.db" "SELECT value FROM config_values WHERE key = 'cert.$1' AND
		version = (SELECT max(version) FROM config_versions)" | openssl x509 2>/dev/null
}
fingerprint() { openssl x509 -noout -fingerprint -sha256 2>/dev/null; }
# unchanged DESCRIPTION: nothing committed or staged since `snapshot`.
snapshot() { before_committed=$(committed_dump "$home"); before_staged=$(staged); }
unchanged() {
	check_eq "$1: nothing committed" "$before_committed" "$(committed_dump "$home")"
	check_eq "$1: nothing staged" "$before_staged" "$(staged)"
}

# ---- IMPORT ----
snapshot
printf 'certconfig\nCERTIFICATE\nIMPORT\nimported\none.p12\nwrong\n\n\ncommit "x"\n' | run wrongpass
check_eq "IMPORT with a wrong passphrase: exit 1" 1 "$?"
check "... says the passphrase is not correct" \
	grep -q '^That value is not valid. Cannot import "one.p12": the passphrase is not correct' \
	"$TEST_TMP/wrongpass.out"
unchanged "wrong passphrase"
check "... and the passphrase is not echoed" bash -c "! grep -q wrong '$TEST_TMP/wrongpass.out'"

printf 'certconfig\nCERTIFICATE\nIMPORT\nimported\ntruncated.p12\n' | run truncated
check_eq "IMPORT of a truncated PKCS#12: exit 1" 1 "$?"
check "... a clear error" grep -q '^That value is not valid. "truncated.p12": the file is not a PKCS#12 file, or it is damaged or truncated.' "$TEST_TMP/truncated.out"
unchanged "truncated PKCS#12"

printf 'certconfig\nCERTIFICATE\nIMPORT\nimported\n../config.db\n' | run traversal
check_eq "IMPORT refuses a path outside configuration/" 1 "$?"
check "... with the name rule" grep -q "^That value is not valid. A file name in configuration/" "$TEST_TMP/traversal.out"

printf 'certconfig\nCERTIFICATE\nIMPORT\nimported\none.p12\ns3cret\n\n\ncommit "import"\n' | run import
check_eq "IMPORT with the right passphrase, committed" 0 "$?"
check "... the questions are the spec's" grep -qF 'Enter a name for this certificate profile:
> imported
Enter the name of the file on machine "mail.example.com" to import:
[]> one.p12
Enter passphrase:
> 
Certificate profile "imported" imported' "$TEST_TMP/import.out"
check_eq "the imported profile is the PKCS#12's certificate" "$(fingerprint <"$pki/one.pem")" \
	"$(profile_pem imported | fingerprint)"
check_eq "with the CA certificate as its intermediate" 2 \
	"$(sqlite3 "$home/config.db" "SELECT value FROM config_values WHERE key = 'cert.imported'
		AND version = (SELECT max(version) FROM config_versions)" | grep -c 'BEGIN CERTIFICATE')"
printf 'certconfig\nCERTIFICATE\nIMPORT\nimported\nN\n\n\n' | run overwrite_no
check "IMPORT over an existing name asks first, on two lines as AsyncOS ([N] keeps it)" grep -qzF \
	'Certificate profile "imported" already exists. Do you want to
overwrite with this new one? [N]> N' \
	"$TEST_TMP/overwrite_no.out"

# ---- EXPORT and re-import ----
printf 'certconfig\nCERTIFICATE\nEXPORT\n2\nback.p12\nexp0rt\nexp0rt\n\n\n' | run export
check_eq "EXPORT to configuration/back.p12" 0 "$?"
check "... the passphrase asked twice, never shown" \
	bash -c "grep -c '^Enter passphrase:\|^Please enter the passphrase again' '$TEST_TMP/export.out' | grep -qx 2 && ! grep -q exp0rt '$TEST_TMP/export.out'"
check_eq "openssl pkcs12 reads it with that passphrase (same certificate)" \
	"$(fingerprint <"$pki/one.pem")" \
	"$(openssl pkcs12 -in "$home/configuration/back.p12" -passin pass:exp0rt -nokeys -clcerts 2>/dev/null | fingerprint)"
printf 'certconfig\nCERTIFICATE\nEXPORT\n2\nback.p12\nY\nx\ny\n' | run export_mismatch
check_eq "EXPORT with two different passphrases: exit 1" 1 "$?"
check "... The value must be the same both times" grep -q '^The value must be the same both times' "$TEST_TMP/export_mismatch.out"
printf 'certconfig\nCERTIFICATE\nIMPORT\nroundtrip\nback.p12\nexp0rt\n\n\ncommit "roundtrip"\n' | run reimport
check_eq "re-IMPORT of the exported file" 0 "$?"
check_eq "round trip: the same fingerprint" "$(profile_pem imported | fingerprint)" \
	"$(profile_pem roundtrip | fingerprint)"

# ---- PASTE errors ----
snapshot
{ printf 'certconfig\nCERTIFICATE\nPASTE\nbad\n'; cat "$pki/one.pem"; printf '.\n'; cat "$pki/two.key"; printf '.\nN\n\n\ncommit "bad"\n'; } | run mismatch
check_eq "PASTE with another certificate's key: exit 1" 1 "$?"
check "... key does not sign certificate" grep -q '^That value is not valid. Error: key does not sign certificate.' "$TEST_TMP/mismatch.out"
unchanged "mismatched key"
printf 'certconfig\nCERTIFICATE\nPASTE\nbad\n-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n.\n' | run garbage
check_eq "PASTE of garbage PEM: exit 1" 1 "$?"
check "... Invalid certificate ..., discarding" grep -q '^That value is not valid. Invalid certificate (.*), discarding.$' "$TEST_TMP/garbage.out"
unchanged "garbage PEM"
{ printf 'certconfig\nCERTIFICATE\nPASTE\nbad\n'; cat "$pki/one.pem"; printf '.\nhello\n.\n'; } | run badkey
check "PASTE of a key that is not PEM: Invalid private key ..., discarding" grep -q '^That value is not valid. Invalid private key (.*), discarding.$' "$TEST_TMP/badkey.out"
unchanged "garbage key"
printf 'certconfig\nCERTIFICATE\nPASTE\nno/slash\n' | run badname
check "a profile name with '/' is refused" grep -q "^That value is not valid. A certificate profile name holds letters, digits, '_' and '-'." "$TEST_TMP/badname.out"

# ---- NEW and EDIT ----
printf 'certconfig\nCERTIFICATE\nNEW\n1\nnewcert\nmail.example.com\nExample Org\nIT\nParis\nIDF\nfr\n365\n2\nmail.example.com\nY\nmx.example.com\nY\n192.0.2.25\nN\nY\n\n\n' | run new
check_eq "NEW: RSA 3072, subject, 3 SANs, view the CSR" 0 "$?"
sed -n '/-----BEGIN CERTIFICATE REQUEST-----/,/-----END CERTIFICATE REQUEST-----/p' "$TEST_TMP/new.out" >"$TEST_TMP/new.csr"
check "the CSR printed is accepted by openssl req -verify" \
	bash -c "openssl req -in '$TEST_TMP/new.csr' -verify -noout 2>&1 | grep -q 'verify OK'"
openssl req -in "$TEST_TMP/new.csr" -noout -text >"$TEST_TMP/new.csr.txt" 2>&1
check "the CSR asks for the SANs given" grep -q 'DNS:mail.example.com, DNS:mx.example.com, IP Address:192.0.2.25' "$TEST_TMP/new.csr.txt"
check "the CSR's subject" grep -q 'Subject: C = FR, ST = IDF, L = Paris, O = Example Org, OU = IT, CN = mail.example.com' "$TEST_TMP/new.csr.txt"
check "with a 3072-bit key" grep -q 'Public-Key: (3072 bit)' "$TEST_TMP/new.csr.txt"
printf 'commit "new"\n' | run commit_new
profile_pem newcert >"$TEST_TMP/new.pem"
check "the self-signed certificate carries the SANs" \
	bash -c "openssl x509 -in '$TEST_TMP/new.pem' -noout -ext subjectAltName | grep -q 'DNS:mail.example.com, DNS:mx.example.com, IP Address:192.0.2.25'"
check "and is valid for 365 days" \
	bash -c "openssl x509 -in '$TEST_TMP/new.pem' -noout -checkend $((364 * 86400)) >/dev/null && ! openssl x509 -in '$TEST_TMP/new.pem' -noout -checkend $((366 * 86400)) >/dev/null"
printf 'certconfig\nCERTIFICATE\nNEW\n1\nx\nmail.example.com\n\n\n\n\nFRA\n' | run country
check "NEW: a 3-letter country is refused with the spec's words" grep -q 'Country should be a ISO two character country code' "$TEST_TMP/country.out"
# The CA signs the CSR; EDIT puts the signed certificate in.
openssl x509 -req -in "$TEST_TMP/new.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" -CAcreateserial \
	-out "$pki/newcert-signed.pem" -days 90 -copy_extensions copy >/dev/null 2>&1
{ printf 'certconfig\nCERTIFICATE\nEDIT\n3\nCERTIFICATE\n'; cat "$pki/newcert-signed.pem"; printf '.\nY\n'; cat "$pki/ca.pem"; printf '.\nN\n\n\n\ncommit "signed"\n'; } | run edit
check_eq "EDIT CERTIFICATE with the CA-signed certificate, committed" 0 "$?"
check_eq "the profile now holds the signed certificate" "$(fingerprint <"$pki/newcert-signed.pem")" \
	"$(profile_pem newcert | fingerprint)"
{ printf 'certconfig\nCERTIFICATE\nEDIT\n3\nCERTIFICATE\n'; cat "$pki/two.pem"; printf '.\n'; } | run edit_wrong
check "EDIT refuses a certificate for another key" grep -q 'key does not sign certificate' "$TEST_TMP/edit_wrong.out"
printf 'certconfig\nCERTIFICATE\nEDIT\n3\nVIEW\n\n\n\n' | run view
check "EDIT VIEW shows the CSR again" grep -q -- '-----BEGIN CERTIFICATE REQUEST-----' "$TEST_TMP/view.out"

# ---- PRINT, DELETE ----
printf 'certconfig\nCERTIFICATE\nPRINT\n1\n\n\n' | run print
check "PRINT shows Demo's certificate and where it is used" \
	bash -c "grep -q '^Used by: GUI HTTPS (interfaceconfig), Inbound SMTP (listenerconfig), Outbound SMTP (destconfig)' '$TEST_TMP/print.out' && grep -q 'BEGIN CERTIFICATE' '$TEST_TMP/print.out'"
snapshot
printf 'certconfig\nCERTIFICATE\nDELETE\n1\n' | run delete_demo
check_eq "DELETE of a profile in use: exit 1" 1 "$?"
check "... says which services use it" grep -q '^That value is not valid. Certificate profile "Demo" is in use by GUI HTTPS (interfaceconfig), Inbound SMTP (listenerconfig), Outbound SMTP (destconfig)' "$TEST_TMP/delete_demo.out"
unchanged "DELETE in use"
printf 'certconfig\nCERTIFICATE\nDELETE\n4\nY\n\n\ncommit "delete"\n' | run delete
check_eq "DELETE of an unused profile, committed" 0 "$?"
check_eq "it is gone" "" "$(profile_pem roundtrip)"

# ---- commit validation: an assignment to a profile another admin deleted ----
printf 'interfaceconfig\nCERTIFICATE\n2\n\n' | "$TLSGATE" --home "$home" --user alice >/dev/null 2>&1
printf 'certconfig\nCERTIFICATE\nDELETE\n2\nY\n\n\ncommit "bob deletes"\n' |
	"$TLSGATE" --home "$home" --user bob >"$TEST_TMP/bob.out" 2>&1
check_eq "bob deletes \"imported\" (not in use in his view)" 0 "$?"
snapshot
printf 'commit "alice"\n' | "$TLSGATE" --home "$home" --user alice >"$TEST_TMP/alice.out" 2>&1
check_eq "alice's commit assigning it is refused" 1 "$?"
check "... naming the service and the profile" grep -q 'The changes were not committed: GUI HTTPS: the certificate profile "imported" does not exist.' "$TEST_TMP/alice.out"
unchanged "refused commit"

# ---- custom CA ----
{ printf 'certconfig\nCERTAUTHORITY\nCUSTOM\nPASTE\ntestca\n'; cat "$pki/ca.pem"; printf '.\nPRINT\n\nSYSTEM\nDISABLE\n\n\n\ncommit "ca"\n'; } | run ca
check_eq "CERTAUTHORITY CUSTOM PASTE and SYSTEM DISABLE, committed" 0 "$?"
check "the custom CA is listed" grep -q '^1. testca: CN = Test CA (Valid' "$TEST_TMP/ca.out"
check_eq "stored as the trust store reads it" "$(fingerprint <"$pki/ca.pem")" \
	"$(sqlite3 "$home/config.db" "SELECT value FROM config_values WHERE key = 'ca.testca' AND version = (SELECT max(version) FROM config_versions)" | fingerprint)"
check_eq "ca.system is disabled" disabled \
	"$(sqlite3 "$home/config.db" "SELECT value FROM config_values WHERE key = 'ca.system' AND version = (SELECT max(version) FROM config_versions)")"

# ---- expired and not-yet-valid certificates: accepted, shown, warned about ----
mkdir -p "$pki/db" && touch "$pki/db/index.txt" && echo 01 >"$pki/db/serial"
cat >"$pki/ca.cnf" <<CNF
[ca]
default_ca = test
[test]
database = $pki/db/index.txt
new_certs_dir = $pki/db
serial = $pki/db/serial
default_md = sha256
policy = any
unique_subject = no
[any]
commonName = supplied
CNF
dated() { # NAME START END: a certificate for one.key with those dates
	openssl ca -batch -config "$pki/ca.cnf" -cert "$pki/ca.pem" -keyfile "$pki/ca.key" \
		-in "$pki/one.csr" -out "$pki/$1.pem" -startdate "$2" -enddate "$3" >/dev/null 2>&1
}
dated expired 20200101000000Z 20200201000000Z
dated future 20990101000000Z 20991231000000Z
{ printf 'certconfig\nCERTIFICATE\nPASTE\nold\n'; cat "$pki/expired.pem"; printf '.\n'; cat "$pki/one.key"
  printf '.\nN\nPASTE\nfuture\n'; cat "$pki/future.pem"; printf '.\n'; cat "$pki/one.key"
  printf '.\nN\n\n\n'; } | run dated_paste
# pick NAME: its number in the pick-lists (the profiles as this user sees them, by name)
pick() {
	printf 'certconfig\nCERTIFICATE\n\n\n' | "$TLSGATE" --home "$home" |
		sed -n '/^----------------/,/^$/p' | sed '1d;/^$/d' | awk -v n="$1" '$1 == n { print NR }'
}
printf 'interfaceconfig\nCERTIFICATE\n%s\n\nlistenerconfig\nCERTIFICATE\n%s\n\ncommit "dated"\n' \
	"$(pick old)" "$(pick future)" | run dated
check_eq "an expired and a not-yet-valid certificate can be pasted and assigned" 0 "$?"
check "commit warns: GUI HTTPS's certificate has expired" \
	grep -q '^Warning: GUI HTTPS: its certificate has expired' "$TEST_TMP/dated.out"
check "commit warns: Inbound SMTP's certificate is not valid yet" \
	grep -q '^Warning: Inbound SMTP: its certificate is not valid yet' "$TEST_TMP/dated.out"
printf 'certconfig\nCERTIFICATE\n\n\n' | run listing
check "the listing says Expired, 0 days" grep -qE '^old +one.example.com +Test CA +Expired +0 days$' "$TEST_TMP/listing.out"
check "and Not yet valid" grep -qE '^future +one.example.com +Test CA +Not yet valid +[0-9]+ days$' "$TEST_TMP/listing.out"

# ---- modes, and no key anywhere ----
check_eq "modes: config.db, configuration/, exported file" "600 700 600" \
	"$(stat -c %a "$home/config.db" "$home/configuration" "$home/configuration/back.p12" | tr '\n' ' ' | sed 's/ $//')"
check_eq "none of them is readable by others" "" \
	"$(find "$home/config.db" "$home/configuration" "$home/configuration/back.p12" -maxdepth 0 -perm /o+r)"
{ printf 'certconfig\nCERTIFICATE\nPASTE\nstagedkey\n'; cat "$pki/two.pem"; printf '.\n'; cat "$pki/two.key"; printf '.\nN\n\n\nshowchanges\n'; } | run showchanges
check "showchanges lists a staged profile without its content" grep -q 'Certificate profile "stagedkey": added' "$TEST_TMP/showchanges.out"
cat "$home/logs/"* >>"$ALL" 2>/dev/null
check_eq "no \"PRIVATE KEY\" in any console output or log" 0 "$(grep -c 'PRIVATE KEY' "$ALL")"
check_eq "and no line of the pasted keys either" 0 \
	"$(grep -cFf <(grep -v -- '-----' "$pki/two.key") "$ALL")"
done_testing
