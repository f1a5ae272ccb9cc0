#!/usr/bin/env bash
# test_roles: console users and roles over SSH, in the deployment of
# deploy_lib.sh. The first user of a new home is admin and creates the others
# with userconfig; an unlisted user is refused at login; an operator edits and commits but cannot manage users; a guest
# sees settings, VERIFY, showchanges, help and lists, and every edit it tries
# is refused with AsyncOS's message, changes nothing and is logged.
. "$(dirname "$0")/deploy_lib.sh"

nob=$(dep_add_user nob)
deploy_up
adm=$ADM op=$OP gst=$GST
logs=$SSH_HOME/logs/cli_logs
entry() { latest_value "user.$1"; }
# Audit lines in logs/cli_logs: the "logged" checks failed before issue 11's
# shared logs/ (the daemon created it first, 0700).

# ---- the first user of a new home is admin (deploy_up's setup session) ----
check "first user: it was told it became the administrator" \
	grep -q "^\"$adm\" (you) was added as an administrator" "$SSH_DIR/setup.out"
check "NEW offers the roles as a numbered pick-list" \
	sh -c "grep -q '^2. Operators - ' '$SSH_DIR/setup.out' && grep -q '^\[3\]> ' '$SSH_DIR/setup.out'"
check_eq "committed as named entries" "role=admin role=admin role=operator role=guest" \
	"$(entry "$adm") $(entry "$ADM2") $(entry "$op") $(entry "$gst")"
printf 'NEW\nnewbie\n3\nnewbiepass\nnewbiepass\nPRINT\n\n' | ssh_as "$adm" userconfig >"$TEST_TMP/users.out" 2>&1
check "PRINT lists a staged account" \
	grep -q "^newbie  *guest  *added, not committed" "$TEST_TMP/users.out"
ssh_as "$adm" clear <<<'Y' >/dev/null 2>&1

# ---- an unlisted user is refused at login ----
out=$(ssh_as "$nob" help </dev/null 2>&1)
check_eq "unlisted user: exit 1" 1 "$?"
check "unlisted user: a clear message" \
	sh -c "printf '%s' \"\$1\" | grep -q '\"$nob\" is not a user of this console'" _ "$out"
check "unlisted user: no prompt was shown" sh -c "! printf '%s' \"\$1\" | grep -q '> '" _ "$out"
check "unlisted user: logged" grep -q "login refused: user $nob is not a console user" "$logs"
out=$("$TLSGATE" --home "$SSH_HOME" -c userconfig </dev/null 2>&1)
check_eq "root (uid 0, not listed) is always admin: userconfig runs" 0 "$?"

# ---- operator: edit and commit, no user management ----
printf 'INBOUND\n1-3\n\n\n\n' | ssh_as "$op" 'sslconfig; commit "operator edit"' \
	>"$TEST_TMP/op.out" 2>&1
check_eq "operator: sslconfig; commit exits 0" 0 "$?"
check_eq "operator: committed" "tlsv1_1tlsv1_2tlsv1_3 $op" \
	"$(latest_value inbound.methods) $(console_sql "SELECT user FROM config_versions ORDER BY version DESC LIMIT 1")"
committed=$(committed_sum)
out=$(printf 'NEW\nmallory\n1\n\n' | ssh_as "$op" 'userconfig; commit "never"' 2>&1)
check_eq "operator: userconfig refused, exit 1" 1 "$?"
check "operator: with AsyncOS's message" sh -c "printf '%s' \"\$1\" | grep -qF '$DENIED'" _ "$out"
check_eq "operator: nothing committed" "$committed" "$(committed_sum)"
check "operator: the attempt is logged" \
	grep -q "access denied: user $op role operator command \"userconfig\"" "$logs"

# ---- guest: can view ----
out=$(ssh_as "$gst" sslconfig </dev/null 2>&1)
check_eq "guest: sslconfig (view) exits 0" 0 "$?"
check "guest: the settings block is shown" \
	sh -c "printf '%s' \"\$1\" | grep -q '^Inbound SMTP method: tlsv1_1tlsv1_2tlsv1_3'" _ "$out"
out=$(printf 'VERIFY\nAES256-SHA\n\n' | ssh_as "$gst" sslconfig 2>&1)
check_eq "guest: VERIFY exits 0" 0 "$?"
check "guest: VERIFY lists the suite" \
	sh -c "printf '%s' \"\$1\" | grep -q '^AES256-SHA .*Kx=RSA'" _ "$out"
for cmd in help showchanges commitcheck rollbackconfig; do
	ssh_as "$gst" "$cmd" </dev/null >"$TEST_TMP/view.out" 2>&1
	check_eq "guest: $cmd exits 0" 0 "$?"
done
check "guest: sslconfig printed no refusal" sh -c "! grep -qF '$DENIED' '$TEST_TMP/view.out'"

