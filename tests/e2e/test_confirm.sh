#!/usr/bin/env bash
# "commit confirmed" and the daemon's revert timer: an unconfirmed commit is
# reverted by tlsgated at its deadline and the old policy is enforced again;
# a confirmed one stays; a pending one survives a daemon restart.
. "$(dirname "$0")/e2e_lib.sh"

home=$(new_home confirm)
if ! start_daemon "$home"; then
	not_ok "tlsgated starts"
	done_testing
	exit 1
fi
version() { control "$home" status | sed 's/^version //'; }
# commit_confirmed SECONDS: GUI HTTPS gets TLS v1.0-v1.3 with cipher DEFAULT,
# reverted after SECONDS unless confirmed.
commit_confirmed() {
	printf 'sslconfig\ngui\n1-4\nDEFAULT\n\n\ncommit confirmed %ss "try TLS 1.0"\n' "$1" |
		"$TLSGATE" --home "$home" >"$TEST_TMP/confirm.out" 2>&1 &&
		grep -q 'will be reverted at' "$TEST_TMP/confirm.out"
}
# wait_version N: up to 10 s for the daemon to apply version N.
wait_version() {
	local i
	for i in $(seq 200); do
		[ "$(version)" = "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

v0=$(version)
check "commit confirmed 2s is accepted" commit_confirmed 2
check_eq "... and applied at once" "$((v0 + 1))" "$(version)"
check "... TLS 1.0 now works" handshake "$HTTPS_PORT" 1.0
check "without confirmation, tlsgated reverts it (a new version)" wait_version "$((v0 + 2))"
check_fails "... and TLS 1.0 is refused again" handshake "$HTTPS_PORT" 1.0
check "... the mail log says so" poll 3 grep -qE "Info: Configuration version $((v0 + 1)) was not confirmed: version $v0 restored as version $((v0 + 2))$" "$home/logs/mail_logs"
check "... the audit trail has the revert by system" grep -qE "revert: user system version $((v0 + 2)) " "$home/logs/cli_logs"

v1=$(version)
commit_confirmed 2
printf 'commit\n' | "$TLSGATE" --home "$home" >"$TEST_TMP/plain.out" 2>&1
check "a plain commit with nothing staged confirms" grep -q 'Commit confirmed' "$TEST_TMP/plain.out"
sleep 3
check_eq "a confirmed commit is not reverted" "$((v1 + 1))" "$(version)"
check "... TLS 1.0 still works" handshake "$HTTPS_PORT" 1.0

printf 'sslconfig\ngui\n2-3\n\n\n\ncommit "back"\n' | "$TLSGATE" --home "$home" >/dev/null 2>&1
v2=$(version)
commit_confirmed 4
stop_daemon
start_daemon "$home"
check_eq "restarted with a pending confirmation: the unconfirmed version is applied" "$((v2 + 1))" "$(version)"
check "... and reverted at its deadline by the new daemon" wait_version "$((v2 + 2))"
check_fails "... TLS 1.0 refused again" handshake "$HTTPS_PORT" 1.0
done_testing
