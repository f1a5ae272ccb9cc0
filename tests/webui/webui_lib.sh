# tests/webui/webui_lib.sh: what the WebUI tests share (sourced, not run): a
# home with three users and passwords (admin, operator, guest, set with
# userconfig NEW in one commit), a daemon, and a curl login.
. "$(dirname "${BASH_SOURCE[0]}")/../e2e/e2e_lib.sh"
WEBUI_DIR=$TOP/tests/webui
LOGS=$TOP/$BUILD/test-logs
mkdir -p "$LOGS"

# webui_home NAME: sets HOME_DIR; users admin/adminpass1, op/operpass1, gst/guestpass1.
webui_home() {
	HOME_DIR=$TEST_TMP/$1
	printf 'userconfig\nNEW\nadmin\n1\nadminpass1\nadminpass1\nNEW\nop\n2\noperpass1\noperpass1\nNEW\ngst\n3\nguestpass1\nguestpass1\n\ncommit "webui users"\n' |
		"$TLSGATE" --home "$HOME_DIR" --user admin >"$TEST_TMP/users.out" 2>&1
}

# login JAR USER PASSWORD: logs in with curl (login form, its CSRF cookie);
# prints the HTTP status. The session cookie ends up in JAR.
login() {
	local jar=$1 token
	token=$(curl -sk --max-time 10 -c "$jar" -b "$jar" "$URL/login" |
		sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n 1)
	curl -sk --max-time 10 -c "$jar" -b "$jar" -o "$TEST_TMP/login.out" -w '%{http_code}' \
		--data-urlencode "csrf=$token" --data-urlencode "username=$2" \
		--data-urlencode "password=$3" "$URL/login"
}

# csrf_of JAR: the session's CSRF token (GET /api/session).
csrf_of() {
	curl -sk --max-time 10 -b "$1" "$URL/api/session" | sed -n 's/.*"csrf":"\([0-9a-f]*\)".*/\1/p'
}
