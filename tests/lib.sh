# tests/lib.sh: shared helpers for the shell-script tests. Source it; every
# check prints one TAP line. Temporary homes and daemons are cleaned on exit.
set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-build}
TLSGATE=${TLSGATE_BIN:-$TOP/$BUILD/tlsgate}
TLSGATED=${TLSGATED_BIN:-$TOP/$BUILD/tlsgated}
TEST_TMP=$(mktemp -d /tmp/tlsgate-test.XXXXXX)
_tap_n=0
_tap_failed=0
_cleanups=()

cleanup() {
	local c
	for c in "${_cleanups[@]}"; do eval "$c" >/dev/null 2>&1; done
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$TEST_TMP"
}
trap cleanup EXIT
at_exit() { _cleanups+=("$1"); }

ok() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $*"; }
not_ok() { _tap_n=$((_tap_n + 1)); _tap_failed=$((_tap_failed + 1)); echo "not ok $_tap_n - $*"; }
# check "description" command...  -> ok when the command succeeds
check() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
# check_eq "description" expected actual
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else
		not_ok "$1"
		echo "#   expected: $2"
		echo "#   actual:   $3"
	fi
}
done_testing() { echo "1..$_tap_n"; [ "$_tap_failed" -eq 0 ]; }

# new_home NAME: a fresh tlsgate home with a fixed host name, version 2.
new_home() {
	local home=$TEST_TMP/$1
	"$TLSGATE" --home "$home" -c 'sethostname mail.example.com; commit "test host"' >/dev/null
	echo "$home"
}

# A dump of the committed configuration (history and snapshots), to prove a
# failed batch changed nothing.
committed_dump() {
	sqlite3 "$1/config.db" "SELECT * FROM config_versions ORDER BY version;
		SELECT * FROM config_values ORDER BY version, key;"
}

# Replace dates printed like ctime() with DATE, for stable transcripts.
normalize_dates() {
	sed -E 's/(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{4}/DATE/g'
}

# free_port: a TCP port nobody listens on right now, on 127.0.0.1.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# poll SECONDS COMMAND...: succeeds as soon as COMMAND does (checked every
# 50 ms), fails after SECONDS. For waiting on output without fixed sleeps.
poll() {
	local limit=$1 start=$SECONDS
	shift
	while ! "$@"; do
		[ $((SECONDS - start)) -ge "$limit" ] && return 1
		sleep 0.05
	done
}
