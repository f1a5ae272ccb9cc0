#!/usr/bin/env bash
# test_valgrind_batch: the shell's batch mode under valgrind memcheck: a
# batch of edits, checks, a commit (with tlsgated running, so "apply N" too),
# a failing batch (all-or-nothing path), and -c one-liners. No memory error
# and no definite or indirect leak. (Skipped for sanitizer builds: ASan and
# valgrind do not mix; check-san covers those.)
. "$(dirname "$0")/../e2e/e2e_lib.sh"

if ! command -v valgrind >/dev/null; then
	ok "# SKIP valgrind is not installed"
	done_testing
	exit 0
fi
if [ "$BUILD" = build-san ]; then
	ok "# SKIP a sanitizer build ($BUILD) cannot run under valgrind"
	done_testing
	exit 0
fi
home=$(new_home valgrind)
start_daemon "$home" || not_ok "tlsgated starts"
vg() { # NAME ARGS... (stdin: the batch)
	local name=$1
	shift
	valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
		--show-leak-kinds=definite,indirect --error-exitcode=99 \
		--log-file="$TEST_TMP/vg.$name" "$TLSGATE" --home "$home" "$@" >"$TEST_TMP/out.$name" 2>&1
}
vg_clean() { # NAME STATUS EXPECTED_STATUS
	if [ "$2" -ne 99 ] && [ "$2" -eq "$3" ] && [ ! -s "$TEST_TMP/vg.$1" ]; then
		ok "valgrind: $1: no errors, no leaks (exit $2)"
	else
		not_ok "valgrind: $1: exit $2 (expected $3)"
		sed 's/^/#   /' "$TEST_TMP/vg.$1" | head -n 40
	fi
}

printf '%s\n' sslconfig GUI 1-2 'HIGH:!aNULL' N INBOUND 1 DEFAULT N '' showchanges commitcheck \
	'commit "valgrind batch"' sethostname vg.example.com clear Y help |
	vg batch
vg_clean batch $? 0
check "the batch committed and the daemon applied it" \
	bash -c "grep -q '^Changes committed' '$TEST_TMP/out.batch' && ! grep -qE 'did not apply|not running' '$TEST_TMP/out.batch'"

printf '%s\n' 'sethostname ok.example.com' sslconfig GUI 9 | vg failing
vg_clean failing $? 1

vg one-line -c 'sethostname one.example.com; commit "one line"' </dev/null
vg_clean one-line $? 0
vg rollback -c 'rollbackconfig' </dev/null
vg_clean rollback $? 0
done_testing
