#!/usr/bin/env bash
# test_passwords: userconfig NEW asks the new user's password twice, EDIT asks
# whether to change it (default N) and then twice, PASSWORD sets it, passwd
# changes one's own. Batch: a mismatch, an empty, short, long or control-
# character password, or a NUL stops the batch with nothing staged; no password
# is ever printed or logged. On a terminal (tmux): not echoed, a mismatch is
# said and both are asked again. An operator or a guest cannot set anyone's
# password (refused, logged, nothing written), not even with loadconfig. The
# hash is a secret in saveconfig's files and showconfig; loadconfig takes it back.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tmux.sh"
[ -x "$TLSGATE" ] || { not_ok "$TLSGATE is not built"; done_testing; exit 1; }

home=$(new_home pw)
logs=$home/logs/cli_logs
as() { timeout 20 "$TLSGATE" --home "$home" --user "$@" >"$TEST_TMP/out" 2>&1; }
said() { grep -qF -- "$1" "$TEST_TMP/out"; }
staged() { sqlite3 "$home/config.db" "SELECT count(*) FROM staged"; }
committed() { committed_dump "$home" | sha256sum; }
hash_of() {
	sqlite3 "$home/config.db" "SELECT value FROM config_values WHERE key = 'user.$1' AND
		version = (SELECT max(version) FROM config_versions)" | sed -n 's/^.*;hash=//p'
}
never_shown() { # PASSWORD...: in no output, no log
	local p
	for p in "$@"; do
		! grep -qF -- "$p" "$TEST_TMP/out" && ! grep -rqF -- "$p" "$home/logs" || return 1
	done
}

# ---- NEW: the password asked twice, hashed with yescrypt ----
printf 'userconfig\nNEW\nadm\n1\nadminpass1\nadminpass1\nNEW\nop\n2\noperpass1\noperpass1\nNEW\ngst\n3\nguestpass1\nguestpass1\n\ncommit "users"\n' |
	as adm
check_eq "NEW with the password twice: committed, exit 0" 0 "$?"
check "NEW asks: Enter the password for \"op\": ... Please enter the new password again:" \
	sh -c "grep -qx 'Enter the password for \"op\":' '$TEST_TMP/out' &&
		grep -qx 'Please enter the new password again:' '$TEST_TMP/out'"
check_eq "each user has a yescrypt hash" "yes yes yes" \
	"$(for u in adm op gst; do case $(hash_of $u) in \$y\$*) printf yes ;; *) printf no ;; esac; done |
		sed 's/yesyesyes/yes yes yes/')"
check "no password in the output or the logs" never_shown adminpass1 operpass1 guestpass1
check "nor a hash" sh -c "! grep -rqF '\$y\$' '$TEST_TMP/out' '$home/logs'"

# The password set by NEW is the one the login checks (the WebUI's login,
# db/db_password.c): the daemon's login test is in tests/webui; here the
# console's passwd asks the current one first.
printf 'wrongpass1\n' | as op -c passwd
check "passwd: a wrong current password is refused" said "The password is not correct."
printf 'operpass1\noperpass2\noperpass2\n' | as op -c passwd
check_eq "passwd: the current one (set by NEW) opens the change, exit 0" 0 "$?"
old=$(hash_of op)

# ---- refusals in batch: clear message, nothing staged, nothing committed ----
before=$(committed)
refused() { # DESCRIPTION MESSAGE ANSWERS (printf format)
	# shellcheck disable=SC2059
	printf "$3" | as adm -c userconfig
	local rc=$?
	check "$1: refused, exit 1, \"$2\"" sh -c "[ $rc = 1 ] && grep -qF -- '$2' '$TEST_TMP/out'"
	check_eq "$1: nothing staged" 0 "$(staged)"
}
refused "NEW, the two passwords differ" "The passwords do not match." \
	'NEW\nnewbie\n3\nnewbiepass\nnewbiepasz\n'
refused "NEW, an empty password" "The password must be 8 to 128 characters long." \
	'NEW\nnewbie\n3\n\n'
refused "NEW, a short password" "The password must be 8 to 128 characters long." \
	'NEW\nnewbie\n3\nshort\n'
