#!/usr/bin/env bash
# Runs every test and prints one summary line "N passed, N failed".
# A test is a unit binary ($BUILD/tests/test_*) or a script tests/*/test_*.sh;
# each prints TAP lines ("ok ..." / "not ok ..."). A test that exits non-zero
# without reporting a failure counts as one failure.
#   TESTS="transcripts e2e" bash tests/run.sh   runs only those folders
# (tests/fault: kills, commits under load, hostile clients, valgrind; SOAK=1
# makes them the long versions, as `make soak` does)
# (tests/deploy needs root: it builds the multi-user SSH deployment, with sshd,
# test users and tlsgated as its own user; it skips otherwise)
set -u
cd "$(dirname "$0")/.."
export BUILD=${BUILD:-build}
export TLSGATE_BIN=$PWD/$BUILD/tlsgate TLSGATED_BIN=$PWD/$BUILD/tlsgated
# The tests are local sessions even when run from an SSH login: tlsgate reads
# these to know it serves an SSH user (tests/deploy makes real SSH sessions).
unset SSH_CONNECTION SSH_CLIENT SSH_ORIGINAL_COMMAND SSH_TTY
# One log folder per run, so two runs at once do not remove each other's logs.
mkdir -p "$PWD/$BUILD/test-logs"
find "$PWD/$BUILD/test-logs" -mindepth 1 -maxdepth 1 -mmin +1440 -exec rm -rf {} +
logdir=$(mktemp -d "$PWD/$BUILD/test-logs/run-XXXXXX")
passed=0 failed=0 failed_names=()

run_one() {
	local name=$1 log status p f
	shift
	log=$logdir/$(echo "$name" | tr '/' '_').log
	printf '%-50s ' "$name"
	timeout --kill-after=10 "${TEST_TIMEOUT:-600}" "$@" >"$log" 2>&1 </dev/null
	status=$?
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	p=${p:-0} f=${f:-1}
	if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $name exited with status $status" >>"$log"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" -eq 0 ]; then
		echo "ok ($p)"
	else
		echo "FAILED ($f of $((p + f)))"
		failed_names+=("$name")
		grep '^not ok ' "$log" | head -n 20 | sed 's/^/    /'
		echo "    (full log: $log)"
	fi
}

folders=${TESTS:-"unit transcripts cli e2e webui delivery deploy fault cluster"}
for folder in $folders; do
	if [ "$folder" = unit ]; then
		for bin in "$BUILD"/tests/test_*; do
			[ -x "$bin" ] && run_one "unit/$(basename "$bin")" "$bin"
		done
		continue
	fi
	for script in tests/"$folder"/test_*.sh; do
		[ -f "$script" ] && run_one "${script#tests/}" bash "$script"
	done
done

if [ "${#failed_names[@]}" -gt 0 ]; then
	echo "Failed: ${failed_names[*]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
