#!/usr/bin/env bash
# test_kill_commit: SIGKILL of the shell at random points during commits
# (40 here, 200 under SOAK=1), with tlsgated running. After every kill the
# database passes PRAGMA integrity_check and holds exactly the old or the new
# version (never a half-written one); afterwards the engines still serve and
# one clean commit brings the daemon to the latest version.
# (tests/cli/test_kill.sh covers staged edits surviving a kill; this covers
# the commit itself.)
. "$(dirname "$0")/../e2e/e2e_lib.sh"

rounds=40
[ -n "${SOAK:-}" ] && rounds=200
home=$(new_home killcommit)
if ! start_daemon "$home"; then
	not_ok "tlsgated starts"
	done_testing
	exit 1
fi
db=$home/config.db
latest() { sqlite3 "$db" "SELECT max(version) FROM config_versions"; }
host_at() { sqlite3 "$db" "SELECT value FROM config_values WHERE version = $1 AND key = 'system.hostname'"; }
# The shell takes some tens of milliseconds to commit; a kill lands anywhere in
# it (start-up, staging, validation, the SQLite transaction, "apply N").
commit_time_ms() {
	local t0
	t0=$(date +%s%N)
	printf 'sethostname probe.example.com\ncommit "probe"\n' | "$TLSGATE" --home "$home" >/dev/null 2>&1
	echo $((($(date +%s%N) - t0) / 1000000))
}
span=$(commit_time_ms)
[ "$span" -lt 5 ] && span=5

bad_integrity=0 bad_version=0 bad_content=0 committed=0 killed_before=0
for i in $(seq "$rounds"); do
	before=$(latest)
	old_host=$(host_at "$before")
	new_host="k$i.example.com"
	delay_us=$((RANDOM * 1000 % (span * 1000 + 1)))
	printf 'sethostname %s\ncommit "kill %s"\n' "$new_host" "$i" |
		"$TLSGATE" --home "$home" >/dev/null 2>&1 &
	shell=$!
	sleep "$(printf '0.%06d' "$delay_us")"
	kill -9 "$shell" 2>/dev/null
	wait "$shell" 2>/dev/null
	after=$(latest)
	[ "$(sqlite3 "$db" 'PRAGMA integrity_check')" = ok ] || bad_integrity=$((bad_integrity + 1))
	if [ "$after" = "$before" ]; then
		killed_before=$((killed_before + 1))
		[ "$(host_at "$after")" = "$old_host" ] || bad_content=$((bad_content + 1))
	elif [ "$after" = $((before + 1)) ]; then
		committed=$((committed + 1))
		[ "$(host_at "$after")" = "$new_host" ] || bad_content=$((bad_content + 1))
	else
		bad_version=$((bad_version + 1))
	fi
done
echo "# $rounds kills over a ${span} ms commit: $committed committed, $killed_before before the commit"
check_eq "$rounds kills: the database always passes integrity_check" 0 "$bad_integrity"
check_eq "$rounds kills: the latest version is always the old one or the new one" 0 "$bad_version"
check_eq "$rounds kills: and it holds exactly that version's settings" 0 "$bad_content"
check "some kills landed before the commit and some after ($killed_before/$committed)" \
	test "$killed_before" -gt 0 -a "$committed" -gt 0
check "the daemon survived every kill" kill -0 "$DAEMON_PID"
check "GUI HTTPS still serves" handshake "$HTTPS_PORT" 1.2
check "inbound SMTP still serves" handshake "$SMTP_PORT" 1.2 smtp
printf 'sethostname final.example.com\ncommit "after the kills"\n' | "$TLSGATE" --home "$home" >/dev/null 2>&1
check_eq "a clean commit afterwards brings the daemon to the latest version" "version $(latest)" \
	"$(control "$home" status)"
done_testing