long=$(head -c 129 /dev/zero | tr '\0' a)
refused "NEW, a 129-character password" "The password must be 8 to 128 characters long." \
	"NEW\\nnewbie\\n3\\n$long\\n$long\\n"
huge=$(head -c 5000 /dev/zero | tr '\0' b)
refused "NEW, a 5000-byte line" "The value must be shorter than 4096 characters per line." \
	"NEW\\nnewbie\\n3\\n$huge\\n$huge\\n"
refused "NEW, a password with an escape character" \
	"The password must not contain control characters." 'NEW\nnewbie\n3\nabc\033[2Jdefgh\n'
refused "NEW, a password with a tab" \
	"The password must not contain control characters." 'NEW\nnewbie\n3\nabc\tdefghij\n'
refused "NEW, a password with a NUL byte" "NUL" 'NEW\nnewbie\n3\nabcd\000efghij\nabcd\000efghij\n'
refused "NEW, input ends after the first password" "" 'NEW\nnewbie\n3\nnewbiepass\n'
refused "EDIT, the two new passwords differ" "The passwords do not match." \
	'EDIT\nop\n2\nY\noperpass3\noperpass4\n'
check_eq "nothing was committed by any of them" "$before" "$(committed)"
check "none of the refused passwords was printed or logged" \
	never_shown newbiepass newbiepasz operpass3 operpass4 "$long" efghij

# ---- EDIT: the role alone (the password kept), then the password ----
printf 'userconfig\nEDIT\nop\n2\n\n\ncommit "role only"\n' | as adm
check_eq "EDIT, N to the password question: committed" 0 "$?"
check "EDIT asks: Do you want to change the password? [N]>" \
	said "Do you want to change the password? [N]>"
check_eq "EDIT without a new password keeps the hash" "$old" "$(hash_of op)"
printf 'userconfig\nEDIT\nop\n2\nY\noperpass5\noperpass5\nPRINT\n\ncommit "new password"\n' | as adm
check_eq "EDIT, Y and the password twice: committed" 0 "$?"
check "PRINT before the commit: op changed, not committed (the password alone)" \
	grep -q '^op  *operator  *changed, not committed' "$TEST_TMP/out"
check "... a new hash" sh -c "[ '$old' != '$(hash_of op)' ] && [ -n '$(hash_of op)' ]"
printf 'operpass5\noperpass6\noperpass6\n' | as op -c passwd
check_eq "... and the new password is the one that works (passwd)" 0 "$?"
printf 'userconfig\nPASSWORD\ngst\nguestpass7\nguestpass7\n\ncommit "reset"\n' | as adm
check_eq "userconfig PASSWORD still sets a password" 0 "$?"
printf 'guestpass7\nguestpass8\nguestpass8\n' | as gst -c passwd
check_eq "... which passwd takes as the current one" 0 "$?"

# ---- an operator, a guest: no one else's password ----
before=$(committed)
for u in op gst; do
	for op in 'EDIT\nadm\n1\nY\nhackpass1\nhackpass1\n' 'PASSWORD\nadm\nhackpass1\nhackpass1\n' \
		'NEW\nevil\n1\nhackpass1\nhackpass1\n'; do
		printf "userconfig\\n$op\\ncommit \"x\"\\n" | as "$u"
		check "$u: userconfig ${op%%\\*} refused with the access-group message" \
			sh -c "[ $? = 1 ] && grep -qF 'You are not in the correct access group' '$TEST_TMP/out'"
	done
	check "$u: the refusal is logged" grep -q "access denied: user $u role .* command \"userconfig\"" "$logs"
done
check_eq "nothing was staged" 0 "$(staged)"
check_eq "nothing was committed" "$before" "$(committed)"
# passwd changes one's own: there is no argument naming someone else.
adm_hash=$(hash_of adm)
printf 'guestpass8\nhackpass1\nhackpass1\n' | as gst -c 'passwd adm'
check_eq "passwd adm run by a guest: adm's hash is unchanged" "$adm_hash" "$(hash_of adm)"

# ---- saveconfig / showconfig / loadconfig: the hash is a secret ----
conf=$home/configuration
as gst -c showconfig </dev/null
check "a guest's showconfig masks the password hashes" \
	sh -c "grep -q 'role=admin;hash=<secret>\*\*\*\*\*</secret>' '$TEST_TMP/out' && ! grep -qF '\$y\$' '$TEST_TMP/out'"
