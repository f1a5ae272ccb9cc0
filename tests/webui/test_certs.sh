#!/usr/bin/env bash
# Network > Certificates without a browser (curl, JSON and forms): import a
# PKCS#12 (the overwrite question, a wrong passphrase, a damaged file),
# create a key and CSR, download the CSR, sign it with a test CA and upload
# the signed certificate, assign it to GUI HTTPS, commit: openssl s_client
# verifies what the engine serves. Export (admin; audited). Refusals: a
# guest's and an operator's POSTs, a POST without CSRF — nothing staged.
. "$(dirname "${BASH_SOURCE[0]}")/webui_lib.sh"
. "$WEBUI_DIR/cert_lib.sh"

PKI=$TEST_TMP/pki
check "setup: a test CA and a PKCS#12 made with openssl" make_pki "$PKI"
webui_home certs
start_daemon "$HOME_DIR" || { not_ok "daemon starts"; done_testing; exit 1; }
URL=https://127.0.0.1:$HTTPS_PORT
LOG=$HOME_DIR/logs/mail_logs
J=(-H 'Accept: application/json')
code() { curl -sk --max-time 30 -o "$TEST_TMP/body" -w '%{http_code}' "$@"; }
staged() { curl -sk --max-time 10 "${J[@]}" -b "$1" "$URL/api/changes" | sed -n 's/.*"count":\([0-9]*\).*/\1/p'; }

check_eq "admin logs in" 303 "$(login "$TEST_TMP/adm" admin adminpass1)"
csrf=$(csrf_of "$TEST_TMP/adm")
check_eq "guest logs in" 303 "$(login "$TEST_TMP/gst" gst guestpass1)"
gcsrf=$(csrf_of "$TEST_TMP/gst")
check_eq "operator logs in" 303 "$(login "$TEST_TMP/op" op operpass1)"
ocsrf=$(csrf_of "$TEST_TMP/op")

check_eq "GET /certificates (JSON)" 200 "$(code "${J[@]}" -b "$TEST_TMP/adm" "$URL/certificates")"
check "... lists the Demo profile, assigned to GUI HTTPS" \
	bash -c "grep -q '\"name\":\"Demo\"' '$TEST_TMP/body' && grep -q '\"gui\":\"Demo\"' '$TEST_TMP/body'"
check_eq "guest views Certificates" 200 "$(code -b "$TEST_TMP/gst" "$URL/certificates")"
check "... the list, without the forms" \
	bash -c "grep -q 'id=\"cert-list\"' '$TEST_TMP/body' && ! grep -q 'import-form\|assign-form\|export-form' '$TEST_TMP/body'"

imp=(-F "name=gui1" -F "file=@$PKI/gui.p12;type=application/x-pkcs12")
check_eq "guest import (valid CSRF): 403" 403 \
	"$(code -b "$TEST_TMP/gst" -F "csrf=$gcsrf" "${imp[@]}" -F "passphrase=<$PKI/p12pass" "$URL/certificates/import")"
check_eq "guest assign: 403" 403 \
	"$(code -b "$TEST_TMP/gst" -d "csrf=$gcsrf&gui_certificate=Demo" "$URL/certificates/assign")"
check_eq "guest new CSR: 403" 403 \
	"$(code -b "$TEST_TMP/gst" -d "csrf=$gcsrf&name=x&cn=x.test&days=30&key=p256" "$URL/certificates/new")"
check_eq "guest export: 403" 403 \
	"$(code -b "$TEST_TMP/gst" -d "csrf=$gcsrf&name=Demo&passphrase=abcdefgh&passphrase2=abcdefgh" "$URL/certificates/export")"
check "... logged" poll 3 grep -q 'POST /certificates/import refused for user gst (address 127.0.0.1): role too low' "$LOG"
check_eq "operator export (console: admin only): 403" 403 \
	"$(code -b "$TEST_TMP/op" -d "csrf=$ocsrf&name=Demo&passphrase=abcdefgh&passphrase2=abcdefgh" "$URL/certificates/export")"
check_eq "import without a CSRF token: 403" 403 \
	"$(code -b "$TEST_TMP/adm" "${imp[@]}" -F "passphrase=<$PKI/p12pass" "$URL/certificates/import")"
check_eq "assign with another session's token: 403" 403 \
	"$(code -b "$TEST_TMP/adm" -d "csrf=$gcsrf&gui_certificate=Demo" "$URL/certificates/assign")"
