#!/usr/bin/env bash
# Runs each libFuzzer target for SECONDS on a scratch copy of its seed corpus
# (tests/fuzz/corpus/ is never written), prints executions per target, and
# exits 1 if any target crashed.   Usage: run-fuzzers.sh BUILD_DIR SECONDS TARGET...
set -u
cd "$(dirname "$0")/../.."
dir=$1 seconds=$2
shift 2
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
crashed=()

stat() { # NAME LOG: a libFuzzer -print_final_stats value
	sed -n "s/^stat::$1: *//p" "$2" | tail -n 1
}

for t in "$@"; do
	work=$dir/run/$t
	rm -rf "$work"
	mkdir -p "$work/corpus" "$work/artifacts"
	if [ -d "tests/fuzz/corpus/$t" ]; then
		cp tests/fuzz/corpus/"$t"/* "$work/corpus/" 2>/dev/null
	fi
	seeds=$(find "$work/corpus" -type f | wc -l)
	args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
		-artifact_prefix="$work/artifacts/")
	[ -f "tests/fuzz/$t.dict" ] && args+=(-dict="tests/fuzz/$t.dict")
	# Extra flags, one per line (e.g. -max_len=12000); '#' starts a comment line.
	if [ -f "tests/fuzz/$t.options" ]; then
		while read -r opt; do
			case $opt in '' | '#'*) ;; *) args+=("$opt") ;; esac
		done <"tests/fuzz/$t.options"
	fi
	printf '%-22s %3ss ... ' "$t" "$seconds"
	"$dir/$t" "${args[@]}" "$work/corpus" >"$work/log" 2>&1
	status=$?
	execs=$(stat number_of_executed_units "$work/log")
	rate=$(stat average_exec_per_sec "$work/log")
	inputs=$(find "$work/corpus" -type f | wc -l)
	if [ "$status" -eq 0 ]; then
		echo "ok: ${execs:-?} executions (${rate:-?}/s), corpus $seeds -> $inputs inputs"
		continue
	fi
	crashed+=("$t")
	echo "CRASH (exit $status) after ${execs:-?} executions"
	grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|.*invariant broken)' "$work/log" |
		head -n 10 | sed 's/^/    /'
	for a in "$work"/artifacts/*; do
		[ -f "$a" ] || continue
		echo "    input: $a ($(wc -c <"$a") bytes); reproduce: $dir/$t $a"
		echo "    minimise: $dir/$t -minimize_crash=1 -runs=100000 $a"
	done
	echo "    (full log: $work/log)"
done

if [ ${#crashed[@]} -gt 0 ]; then
	echo "fuzz: crashes in: ${crashed[*]}"
	exit 1
fi
echo "fuzz: no crash in $# targets ($seconds s each)"
