#!/usr/bin/env bash
# Mail Policies > Destination Controls in a real browser: headless Chromium
# adds secure.example (7 connections, TLS Required (Verify)), sees a bad
# domain refused, DANE Mandatory without a TLS level refused, adds
# dane.example (TLS Required, DANE Opportunistic), turns on the required-TLS failure alert, commits; the
# console's destconfig DETAIL shows the entry and tlsverify applies it
# (against the daemon's own inbound listener, whose Demo certificate does
# not verify: Required (Verify) will not deliver). Screenshots:
# build/test-logs/webui-d*.png.
. "$(dirname "${BASH_SOURCE[0]}")/webui_lib.sh"

webui_home browser-dest
start_daemon "$HOME_DIR" || { not_ok "daemon starts"; done_testing; exit 1; }
URL=https://127.0.0.1:$HTTPS_PORT
tv() { "$TLSGATE" --home "$HOME_DIR" --user admin -c "tlsverify $1 127.0.0.1:$SMTP_PORT" 2>&1; }
before=$(tv secure.example)
check "before: tlsverify secure.example (default TLS: No) would deliver in clear" \
	bash -c 'grep -qi "would be delivered" <<<"$1" && ! grep -qi "would NOT be delivered" <<<"$1"' _ "$before"

timeout 60 "$PY" "$WEBUI_DIR/browser_pages.py" "$URL" "$LOGS" dest >"$TEST_TMP/browser.out" 2>&1
status=$?
while read -r line; do
	case $line in
	"ok - "*) ok "${line#ok - }" ;;
	"not ok - "*) not_ok "${line#not ok - }" ;;
	esac
done <"$TEST_TMP/browser.out"
check_eq "the browser session ends cleanly" 0 "$status"
[ "$status" = 0 ] || sed 's/^/#   /' "$TEST_TMP/browser.out" | tail -n 20

printf 'destconfig\nDETAIL\nsecure.example\n\n' | "$TLSGATE" --home "$HOME_DIR" --user admin >"$TEST_TMP/detail"
check "destconfig DETAIL: secure.example, 7 connections" grep -qx '  Maximum concurrent connections: 7' "$TEST_TMP/detail"
check "... TLS: Required (Verify)" grep -qx '  TLS: Required (Verify)' "$TEST_TMP/detail"
printf 'destconfig\nDETAIL\ndane.example\n\n' | "$TLSGATE" --home "$HOME_DIR" --user admin >"$TEST_TMP/detail"
check "destconfig DETAIL: dane.example, TLS: Required, DANE Support: Opportunistic" \
	bash -c "grep -qx '  TLS: Required' '$TEST_TMP/detail' && grep -qx '  DANE Support: Opportunistic' '$TEST_TMP/detail'"
after=$(tv secure.example)
check "after: tlsverify finds the entry: TLS setting Required (Verify)" \
	grep -q '^Destination secure.example: TLS setting Required (Verify) (destination control entry "secure.example")' <<<"$after"
check "... and applies it: would NOT be delivered (the Demo certificate does not verify)" \
	grep -q "mail to secure.example would NOT be delivered" <<<"$after"
check "the alert setting is committed" \
	bash -c "sqlite3 '$HOME_DIR/config.db' \"SELECT value FROM config_values WHERE version=(SELECT max(version) FROM config_versions)\" | grep -qx 'postmaster@example.com'"
for s in d1-destconfig d2-add d3-added d3b-dane-refused d3c-dane-form d3d-dane-added d4-commit d5-committed; do
	check "screenshot $s saved" test -s "$LOGS/webui-$s.png"
done
done_testing