check_eq "nothing staged by the refusals" 0 "$(staged "$TEST_TMP/adm")"

check_eq "import, wrong passphrase: 400" 400 \
	"$(code "${J[@]}" -b "$TEST_TMP/adm" -F "csrf=$csrf" "${imp[@]}" -F "passphrase=wrong" "$URL/certificates/import")"
check "... says so, on the passphrase" grep -q '"field":"passphrase"' "$TEST_TMP/body"
head -c 700 "$PKI/gui.p12" >"$TEST_TMP/cut.p12"
check_eq "import, a damaged file: 400" 400 \
	"$(code "${J[@]}" -b "$TEST_TMP/adm" -F "csrf=$csrf" -F name=gui1 -F "file=@$TEST_TMP/cut.p12" -F "passphrase=<$PKI/p12pass" "$URL/certificates/import")"
check_eq "import, a bad profile name: 400" 400 \
	"$(code "${J[@]}" -b "$TEST_TMP/adm" -F "csrf=$csrf" -F 'name=bad name' -F "file=@$PKI/gui.p12" -F "passphrase=<$PKI/p12pass" "$URL/certificates/import")"
check_eq "nothing staged by bad imports" 0 "$(staged "$TEST_TMP/adm")"
check_eq "import gui1: 200" 200 \
	"$(code "${J[@]}" -b "$TEST_TMP/adm" -F "csrf=$csrf" "${imp[@]}" -F "passphrase=<$PKI/p12pass" "$URL/certificates/import")"
check "... Success, with the console's summary" grep -q '"result":"Success","message":"Certificate profile \\"gui1\\" imported: \\"gui.test\\", issued by \\"WebUI Test CA\\"' "$TEST_TMP/body"
check_eq "import gui1 again (JSON): 409, the overwrite question" 409 \
	"$(code "${J[@]}" -b "$TEST_TMP/adm" -F "csrf=$csrf" "${imp[@]}" -F "passphrase=<$PKI/p12pass" "$URL/certificates/import")"
check_eq "import gui1 again (a page): the question" 200 \
	"$(code -b "$TEST_TMP/adm" -F "csrf=$csrf" "${imp[@]}" -F "passphrase=<$PKI/p12pass" "$URL/certificates/import")"
check "... Certificate profile \"gui1\" already exists" grep -q 'already exists. Do you want to overwrite with this new one?' "$TEST_TMP/body"
check_eq "... another user's session cannot answer it (the operator): 400" 400 \
	"$(code -b "$TEST_TMP/op" -d "csrf=$ocsrf&answer=yes" "$URL/certificates/confirm")"
check_eq "... Cancel" 200 "$(code -b "$TEST_TMP/adm" -d "csrf=$csrf&answer=no" "$URL/certificates/confirm")"
check "... Nothing was changed" grep -q 'Nothing was changed' "$TEST_TMP/body"
check_eq "... the held import is gone" 400 "$(code -b "$TEST_TMP/adm" -d "csrf=$csrf&answer=yes" "$URL/certificates/confirm")"
check "the console's certconfig lists gui1" \
	bash -c "printf 'certconfig\nCERTIFICATE\n\n\n' | '$TLSGATE' --home '$HOME_DIR' --user admin | grep -q '^gui1 *gui.test *WebUI Test CA *Valid'"

# NEW: a key and a CSR, signed by the test CA, uploaded.
check_eq "new key and CSR: 200" 200 \
	"$(code "${J[@]}" -b "$TEST_TMP/adm" --data-urlencode "csrf=$csrf" -d 'name=gui2&key=rsa2048&cn=gui.test&o=Example&c=de&days=90' --data-urlencode $'sans=gui.test\n127.0.0.1' "$URL/certificates/new")"
check "... created (self-signed)" grep -q 'Certificate profile \\"gui2\\" created (self-signed' "$TEST_TMP/body"
check_eq "new with a bad country: 400 on the field" 400 \
	"$(code "${J[@]}" -b "$TEST_TMP/adm" -d "csrf=$csrf&name=gui3&key=p256&cn=x.test&c=Germany&days=90" "$URL/certificates/new")"
check "... field c" grep -q '"field":"c"' "$TEST_TMP/body"
check_eq "the same, as a page, with hostile values: 400" 400 \
	"$(code -b "$TEST_TMP/adm" -d "csrf=$csrf&name=gui3&key=p384&c=Germany&days=90" --data-urlencode 'cn=x"><script>alert(1)</script>' --data-urlencode 'o=A&B' --data-urlencode $'sans=a.test\n</textarea><b>x' "$URL/certificates/new")"
