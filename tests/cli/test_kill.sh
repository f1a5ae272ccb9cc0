#!/usr/bin/env bash
# test_kill: staged edits are written as they are made, so they survive a
# SIGKILL of the shell (terminal or pipe); the user's next session is told and
# can commit them. Also: one-line `-c "cmd; cmd"` use, and a second user never
# seeing the first one's staged edits.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tmux.sh"
[ -x "$TLSGATE" ] || { not_ok "$TLSGATE is not built"; done_testing; exit 1; }

notice="You have uncommitted changes from an earlier session."

staged_rows() { # HOME USER
	sqlite3 "$1/config.db" "SELECT key || '=' || value FROM staged WHERE user = '$2'
		ORDER BY key" | paste -sd ' ' -
}
latest_value() { # HOME KEY
	sqlite3 "$1/config.db" "SELECT value FROM config_values WHERE key = '$2' AND
		version = (SELECT max(version) FROM config_versions)"
}
latest_version() { sqlite3 "$1/config.db" "SELECT max(version) FROM config_versions"; }
_rows_are() { [ "$(staged_rows "$1" "$2")" = "$3" ]; }
_dead() { ! kill -0 "$1" 2>/dev/null || grep -q ' Z ' "/proc/$1/stat" 2>/dev/null; }

# ---- SIGKILL of the interactive shell ----
home=$(new_home kill-tty)
s=alice
tm_start "$s" "'$TLSGATE' --home '$home' --user alice"
wait_last "$s" '^mail\.example\.com>$'
answer "$s" sslconfig "sslconfig settings:"
answer "$s" INBOUND "Enter the inbound SMTP SSL method you want to use."
answer "$s" "1-3" "Enter the inbound SMTP ssl cipher you want to use."
answer "$s" "" "Do you want to enable TLS Renegotiation for inbound SMTP?"
answer "$s" "" "Inbound SMTP method: tlsv1_1tlsv1_2tlsv1_3"
check "the INBOUND edit is staged while the shell runs" \
	poll "$TMUX_WAIT" _rows_are "$home" alice "inbound.methods=tlsv1_1tlsv1_2tlsv1_3"
pid=$(tm_pid "$s")
check_eq "the pane's process is the shell" tlsgate "$(cat "/proc/$pid/comm" 2>/dev/null)"
kill -9 "$pid"
check "kill -9 ends it" wait_gone "$s"
check_eq "the staged edit is still in the database" "inbound.methods=tlsv1_1tlsv1_2tlsv1_3" \
	"$(staged_rows "$home" alice)"
version=$(latest_version "$home")

out=$(printf 'commit\nafter a kill\n\n' | "$TLSGATE" --home "$home" --user alice)
status=$?
check_eq "alice's next session exits 0" 0 "$status"
check_eq "it opens with the notice of uncommitted changes" "$notice" \
	"$(echo "$out" | head -n 1 | cut -c1-${#notice})"
check "and commit commits" grep -q '^Changes committed: ' <<<"$out"
check_eq "one new version" $((version + 1)) "$(latest_version "$home")"
check_eq "it holds the edit made before the kill" tlsv1_1tlsv1_2tlsv1_3 \
	"$(latest_value "$home" inbound.methods)"
check_eq "nothing staged any more" "" "$(staged_rows "$home" alice)"
out=$("$TLSGATE" --home "$home" --user alice -c help </dev/null)
check "the next session has no notice" test "${out#*"$notice"}" = "$out"

# ---- SIGKILL of a shell reading a pipe (fifo) ----
mkfifo "$TEST_TMP/fifo"
"$TLSGATE" --home "$home" --user carol <"$TEST_TMP/fifo" >"$TEST_TMP/carol.out" 2>&1 &
pid=$!
disown "$pid" # no "Killed" job report
at_exit "kill -9 $pid"
exec 3>"$TEST_TMP/fifo"
printf 'sslconfig\nOUTBOUND\n2\n\n\n' >&3
check "carol's OUTBOUND edit is staged while her shell waits for more input" \
	poll "$TMUX_WAIT" _rows_are "$home" carol "outbound.methods=tlsv1_2"
kill -9 "$pid"
check "kill -9 ends it" poll "$TMUX_WAIT" _dead "$pid"
exec 3>&-
check_eq "the edit survived" "outbound.methods=tlsv1_2" "$(staged_rows "$home" carol)"
out=$("$TLSGATE" --home "$home" --user carol -c 'commit "carol after kill"' </dev/null)
check_eq "one-line commit in carol's next session exits 0" 0 "$?"
check "it was told about the uncommitted changes" grep -qF "$notice" <<<"$out"
check_eq "and committed outbound TLS v1.2" tlsv1_2 "$(latest_value "$home" outbound.methods)"
check_eq "with the one-line comment" "carol|carol after kill" \
	"$(sqlite3 "$home/config.db" "SELECT user, comment FROM config_versions
		ORDER BY version DESC LIMIT 1")"

