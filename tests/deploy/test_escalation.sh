#!/usr/bin/env bash
# test_escalation: issue 11 problem 2, roles held at commit time. An
# operator's rollbackconfig to version 1 (from before any user existed) must
# not empty the user list (which would make every group member admin): it is
# either refused or leaves the user entries alone, and the guest is still a
# guest afterwards. An admin who stages a userconfig change and is then
# demoted to operator by another admin cannot commit it: refused, nothing
# written.
#
# DEPENDS ON the issue 11 commit plan (authorize at commit against the
# committer's role now): until it is on main, these checks FAIL.
. "$(dirname "$0")/deploy_lib.sh"
deploy_up
logs=$SSH_HOME/logs/cli_logs

# ---- an admin stages a user change, is demoted, then commits ----
printf 'NEW\nmallory\n1\n\n' | ssh_as "$ADM2" userconfig >"$TEST_TMP/out" 2>&1
check_eq "admin 2 stages a new administrator \"mallory\" (no commit)" "$ADM2|user.mallory|role=admin" \
	"$(staged_dump)"
printf 'EDIT\n%s\n2\n\n' "$ADM2" | ssh_as "$ADM" 'userconfig; commit "demote admin 2"' \
	>"$TEST_TMP/out" 2>&1
check_eq "admin 1 demotes admin 2 to operator and commits" "0 role=operator" \
	"$? $(latest_value "user.$ADM2")"
committed=$(committed_sum)
users=$(users_dump)
ssh_as "$ADM2" 'commit "my staged admin"' </dev/null >"$TEST_TMP/out" 2>&1
status=$?
check_eq "the demoted admin's commit of the staged user change: exit 1" 1 "$status"
check "refused, saying it needs the admin role (or AsyncOS's access-group message)" \
	said "needs the admin role|$DENIED"
check_eq "nothing was written" "$committed" "$(committed_sum)"
check_eq "the user list is unchanged (no \"mallory\")" "$users" "$(users_dump)"
check "the refusal is logged" grep -qE "access denied: user $ADM2 role operator" "$logs"
# Neither does a one-line userconfig session get through.
printf 'NEW\nmallory2\n1\n\n' | ssh_as "$ADM2" 'userconfig; commit "again"' >"$TEST_TMP/out" 2>&1
check_eq "the demoted admin cannot use userconfig any more" 1 "$?"
check_eq "still nothing written" "$committed" "$(committed_sum)"


# Second, as it may break the roles for good.
users=$(users_dump)
# ---- an operator rolls back to version 1 ----
# Some history first, so version 1 is deep in the list.
printf 'INBOUND\n1-2\n\n\n\n' | ssh_as "$OP" 'sslconfig; commit "operator: inbound"' >/dev/null 2>&1
ssh_as "$OP" rollbackconfig </dev/null >"$TEST_TMP/list" 2>&1
n=$(sed -nE 's/^ *([0-9]+)\. .* 1 +system +Initial configuration$/\1/p' "$TEST_TMP/list")
check "rollbackconfig lists version 1 (the factory configuration, no users)" test -n "$n"
printf 'ROLLBACK\n%s\nY\nY\n\n' "${n:-1}" | ssh_as "$OP" rollbackconfig >"$TEST_TMP/out" 2>&1
status=$?
echo "# operator's rollback to version 1: exit $status"
grep -E 'not|denied|access group|committed' "$TEST_TMP/out" | sed 's/^/#   /'
check_eq "after the operator's rollback the user list is unchanged" "$users" "$(users_dump)"
check_eq "and nothing user-related is left staged by the operator" "" \
	"$(console_sql "SELECT user, key FROM staged WHERE key LIKE 'user.%' AND user = '$OP'")"
if [ "$status" != 0 ]; then
	check "refused: saying which role it needs (or AsyncOS's access-group message)" \
		said "needs the admin role|$DENIED"
fi
# The guest is still a guest: an edit and userconfig are refused.
out=$(ssh_as "$GST" 'sethostname evil.example.com' </dev/null 2>&1)
check "the guest still cannot edit (sethostname refused)" \
	sh -c "[ $? = 1 ] && printf '%s' \"\$1\" | grep -qF '$DENIED'" _ "$out"
out=$(printf 'NEW\n%s\n1\n\n' "$GST" | ssh_as "$GST" 'userconfig; commit "guest: admin"' 2>&1)
check "the guest still cannot reach userconfig" \
	sh -c "[ $? = 1 ] && printf '%s' \"\$1\" | grep -qF '$DENIED'" _ "$out"
check_eq "the guest is still listed as a guest" "role=guest" "$(latest_value "user.$GST")"
check_eq "the first admin is still the admin" "role=admin" "$(latest_value "user.$ADM")"

# The same rollback by an admin may restore user entries: that is an admin's
# right. Not tested here: only the operator's path is the escalation.

done_testing
