#!/usr/bin/env bash
# WebUI in a real browser: headless Chromium (selenium) logs in, edits SSL
# Configuration (a non-contiguous set is greyed out), submits, commits with a
# comment; openssl s_client proves the engines enforce it. Screenshots:
# build/test-logs/webui-*.png.
. "$(dirname "${BASH_SOURCE[0]}")/webui_lib.sh"

webui_home browser
check "setup: users with passwords committed" grep -q '^Changes committed' "$TEST_TMP/users.out"
start_daemon "$HOME_DIR" || { not_ok "daemon starts"; done_testing; exit 1; }
URL=https://127.0.0.1:$HTTPS_PORT
check_fails "before: GUI HTTPS refuses TLS v1.3" handshake "$HTTPS_PORT" 1.3

timeout 90 "$PY" "$WEBUI_DIR/browser.py" "$URL" "$LOGS" ssl >"$TEST_TMP/browser.out" 2>&1
status=$?
while read -r line; do
	case $line in
	"ok - "*) ok "${line#ok - }" ;;
	"not ok - "*) not_ok "${line#not ok - }" ;;
	esac
done <"$TEST_TMP/browser.out"
check_eq "the browser session ends cleanly" 0 "$status"
[ "$status" = 0 ] || sed 's/^/#   /' "$TEST_TMP/browser.out" | tail -n 20

check "after: GUI HTTPS accepts TLS v1.3" handshake "$HTTPS_PORT" 1.3
check_fails "after: GUI HTTPS refuses TLS v1.1" handshake "$HTTPS_PORT" 1.1
check "the commit carries the comment and the user" \
	bash -c "sqlite3 '$HOME_DIR/config.db' 'SELECT user, comment FROM config_versions' | grep -qx 'admin|TLS 1.3 for the GUI, from the WebUI'"
check "mail log: the login" poll 3 grep -q 'WebUI CID [0-9]* user admin logged in (admin)' "$HOME_DIR/logs/mail_logs"
check "mail log: the commit" poll 3 grep -q 'WebUI CID [0-9]* user admin committed version' "$HOME_DIR/logs/mail_logs"
for s in 1-login 2-sslconfig 3-edit-greyed 4-staged 5-commit 6-committed; do
	check "screenshot $s saved" test -s "$LOGS/webui-$s.png"
done
done_testing
