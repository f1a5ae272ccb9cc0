#!/usr/bin/env bash
# WebUI logins with the passwords userconfig NEW set (webui_lib.sh), and an
# admin's EDIT of a password over the console: the old one is refused, the
# new one logs in. An operator or a guest cannot set anyone's password over
# the WebUI: there is no such form, and crafted POSTs to the paths one might
# try are refused with nothing changed. Hostile logins (a very long password,
# a NUL, control characters, a long user name) are refused without harm.
. "$(dirname "${BASH_SOURCE[0]}")/webui_lib.sh"

webui_home pw
start_daemon "$HOME_DIR" || { not_ok "daemon starts"; done_testing; exit 1; }
URL=https://127.0.0.1:$HTTPS_PORT
LOG=$HOME_DIR/logs/mail_logs
code() { curl -sk --max-time 10 -o "$TEST_TMP/body" -w '%{http_code}' "$@"; }
users() { sqlite3 "$HOME_DIR/config.db" "SELECT key, value FROM config_values WHERE key LIKE 'user.%' ORDER BY version, key" | sha256sum; }

for u in "admin adminpass1" "op operpass1" "gst guestpass1"; do
	set -- $u
	check_eq "$1 logs in with the password userconfig NEW set" 303 "$(login "$TEST_TMP/$1" "$1" "$2")"
done

# ---- the console's EDIT changes op's password ----
printf 'userconfig\nEDIT\nop\n2\nY\noperpass2\noperpass2\n\ncommit "op password"\n' |
	"$TLSGATE" --home "$HOME_DIR" --user admin >"$TEST_TMP/edit.out" 2>&1
check_eq "admin: userconfig EDIT op, a new password, commit" 0 "$?"
check_eq "op's old password is refused" 401 "$(login "$TEST_TMP/op-old" op operpass1)"
check_eq "op's new password logs in" 303 "$(login "$TEST_TMP/op2" op operpass2)"

# ---- crafted POSTs: an operator and a guest try to set admin's password ----
before=$(users)
for u in op2 gst; do
	token=$(csrf_of "$TEST_TMP/$u")
	for path in /passwd /userconfig /api/users /api/password /users/admin; do
		check_eq "$u: POST $path (valid CSRF, username=admin, password=...): 404" 404 \
			"$(code -b "$TEST_TMP/$u" -d "csrf=$token&username=admin&user=admin&password=hackpass1&password2=hackpass1" "$URL$path")"
	done
	# A destination named like a user entry stays a destination.
	check_eq "$u: a destination named user.admin is refused or staged as a destination only" \
		"no user entry staged" \
		"$(code -b "$TEST_TMP/$u" -d "csrf=$token&mode=new&domain=user.admin" "$URL/destconfig" >/dev/null
		[ "$(sqlite3 "$HOME_DIR/config.db" "SELECT count(*) FROM staged WHERE key LIKE 'user.%'")" = 0 ] &&
			echo "no user entry staged")"
done
check_eq "the committed users (and hashes) are unchanged" "$before" "$(users)"
check_eq "admin still logs in with the password NEW set" 303 "$(login "$TEST_TMP/adm2" admin adminpass1)"
check_eq "and not with the one the crafted POSTs tried" 401 "$(login "$TEST_TMP/adm3" admin hackpass1)"

# ---- hostile logins (each a failed attempt for a user that does not exist) ----
long=$(head -c 60000 /dev/zero | tr '\0' a)
check_eq "a 60000-character password: 401, answered" 401 "$(login "$TEST_TMP/h1" nobody1 "$long")"
raw_login() { # URLENCODED_FIELDS: a login with a fresh form (token), the fields as given
	local token
	rm -f "$TEST_TMP/h2"
	token=$(curl -sk --max-time 10 -c "$TEST_TMP/h2" -b "$TEST_TMP/h2" "$URL/login" |
		sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n 1)
	code -c "$TEST_TMP/h2" -b "$TEST_TMP/h2" -d "csrf=$token&$1" "$URL/login"
}
check_eq "a password with a NUL (%00): 400" 400 "$(raw_login "username=admin&password=adminpass1%00x")"
check_eq "a user name with an escape character: 400" 400 \
	"$(raw_login "username=adm%1b%5b2Jin&password=adminpass1")"
check_eq "a 1000-character user name: 400" 400 \
	"$(raw_login "username=$(head -c 1000 /dev/zero | tr '\0' u)&password=x")"
check_eq "a password with control characters: 401" 401 \
	"$(raw_login "username=nobody2&password=abc%07%08%1bdefgh")"
check_eq "the daemon still answers" 303 "$(login "$TEST_TMP/adm4" admin adminpass1)"
check "no password or hash in the daemon's log" \
	bash -c "! grep -qE 'adminpass1|operpass|guestpass1|hackpass1|aaaaaaaaaa|\\\$y\\\$' '$LOG'"
check "no escape character reaches the log" bash -c "! grep -q \$'\\x1b' '$LOG'"
done_testing