check "... the NEW form comes back as typed, escaped, with the error under Country" \
	bash -c "grep -qF 'id=\"new-cn\" maxlength=\"64\" value=\"x&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\"' '$TEST_TMP/body' && grep -qF 'id=\"new-o\" maxlength=\"64\" value=\"A&amp;B\"' '$TEST_TMP/body' && grep -qF 'id=\"new-name\" maxlength=\"' '$TEST_TMP/body' && grep -qF 'value=\"gui3\"' '$TEST_TMP/body' && grep -qF '<option value=\"p384\" selected>' '$TEST_TMP/body' && grep -qF '&lt;/textarea&gt;&lt;b&gt;x</textarea>' '$TEST_TMP/body' && grep -q 'class=\"error\" id=\"error-new-c\">' '$TEST_TMP/body' && ! grep -qF '<script>alert' '$TEST_TMP/body'"
check "... the other forms stay empty" grep -q 'id="import-name" maxlength="[0-9]*" value=""' "$TEST_TMP/body"
check_eq "guest: not in their view until committed: 404" 404 \
	"$(code -b "$TEST_TMP/gst" "$URL/certificates/csr?name=gui2")"
check_eq "admin downloads the CSR" 200 "$(code -b "$TEST_TMP/adm" "$URL/certificates/csr?name=gui2")"
cp "$TEST_TMP/body" "$TEST_TMP/gui2.csr"
check "... a CSR for gui.test, with its names" \
	bash -c "openssl req -in '$TEST_TMP/gui2.csr' -noout -verify -subject -text 2>&1 | grep -q 'CN *= *gui.test' && openssl req -in '$TEST_TMP/gui2.csr' -noout -text | grep -q 'IP Address:127.0.0.1'"
check_eq "no CSR for Demo: 404" 404 "$(code -b "$TEST_TMP/adm" "$URL/certificates/csr?name=Demo")"
check "the test CA signs the CSR" sign_csr "$PKI" "$TEST_TMP/gui2.csr" "$TEST_TMP/gui2.pem"
check_eq "upload a certificate for another key: 400" 400 \
	"$(code "${J[@]}" -b "$TEST_TMP/adm" -F "csrf=$csrf" -F name=gui2 -F "certificate_file=@$PKI/gui.pem" "$URL/certificates/signed")"
check "... key does not sign certificate" grep -q 'key does not sign certificate' "$TEST_TMP/body"
check_eq "guest uploads it (valid CSRF): 403" 403 \
	"$(code -b "$TEST_TMP/gst" -F "csrf=$gcsrf" -F name=gui2 -F "certificate_file=@$TEST_TMP/gui2.pem" "$URL/certificates/signed")"
check_eq "guest answers an overwrite question: 403" 403 \
	"$(code -b "$TEST_TMP/gst" -d "csrf=$gcsrf&answer=yes" "$URL/certificates/confirm")"
cat "$TEST_TMP/gui2.pem" "$PKI/gui.pem" >"$TEST_TMP/gui2-stray.pem"
check_eq "upload it with a certificate that issued nothing in its chain: 400" 400 \
	"$(code "${J[@]}" -b "$TEST_TMP/adm" --data-urlencode "csrf=$csrf" -d name=gui2 --data-urlencode "certificate@$TEST_TMP/gui2-stray.pem" "$URL/certificates/signed")"
check "... did not issue the certificate before it" grep -q 'did not issue the certificate before it in the chain' "$TEST_TMP/body"
check_eq "still two profiles staged (gui1, gui2): the refusal staged nothing" 2 "$(staged "$TEST_TMP/adm")"
cat "$PKI/ca.pem" "$TEST_TMP/gui2.pem" >"$TEST_TMP/gui2-chain.pem"
check_eq "upload the signed certificate (a file, the CA first): 200" 200 \
	"$(code "${J[@]}" -b "$TEST_TMP/adm" -F "csrf=$csrf" -F name=gui2 -F "certificate_file=@$TEST_TMP/gui2-chain.pem" "$URL/certificates/signed")"
check "... updated: issued by the test CA" grep -q 'gui2\\" updated: \\"gui.test\\", issued by \\"WebUI Test CA\\"' "$TEST_TMP/body"