# ---- guest: every edit refused, nothing changes, each attempt logged ----
refused() { # DESCRIPTION INPUT COMMAND LOGGED_AS
	local committed staged status
	committed=$(committed_sum)
	staged=$(staged_dump)
	printf '%b' "$2" | ssh_as "$gst" "$3" >"$TEST_TMP/refused.out" 2>&1
	status=$?
	check "guest: $1 refused (exit 1, the message)" \
		sh -c "[ $status = 1 ] && grep -qF '$DENIED' '$TEST_TMP/refused.out'"
	check_eq "guest: $1 changed nothing" "$committed|$staged" \
		"$(committed_sum)|$(staged_dump)"
	check "guest: $1 logged" \
		grep -qF "access denied: user $gst role guest command \"$4\"" "$logs"
}
for op_name in GUI INBOUND OUTBOUND OTHER_CLIENT_TLSV10 PEER_CERT_FQDN PEER_CERT_X509; do
	refused "sslconfig $op_name" "$op_name\n1-2\n\n\n\n" 'sslconfig; commit "never"' \
		"sslconfig $op_name"
done
refused "rollbackconfig ROLLBACK" 'ROLLBACK\n1\nY\nY\n' rollbackconfig "rollbackconfig ROLLBACK"
refused "rollbackconfig SETUP" 'SETUP\nN\n' rollbackconfig "rollbackconfig SETUP"
refused "commit" '' 'commit "never"' commit
refused "clear" 'Y\n' clear clear
refused "sethostname" '' 'sethostname evil.example.com' sethostname
refused "userconfig" 'NEW\nx\n1\n' userconfig userconfig
refused "a refused edit in the middle of a batch" 'PEER_CERT_FQDN\nENABLE\n\n' \
	'help; sslconfig; commit "never"' "sslconfig PEER_CERT_FQDN"

# Interactive: the refusal asks again (as any invalid answer does), VERIFY works.
"$PYTHON" "$DEPLOY/sessions.py" guest --port "$SSH_PORT" \
	--identity "$SSH_DIR/client_key" --user "$gst" >"$TEST_TMP/guest.log" 2>&1
check_eq "guest over ssh -tt: refused and asked again, viewed, verified" "0 scenario ok" \
	"$? $(tail -n 1 "$TEST_TMP/guest.log")"
grep '^scenario FAILED' "$TEST_TMP/guest.log" | sed 's/^/#   /'

# ---- userconfig's safety rules ----
printf 'DELETE\n%s\nY\n\n' "$ADM2" | ssh_as "$adm" 'userconfig; commit "one admin"' >/dev/null 2>&1
check_eq "the second admin is removed: one administrator left" "" "$(entry "$ADM2")"
out=$(printf 'DELETE\n%s\n' "$adm" | ssh_as "$adm" userconfig 2>&1)
check "admin cannot delete itself" \
	sh -c "printf '%s' \"\$1\" | grep -q 'You cannot delete your own account.'" _ "$out"
out=$(printf 'EDIT\n%s\n' "$adm" | ssh_as "$adm" userconfig 2>&1)
check "admin cannot change its own role" \
	sh -c "printf '%s' \"\$1\" | grep -q 'You cannot change the role of your own account.'" _ "$out"
out=$(printf 'DELETE\n%s\nY\n' "$adm" | "$TLSGATE" --home "$SSH_HOME" -c userconfig 2>&1)
check "the last administrator cannot be deleted (even by root)" \
	sh -c "printf '%s' \"\$1\" | grep -q 'must keep at least one administrator'" _ "$out"
out=$(printf 'EDIT\n1\n3\n' | "$TLSGATE" --home "$SSH_HOME" -c userconfig 2>&1)
check "nor demoted" sh -c "printf '%s' \"\$1\" | grep -q 'must keep at least one administrator'" \
	_ "$out"
out=$(printf 'NEW\n%s\n1\n' "$op" | ssh_as "$adm" userconfig 2>&1)
check "NEW refuses an existing user" \
	sh -c "printf '%s' \"\$1\" | grep -q 'The user \"$op\" already exists.'" _ "$out"
out=$(printf 'NEW\nbad/name\n' | ssh_as "$adm" userconfig 2>&1)
check "NEW refuses a name that cannot be a login" \
	sh -c "printf '%s' \"\$1\" | grep -q '^That value is not valid. A username has'" _ "$out"
check_eq "and none of it was staged" "" "$(staged_dump)"

# Staged user edits show in showchanges like any other; a change of role
# applies to that user's very next command once committed.
out=$(printf 'EDIT\n%s\n3\n\n\n' "$op" | ssh_as "$adm" 'userconfig; showchanges' 2>&1)
check "showchanges lists a staged role change" \
	sh -c "printf '%s' \"\$1\" | grep -q '^  User \"$op\": changed'" _ "$out"
ssh_as "$adm" 'commit "demote operator"' </dev/null >/dev/null 2>&1
check_eq "the demotion is committed" "role=guest" "$(entry "$op")"
out=$(printf 'INBOUND\n2\n\n\n\n' | ssh_as "$op" 'sslconfig; commit "never"' 2>&1)
check_eq "the demoted user's edit is refused" 1 "$?"
printf 'DELETE\n%s\nY\n\n' "$gst" | ssh_as "$adm" 'userconfig; commit "remove guest"' >/dev/null 2>&1
check_eq "DELETE and commit remove the entry" "" "$(entry "$gst")"
ssh_as "$gst" help </dev/null >/dev/null 2>&1
check_eq "the deleted user can no longer log in" 1 "$?"

done_testing
