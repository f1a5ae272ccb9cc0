#!/usr/bin/env bash
# Network > Certificates in a real browser: headless Chromium imports a
# PKCS#12 made at test time (and answers the overwrite question), assigns
# it to GUI HTTPS and commits; openssl s_client -verify_return_error proves
# the engine serves it. Screenshots: build/test-logs/webui-c*.png.
. "$(dirname "${BASH_SOURCE[0]}")/webui_lib.sh"
. "$WEBUI_DIR/cert_lib.sh"

PKI=$TEST_TMP/pki
check "setup: a test CA and a PKCS#12 made with openssl" make_pki "$PKI"
webui_home browser-certs
start_daemon "$HOME_DIR" || { not_ok "daemon starts"; done_testing; exit 1; }
URL=https://127.0.0.1:$HTTPS_PORT
check_fails "before: GUI HTTPS serves a certificate the test CA did not sign" \
	verify_served "$HTTPS_PORT" "$PKI"

timeout 60 "$PY" "$WEBUI_DIR/browser_pages.py" "$URL" "$LOGS" certs "$PKI/gui.p12" \
	"$PKI/p12pass" >"$TEST_TMP/browser.out" 2>&1
status=$?
while read -r line; do
	case $line in
	"ok - "*) ok "${line#ok - }" ;;
	"not ok - "*) not_ok "${line#not ok - }" ;;
	esac
done <"$TEST_TMP/browser.out"
check_eq "the browser session ends cleanly" 0 "$status"
[ "$status" = 0 ] || sed 's/^/#   /' "$TEST_TMP/browser.out" | tail -n 20

check "after: s_client -verify_return_error -CAfile: GUI HTTPS serves the imported certificate" \
	verify_served "$HTTPS_PORT" "$PKI"
check "... its subject is gui.test" grep -q 'subject=CN *= *gui.test' "$TEST_TMP/s_client.out"
check "the console sees the assignment committed" \
	bash -c "printf 'interfaceconfig\n\n' | '$TLSGATE' --home '$HOME_DIR' --user admin | grep -q 'GUI HTTPS certificate: webgui'"
check "mail log: the commit" poll 3 grep -q 'WebUI CID [0-9]* user admin committed version' "$HOME_DIR/logs/mail_logs"
for s in c1-certificates c2-imported c3-overwrite c4-assigned c5-commit c6-committed; do
	check "screenshot $s saved" test -s "$LOGS/webui-$s.png"
done
done_testing
