#!/usr/bin/env bash
# test_no_core: processes that hold private keys leave no core dump (issue
# 12 item 7). With `ulimit -c unlimited` and the kernel writing cores as
# files, SIGSEGV and SIGABRT are sent to a running tlsgated and to a console
# in the middle of a certificate PASTE: no core file appears, while an
# ordinary process in the same setting does dump (so the check can fail).
# Pattern-independent part: /proc/PID/limits shows a core limit of 0.
# The kernel's core_pattern is only read, never changed: when it pipes cores
# to a helper (systemd-coredump, apport) the file checks are skipped.
. "$(dirname "$0")/../e2e/e2e_lib.sh"

pattern=$(cat /proc/sys/kernel/core_pattern)
ulimit -c unlimited
cwd=$TEST_TMP/cwd
mkdir -p "$cwd"
cd "$cwd" || exit 1
files_ok=1
case $pattern in
'|'*) files_ok=0 ;;
esac
cores() { find "$cwd" "$(dirname "/$pattern")" -maxdepth 1 -newer "$TEST_TMP/stamp" -name 'core*' \
	2>/dev/null | wc -l; }
# no_core DESCRIPTION: no new core file since the last check.
no_core() {
	[ "$files_ok" = 1 ] || return 0
	check_eq "$1" 0 "$(cores)"
	find "$cwd" -maxdepth 1 -name 'core*' -delete
	touch "$TEST_TMP/stamp"
}
core_limit() { awk '/^Max core file size/ { print $5 " " $6 }' "/proc/$1/limits"; }
touch "$TEST_TMP/stamp"

# The control: an ordinary process does dump here.
if [ "$files_ok" = 1 ]; then
	sleep 30 &
	ctl=$!
	sleep 0.2
	kill -SEGV "$ctl"
	wait "$ctl" 2>/dev/null
	sleep 0.3
	if [ "$(cores)" -ge 1 ]; then
		ok "control: an ordinary process dumps core here (core_pattern '$pattern')"
		find "$cwd" -maxdepth 1 -name 'core*' -delete
		touch "$TEST_TMP/stamp"
	else
		ok "# SKIP this kernel writes no core files here (core_pattern '$pattern')"
		files_ok=0
	fi
fi

home=$(new_home nocore)
for sig in SEGV ABRT; do
	rm -f "$home/tlsgated.sock" # a killed daemon leaves it behind
	if ! start_daemon "$home"; then
		not_ok "tlsgated starts"
		continue
	fi
	check_eq "tlsgated: core limit 0 in /proc/PID/limits" "0 0" "$(core_limit "$DAEMON_PID")"
	kill -"$sig" "$DAEMON_PID"
	wait "$DAEMON_PID" 2>/dev/null
	sleep 0.3
	no_core "tlsgated killed by SIG$sig: no core file"
done

# The console with a certificate half pasted (its input stays open).
for sig in SEGV ABRT; do
	mkfifo "$TEST_TMP/in.$sig"
	"$TLSGATE" --home "$home" <"$TEST_TMP/in.$sig" >"$TEST_TMP/console.$sig" 2>&1 &
	console=$!
	exec 9>"$TEST_TMP/in.$sig"
	printf 'certconfig\nCERTIFICATE\nPASTE\nhalf\n-----BEGIN CERTIFICATE-----\n' >&9
	pasting() { grep -q 'Paste public certificate' "$TEST_TMP/console.$sig"; }
	poll 10 pasting || not_ok "the console reached PASTE"
	check_eq "console in PASTE: core limit 0 in /proc/PID/limits" "0 0" "$(core_limit "$console")"
	kill -"$sig" "$console"
	wait "$console" 2>/dev/null
	exec 9>&-
	sleep 0.3
	no_core "console killed by SIG$sig in PASTE: no core file"
done
done_testing
