#!/usr/bin/env bash
# test_batch: batch mode (stdin not a terminal, or -c) is all or nothing. Exit
# status 0 for a batch that ends with commit, 1 for an error, and after every
# failing batch the committed configuration is byte for byte what it was and
# the user's staged edits are those from before the batch (edits of earlier
# sessions kept, the batch's own dropped). Also the modes of the home (0700)
# and the database files (0600), whatever the umask.
. "$(dirname "$0")/../lib.sh"
[ -x "$TLSGATE" ] || { not_ok "$TLSGATE is not built"; done_testing; exit 1; }

staged_dump() { sqlite3 "$1/config.db" "SELECT user, key, value FROM staged ORDER BY 1, 2"; }
latest_value() { # HOME KEY
	sqlite3 "$1/config.db" "SELECT value FROM config_values WHERE key = '$2' AND
		version = (SELECT max(version) FROM config_versions)"
}
latest_version() { sqlite3 "$1/config.db" "SELECT max(version) FROM config_versions"; }

# ---- a good batch ----
home=$(new_home good)
version=$(latest_version "$home")
printf 'sslconfig\nINBOUND\n1-3\n\n\n\ncommit\nbatch commit\n\n' |
	"$TLSGATE" --home "$home" >"$TEST_TMP/good.out" 2>&1
check_eq "a batch that ends with commit exits 0" 0 "$?"
check_eq "it wrote one version" $((version + 1)) "$(latest_version "$home")"
check_eq "with the edit" tlsv1_1tlsv1_2tlsv1_3 "$(latest_value "$home" inbound.methods)"
check_eq "and left nothing staged" "" "$(staged_dump "$home")"

printf 'sslconfig\r\nINBOUND\r\n1-2\r\n\r\n\r\n\r\ncommit "crlf"\r\n' |
	"$TLSGATE" --home "$home" >/dev/null 2>&1
check_eq "CRLF line ends (Windows automation) work: exit 0" 0 "$?"
check_eq "and the edit is committed" tlsv1_2tlsv1_3 "$(latest_value "$home" inbound.methods)"

printf 'sslconfig\nOUTBOUND\n2\n\n\n' | "$TLSGATE" --home "$home" >/dev/null 2>&1
check_eq "a batch that ends without commit exits 0" 0 "$?"
check_eq "and leaves its edit staged" "outbound.methods|tlsv1_2" \
	"$(sqlite3 "$home/config.db" "SELECT key, value FROM staged")"

printf 'sslconfig\nPEER_CERT_X509\nENABLE\n\nexit\nN\ncommit "never"\n' |
	"$TLSGATE" --home "$home" >"$TEST_TMP/exit.out" 2>&1
check_eq "exit answered N ends a batch with status 0" 0 "$?"
check "the lines after exit are not run" test "$(grep -c 'Changes committed' "$TEST_TMP/exit.out")" = 0
check_eq "the edits stay staged" "outbound.methods|tlsv1_2 sslconfig.peer_cert_x509|enabled" \
	"$(sqlite3 "$home/config.db" "SELECT key, value FROM staged ORDER BY key" | paste -sd ' ' -)"

# ---- failing batches: status 1, committed config and staged edits untouched ----
# The home already has an edit staged by the batch above (an earlier session):
# a failing batch must keep it, and drop only what it staged itself.
failing() { # DESCRIPTION INPUT [tlsgate args...]
	local d=$1 input=$2 committed staged status
	shift 2
	committed=$(committed_dump "$home")
	staged=$(staged_dump "$home")
	printf '%b' "$input" | "$TLSGATE" --home "$home" "$@" >"$TEST_TMP/fail.out" 2>&1
	status=$?
	check_eq "$d: exit status 1" 1 "$status"
	check_eq "$d: committed configuration unchanged" "$committed" "$(committed_dump "$home")"
	check_eq "$d: staged edits as before the batch" "$staged" "$(staged_dump "$home")"
	check "$d: says it stopped" grep -q '^-- Stopped on an error' "$TEST_TMP/fail.out"
}

failing "non-contiguous methods" 'sslconfig\nINBOUND\n1,3\n\n\n\ncommit\nx\n\n'
failing "method out of range" 'sslconfig\nGUI\n5\n\n\n\ncommit\nx\n\n'
failing "method junk" 'sslconfig\nGUI\n1-\n\n\n\ncommit\nx\n\n'
failing "unknown cipher" 'sslconfig\nINBOUND\n1-3\nNOSUCHCIPHER\n\n\ncommit\nx\n\n'
failing "cipher with a blank" 'sslconfig\nINBOUND\n2\nHIGH MEDIUM\n\n\ncommit\nx\n\n'
failing "bad yes/no answer" 'sslconfig\nGUI\n2\n\nperhaps\n\ncommit\nx\n\n'
failing "unknown operation" 'sslconfig\nNOSUCHOP\n\ncommit\nx\n\n'
failing "bad flag operation" 'sslconfig\nPEER_CERT_FQDN\nDISABLE\n\ncommit\nx\n\n'
failing "unknown command" 'bogus\ncommit\nx\n\n'
failing "bad host name" 'sethostname\n-bad-\ncommit\nx\n\n'
failing "sslconfig with an argument" 'sslconfig now\ncommit\nx\n\n'
failing "input ends inside a command" 'sslconfig\nINBOUND\n'
failing "input ends inside a flag menu" 'sslconfig\nPEER_CERT_X509\n'
failing "input ends at the commit comment" 'sslconfig\nPEER_CERT_X509\nENABLE\n\ncommit\n'
failing "an error after valid edits" \
	'sslconfig\nPEER_CERT_FQDN\nENABLE\nGUI\n1-2\n\n\n\nsethostname x.example.com\nsslconfig\nINBOUND\n1,4\n\n\n\ncommit\nnever\n\n'