check_eq "assign a profile that does not exist: 400" 400 \
	"$(code "${J[@]}" -b "$TEST_TMP/adm" -d "csrf=$csrf&gui_certificate=nosuch" "$URL/certificates/assign")"
check_eq "assign gui2 to GUI HTTPS: 200" 200 \
	"$(code "${J[@]}" -b "$TEST_TMP/adm" -d "csrf=$csrf&gui_certificate=gui2&inbound_certificate=gui1" "$URL/certificates/assign")"
check "the console's showchanges lists the assignment" \
	bash -c "'$TLSGATE' --home '$HOME_DIR' --user admin -c showchanges | grep -A2 'GUI HTTPS certificate' | grep -q 'new: gui2'"
check_fails "before the commit the engine serves Demo" verify_served "$HTTPS_PORT" "$PKI"
check_eq "commit: 200" 200 \
	"$(code "${J[@]}" -b "$TEST_TMP/adm" -d "csrf=$csrf&comment=certificates from the WebUI" "$URL/commit")"
check "... committed" grep -q 'Your changes have been committed.' "$TEST_TMP/body"
check "s_client -verify_return_error: GUI HTTPS serves gui2, verified by the test CA" verify_served "$HTTPS_PORT" "$PKI"
check "... with the CA in its chain, after the certificate" grep -q '^ 1 s:CN *= *WebUI Test CA' "$TEST_TMP/s_client.out"
check "inbound SMTP serves gui1" \
	bash -c "echo | timeout 10 openssl s_client -starttls smtp -connect 127.0.0.1:$SMTP_PORT -verify_return_error -CAfile '$PKI/ca.pem' 2>&1 | grep -q 'subject=CN *= *gui.test'"

# EXPORT (admin): the passphrase twice; a PKCS#12 that openssl opens.
check_eq "export, passphrases differ: 400" 400 \
	"$(code "${J[@]}" -b "$TEST_TMP/adm" -d "csrf=$csrf&name=gui2&passphrase=abcdefgh&passphrase2=abcdefgX" "$URL/certificates/export")"
check_eq "export, passphrases differ, as a page: 400" 400 \
	"$(code -b "$TEST_TMP/adm" -d "csrf=$csrf&name=gui2&passphrase=abcdefgh&passphrase2=abcdefgX" "$URL/certificates/export")"
check "... the form keeps the profile chosen, never the passphrases" \
	bash -c "grep -q 'id=\"export-name\">.*<option value=\"gui2\" selected>' '$TEST_TMP/body' && ! grep -q 'abcdefg' '$TEST_TMP/body' && grep -q 'id=\"export-passphrase\" maxlength=\"1023\" value=\"\"' '$TEST_TMP/body'"
check_eq "export, no passphrase: 400" 400 \
	"$(code "${J[@]}" -b "$TEST_TMP/adm" -d "csrf=$csrf&name=gui2&passphrase=&passphrase2=" "$URL/certificates/export")"
curl -sk --max-time 10 -D "$TEST_TMP/exp.hdr" -o "$TEST_TMP/gui2.p12" -b "$TEST_TMP/adm" \
	-d "csrf=$csrf&name=gui2&passphrase=export-pass&passphrase2=export-pass" "$URL/certificates/export"
check "export: a download named gui2.p12" grep -qi '^Content-Disposition: attachment; filename="gui2.p12"' "$TEST_TMP/exp.hdr"
check "... openssl opens it with the passphrase: the key and the certificate" \
	bash -c "openssl pkcs12 -in '$TEST_TMP/gui2.p12' -passin pass:export-pass -nodes 2>/dev/null | grep -q 'PRIVATE KEY' && openssl pkcs12 -in '$TEST_TMP/gui2.p12' -passin pass:export-pass -nokeys 2>/dev/null | openssl x509 -noout -subject | grep -q gui.test"
check_eq "after the commit a guest downloads the CSR (the console's VIEW is for guests)" 200 \
	"$(code -b "$TEST_TMP/gst" "$URL/certificates/csr?name=gui2")"
check "... the same CSR" cmp -s "$TEST_TMP/body" "$TEST_TMP/gui2.csr"
check "... audited in cli_logs, no key printed" \
	bash -c "grep -q 'WebUI: user admin exported certificate profile gui2' '$HOME_DIR/logs/cli_logs' && ! grep -rq 'PRIVATE KEY' '$HOME_DIR/logs'"
done_testing
