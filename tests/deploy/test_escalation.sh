#!/usr/bin/env bash
# test_escalation: issue 11 problem 2, roles held at commit time. An
# operator's rollbackconfig to version 1 (from before any user existed) must
# not empty the user list (which would make every group member admin): it is
# either refused or leaves the user entries alone, and the guest is still a
# guest afterwards. An admin who stages a userconfig change and is then
# demoted to operator by another admin cannot commit it: refused, nothing
# written.
#
# Regression test of issue 11 problem 2: these checks failed before the commit
# plan (authorize at commit against the committer's role now, main d868a45).
. "$(dirname "$0")/deploy_lib.sh"
deploy_up
logs=$SSH_HOME/logs/cli_logs

# ---- an admin stages a user change, is demoted, then commits ----
printf 'NEW\nmallory\n1\nmallorypw1\nmallorypw1\n\n' | ssh_as "$ADM2" userconfig >"$TEST_TMP/out" 2>&1
check_eq "admin 2 stages a new administrator \"mallory\" (no commit)" "$ADM2|user.mallory|role=admin" \
	"$(staged_dump)"
printf 'EDIT\n%s\n2\n\n\n' "$ADM2" | ssh_as "$ADM" 'userconfig; commit "demote admin 2"' \
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
# The refusal does not lock the demoted admin out of an operator's work.
ssh_as "$ADM2" clear <<<'Y' >/dev/null 2>&1
printf 'OUTBOUND\n1-2\n\n\n' | ssh_as "$ADM2" 'sslconfig; commit "operator work"' >"$TEST_TMP/out" 2>&1
check_eq "after clear, the demoted admin commits an operator's edit" "0 $ADM2" "$? $(latest_user)"


# Second, as it may break the roles for good.
users=$(users_dump)
# ---- an operator rolls back to version 1 ----
# Some history first, so version 1 is deep in the list.
printf 'INBOUND\n1-2\n\n\n\n' | ssh_as "$OP" 'sslconfig; commit "operator: inbound"' >/dev/null 2>&1
# rollback_to_1 HOW INPUT COMMANDS: the operator picks version 1 in the list
# (INPUT has a %s for its number), then the checks.
rollback_to_1() {
	local n
	ssh_as "$OP" rollbackconfig </dev/null >"$TEST_TMP/list" 2>&1
	n=$(sed -nE 's/^ *([0-9]+)\. .* 1 +system +Initial configuration$/\1/p' "$TEST_TMP/list")
	check "$1: rollbackconfig lists version 1 (the factory configuration, no users)" test -n "$n"
	printf "$2" "${n:-1}" | ssh_as "$OP" "$3" >"$TEST_TMP/out" 2>&1
	local status=$?
	echo "# operator's rollback to version 1 ($1): exit $status"
	grep -E 'not|denied|access group|committed' "$TEST_TMP/out" | sed 's/^/#   /'
	check_eq "$1: the user list is unchanged" "$users" "$(users_dump)"
	check_eq "$1: nothing user-related is left staged by the operator" "" \
		"$(console_sql "SELECT user, key FROM staged WHERE key LIKE 'user.%' AND user = '$OP'")"
	if [ "$status" = 0 ]; then
		check_eq "$1: accepted, and the settings are version 1's (the rollback happened)" \
			"tlsv1_1tlsv1_2 $OP" "$(latest_value inbound.methods) $(latest_user)"
	else
		check "$1: refused, saying which role it needs (or AsyncOS's access-group message)" \
			said "needs the admin role|$DENIED"
	fi
}
# Staged by ROLLBACK, then a separate one-line commit.
rollback_to_1 "rollback staged, then commit" 'ROLLBACK\n%s\nY\nN\n\n' \
	'rollbackconfig; commit "after the rollback"'
ssh_as "$OP" clear <<<'Y' >/dev/null 2>&1
printf 'INBOUND\n1-2\n\n\n\n' | ssh_as "$OP" 'sslconfig; commit "operator: inbound again"' >/dev/null 2>&1
# Committed by ROLLBACK itself ("Do you want to commit this configuration now?" Y).
rollback_to_1 "rollback committed at once" 'ROLLBACK\n%s\nY\nY\n\n' rollbackconfig
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