failing "an unclosed quote" 'sethostname y.example.com; commit "never\n'
failing "a line too long" "sethostname z.example.com\n$(head -c 5000 /dev/zero | tr '\0' 'a')\ncommit\nx\n\n"
failing "-c with an error" 'INBOUND\n1-2\n\n\n\n' -c 'sslconfig; bogus; commit "never"'
failing "-c with a bad answer on stdin" 'INBOUND\n9\n' -c 'sslconfig; commit "never"'

# A commit inside the batch is final; an error after it drops only what came after.
home=$(new_home commit-then-error)
version=$(latest_version "$home")
printf 'sslconfig\nINBOUND\n1-3\n\n\n\ncommit "first"\nsslconfig\nPEER_CERT_FQDN\nENABLE\n\nbogus\n' |
	"$TLSGATE" --home "$home" >"$TEST_TMP/cte.out" 2>&1
check_eq "commit then an error: exit 1" 1 "$?"
check_eq "the commit before the error stands" "$((version + 1)) tlsv1_1tlsv1_2tlsv1_3 disabled" \
	"$(latest_version "$home") $(latest_value "$home" inbound.methods) $(latest_value "$home" sslconfig.peer_cert_fqdn)"
check_eq "the edit after it is dropped" "" "$(staged_dump "$home")"
check "and the message says what was discarded" \
	grep -q "^-- Stopped on an error: the edits staged since this input's last commit were discarded" \
	"$TEST_TMP/cte.out"

# ---- usage errors ----
"$TLSGATE" --home "$home" --no-such-option </dev/null >/dev/null 2>"$TEST_TMP/usage.err"
check_eq "an unknown option exits 2" 2 "$?"
check "with the usage on stderr" grep -q '^Usage: tlsgate' "$TEST_TMP/usage.err"
"$TLSGATE" --home "$home" stray </dev/null >/dev/null 2>&1
check_eq "a stray argument exits 2" 2 "$?"

# ---- file modes ----
modes_home=$TEST_TMP/modes/home
mkdir -p "$TEST_TMP/modes"
(umask 000 && "$TLSGATE" --home "$modes_home" -c 'sethostname m.example.com; commit "modes"' \
	</dev/null >/dev/null 2>&1)
check_eq "under umask 000 the batch works" 0 "$?"
mode() { stat -c %a "$1"; }
check_eq "a new home is created 0700" 700 "$(mode "$modes_home")"
check_eq "config.db is 0600" 600 "$(mode "$modes_home/config.db")"
# keep a session open so that the WAL files exist, and look at them too
mkfifo "$TEST_TMP/modes/fifo"
(umask 000 && exec "$TLSGATE" --home "$modes_home" <"$TEST_TMP/modes/fifo" >/dev/null 2>&1) &
pid=$!
at_exit "kill $pid"
exec 3>"$TEST_TMP/modes/fifo"
printf 'sslconfig\nPEER_CERT_FQDN\nENABLE\n\n' >&3
_has_wal() { [ -e "$modes_home/config.db-wal" ] && [ -e "$modes_home/config.db-shm" ]; }
_fqdn_staged() { [ -n "$(sqlite3 "$modes_home/config.db" "SELECT 1 FROM staged")" ]; }
check "an open session has written its edit" poll 10 _fqdn_staged
if _has_wal; then
	check_eq "config.db-wal is 0600" 600 "$(mode "$modes_home/config.db-wal")"
	check_eq "config.db-shm is 0600" 600 "$(mode "$modes_home/config.db-shm")"
else
	ok "no -wal/-shm files present (nothing to check)"
fi
exec 3>&-
_dead() { ! kill -0 "$pid" 2>/dev/null; }
check "end of input ends that session" poll 10 _dead
check_eq "nothing in the home is open to group or others" "" \
	"$(find "$modes_home" -perm /077 -printf '%m %P\n')"

loose=$TEST_TMP/modes/loose
mkdir -m 0755 "$loose"
"$TLSGATE" --home "$loose" -c help </dev/null >/dev/null 2>&1
check_eq "an existing home open to others is narrowed to 0700" 700 "$(mode "$loose")"
check_eq "and its new config.db is 0600" 600 "$(mode "$loose/config.db")"

# --- one-line commands: none dropped, none truncated
many=$(new_home many)
cmds=$(for i in $(seq 100); do printf 'sethostname h%d.example.com; ' "$i"; done)
"$TLSGATE" --home "$many" -c "${cmds}commit \"many\"" </dev/null >"$TEST_TMP/many.out" 2>&1
check_eq "100 commands on one -c line: exit 0" 0 $?
check_eq "the last of the 100 was run" h100.example.com \
	"$(sqlite3 "$many/config.db" "SELECT value FROM config_values WHERE key='system.hostname' AND version=(SELECT max(version) FROM config_versions)")"
long=$(head -c 5000 /dev/zero | tr '\0' a)
"$TLSGATE" --home "$many" -c "help; sethostname $long; commit \"x\"" </dev/null >"$TEST_TMP/long.out" 2>&1
check_eq "a 5000-byte command inside a -c line: exit 1" 1 $?
check "it is refused as too long, not truncated" grep -q 'That value is not valid. The line is too long.' "$TEST_TMP/long.out"

done_testing