as adm -c 'saveconfig 1' </dev/null
masked=$(grep xml "$TEST_TMP/out" | sed -e 's/^"\/configuration\///' -e 's/"\.$//')
check "saveconfig 1 (masked): no hash in the file" sh -c "! grep -qF '\$y\$' '$conf/$masked'"
sleep 1
printf 'file passphrase\nfile passphrase\n' | as adm -c 'saveconfig 2'
enc=$(grep xml "$TEST_TMP/out" | sed -e 's/^"\/configuration\///' -e 's/"\.$//')
check "saveconfig 2 (encrypted): no hash in clear" sh -c "! grep -qF '\$y\$' '$conf/$enc'"
printf '2\n%s\nfile passphrase\n' "$enc" | as adm -c loadconfig
check "... loads back onto its appliance: No changes detected." said "No changes detected."
sleep 1
as adm -c 'saveconfig n' </dev/null
plain=$(grep xml "$TEST_TMP/out" | sed -e 's/^"\/configuration\///' -e 's/"\.$//')
printf '2\n%s\n' "$plain" | as adm -c loadconfig
check "saveconfig n (plain) loads back: No changes detected." said "No changes detected."
# An operator loads a file that gives adm a password the operator knows.
known=$(sqlite3 "$home/config.db" "SELECT value FROM config_values WHERE key = 'user.op' AND
	version = (SELECT max(version) FROM config_versions)" | sed -n 's/^.*;hash=//p')
sed "s|<entry name=\"adm\">role=admin;hash=[^<]*<|<entry name=\"adm\">role=admin;hash=$known<|" \
	"$conf/$plain" >"$conf/takeover.xml"
check "(the crafted file gives adm op's hash)" grep -qF "role=admin;hash=$known<" "$conf/takeover.xml"
before=$(committed)
printf '2\ntakeover.xml\n' | as op -c 'loadconfig; commit "mine"'
check "an operator's loadconfig that sets adm's password is refused" \
	said "Changing user accounts needs the admin role"
check_eq "... nothing committed, adm's hash unchanged" "$before $adm_hash" "$(committed) $(hash_of adm)"
printf 'y\n' | as op -c clear >/dev/null
sed "s|<entry name=\"adm\">role=admin;hash=[^<]*<|<entry name=\"adm\">role=admin;hash=plaintext-password<|" \
	"$conf/$plain" >"$conf/badhash.xml"
printf '2\nbadhash.xml\n' | as adm -c loadconfig
check "loadconfig refuses a user entry whose hash is not yescrypt" \
	said 'the user "adm" has a password hash that is not yescrypt'
check_eq "... nothing staged" 0 "$(staged)"

# ---- on a terminal: no echo, a mismatch is asked again ----
s=pw
tm_start "$s" "'$TLSGATE' --home '$home' --user adm"
step "the shell starts" wait_last "$s" '^mail\.example\.com>$'
answer "$s" userconfig "Choose the operation"
answer "$s" NEW "Enter the new username."
answer "$s" ttyuser "Assign a role"
step "the password question" answer "$s" 3 'Enter the password for "ttyuser":'
step "the second question" answer "$s" "ttysecret1" "Please enter the new password again:"
step "a different second one: The passwords do not match." \
	answer "$s" "ttysecret2" "The passwords do not match."
step "... and the first question again" \
	poll "$TMUX_WAIT" _count_above "$s" 'Enter the password for "ttyuser":' 1
answer "$s" "ttysecret3" "Please enter the new password again:"
step "the same twice: back to the menu" answer "$s" "ttysecret3" "Choose the operation"
check "no password was shown on the terminal" \
	bash -c "! tmux -S '$TMUX_SOCK' capture-pane -p -J -S - -t '$s' | grep -qE 'ttysecret'"
answer "$s" "" "mail.example.com>"
check_eq "the user is staged with a password" 1 \
	"$(sqlite3 "$home/config.db" "SELECT count(*) FROM staged WHERE key = 'user.ttyuser' AND value LIKE 'role=guest;hash=\$y\$%'")"
done_testing
