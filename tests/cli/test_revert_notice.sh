#!/usr/bin/env bash
# test_revert_notice: after tlsgated reverts an unconfirmed "commit confirmed",
# an admin's open console says so at its next prompt, a new login says so,
# and rollbackconfig marks the reverted version in its list (before, the list
# showed it first with nothing said). Real daemon, real terminal (tmux).
. "$(dirname "$0")/../e2e/e2e_lib.sh"
. "$(dirname "$0")/tmux.sh"
[ -x "$TLSGATE" ] || { not_ok "$TLSGATE is not built"; done_testing; exit 1; }

home=$(new_home revert)
if ! start_daemon "$home"; then
	not_ok "tlsgated starts"
	done_testing
	exit 1
fi
versions() { sqlite3 "$home/config.db" "SELECT max(version) FROM config_versions"; }
v0=$(versions)
s=watcher
tm_start "$s" "'$TLSGATE' --home '$home' --user alice"
wait_last "$s" '^mail\.example\.com>$'

printf 'sslconfig\nPEER_CERT_FQDN\nENABLE\n\ncommit confirmed 2s "try FQDN checks"\n' |
	"$TLSGATE" --home "$home" >"$TEST_TMP/confirm.out" 2>&1
check "commit confirmed 2s is accepted" grep -q 'will be reverted at' "$TEST_TMP/confirm.out"
reverted() { [ "$(versions)" = "$((v0 + 2))" ]; }
check "tlsgated reverts it at its deadline" poll 10 reverted

step() {
	local d=$1
	shift
	if "$@"; then ok "$d"; else
		not_ok "$d"
		show_screen "$s"
	fi
}
step "the open console says so at its next prompt" \
	answer "$s" "" "Automatic revert of version $((v0 + 1)) (not confirmed): the system reverted the configuration as version $((v0 + 2))."
step "... once" answer "$s" "" "mail.example.com>"
check_eq "... only once" 1 "$(tm_count "$s" "Automatic revert of version")"

"$TLSGATE" --home "$home" -c help </dev/null >"$TEST_TMP/login.out" 2>&1
check "a new login is told" grep -q "Automatic revert of version $((v0 + 1)) (not confirmed)" \
	"$TEST_TMP/login.out"
printf '\n' | "$TLSGATE" --home "$home" -c rollbackconfig >"$TEST_TMP/list.out" 2>&1
check "rollbackconfig marks the reverted version" \
	grep -qE "^ +1\. .* $((v0 + 1)) +[^ ]+ +try FQDN checks \(not confirmed: reverted by system in version $((v0 + 2))\)$" \
	"$TEST_TMP/list.out"
done_testing