# ---- one-line commands ----
home=$(new_home one-line)
version=$(latest_version "$home")
out=$(printf 'INBOUND\n1-2\n\n\n\n' |
	"$TLSGATE" --home "$home" --user dave -c 'sslconfig; commit "tighten inbound"')
check_eq '-c "sslconfig; commit \"msg\"" exits 0' 0 "$?"
check_eq "the dialog's answers came from stdin: inbound is TLS v1.2-v1.3" tlsv1_2tlsv1_3 \
	"$(latest_value "$home" inbound.methods)"
check_eq "committed as one version by dave with the comment" \
	"$((version + 1))|dave|tighten inbound" \
	"$(sqlite3 "$home/config.db" "SELECT version, user, comment FROM config_versions
		ORDER BY version DESC LIMIT 1")"
check "the one-line commit asks no questions" \
	test "$(grep -c 'Please enter some comments' <<<"$out")" = 0

out=$("$TLSGATE" --home "$home" --user dave -c sslconfig </dev/null)
check_eq '-c sslconfig with no input shows the settings and exits 0' 0 "$?"
check "the settings block is shown" grep -qx "Inbound SMTP method: tlsv1_2tlsv1_3" <<<"$out"

"$TLSGATE" --home "$home" --user dave \
	-c 'sethostname semi.example.com; commit "a; b"' </dev/null >/dev/null
check_eq 'a ";" inside quotes belongs to the comment' "a; b" \
	"$(sqlite3 "$home/config.db" "SELECT comment FROM config_versions
		ORDER BY version DESC LIMIT 1")"
check_eq "and the host name was committed" semi.example.com \
	"$(latest_value "$home" system.hostname)"

before=$(committed_dump "$home")
out=$("$TLSGATE" --home "$home" --user dave \
	-c 'help; sethostname never.example.com; bogus; commit "never"' </dev/null)
check_eq '-c with an unknown command exits 1' 1 "$?"
check "the commands before it ran" grep -q '^Available commands:' <<<"$out"
check "the error is reported" grep -q '^Unknown command: "bogus"' <<<"$out"
check_eq "the commit after it did not run" "$before" "$(committed_dump "$home")"
check_eq "and the edit before it was discarded" "" "$(staged_rows "$home" dave)"
out=$("$TLSGATE" --home "$home" --user dave -c 'commit "unterminated' </dev/null)
check_eq "-c with an unclosed quote exits 1" 1 "$?"
check "and says so" grep -q '^That value is not valid' <<<"$out"

# ---- two users: staged edits are per user ----
home=$(new_home two-users)
printf 'PEER_CERT_X509\nENABLE\n\n' |
	"$TLSGATE" --home "$home" --user alice -c sslconfig >/dev/null
check_eq "alice staged X509 validation" "sslconfig.peer_cert_x509=enabled" \
	"$(staged_rows "$home" alice)"
out=$("$TLSGATE" --home "$home" --user bob -c 'sslconfig; commit' </dev/null)
check_eq "bob's session exits 0" 0 "$?"
check "bob is not told about alice's changes" test "${out#*"$notice"}" = "$out"
check "bob sees X509 validation disabled" \
	grep -qx "Peer certificate X509 validation: Disabled" <<<"$out"
check "bob has nothing to commit" grep -qx "There is no data to commit." <<<"$out"
out=$("$TLSGATE" --home "$home" --user alice -c sslconfig </dev/null)
check "alice is told about her uncommitted changes" grep -qF "$notice" <<<"$out"
check "and sees her own edit" grep -qx "Peer certificate X509 validation: Enabled" <<<"$out"
printf 'OUTBOUND\n1-2\n\n\n' |
	"$TLSGATE" --home "$home" --user bob -c 'sslconfig; commit "bob outbound"' >/dev/null
check_eq "bob commits his own edit" tlsv1_2tlsv1_3 "$(latest_value "$home" outbound.methods)"
check_eq "without alice's" disabled "$(latest_value "$home" sslconfig.peer_cert_x509)"
check_eq "alice's edit is still staged, for her" "sslconfig.peer_cert_x509=enabled" \
	"$(staged_rows "$home" alice)"
check_eq "bob has nothing staged" "" "$(staged_rows "$home" bob)"
"$TLSGATE" --home "$home" --user alice -c 'commit "alice x509"' </dev/null >/dev/null
check_eq "alice's commit keeps bob's outbound and adds her X509" \
	"tlsv1_2tlsv1_3 enabled" \
	"$(latest_value "$home" outbound.methods) $(latest_value "$home" sslconfig.peer_cert_x509)"

done_testing
