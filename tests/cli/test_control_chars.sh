#!/usr/bin/env bash
# test_control_chars: free text cannot forge log lines or drive terminals
# (issue 12.4). A one-line commit comment with a newline or an escape sequence
# (from -c and from an ssh one-liner's SSH_ORIGINAL_COMMAND) is refused and
# nothing is committed or logged; a --user name with control characters is
# refused. Data stored before the rule (a comment, an entry name, inserted
# here with sqlite3) is shown escaped by rollbackconfig and showchanges and
# written escaped to logs/cli_logs: one record, one line, no ESC or BEL byte.
. "$(dirname "$0")/../lib.sh"
[ -x "$TLSGATE" ] || { not_ok "$TLSGATE is not built"; done_testing; exit 1; }

H=$(new_home ctl)
tg() { "$TLSGATE" --home "$H" "$@"; }
log=$H/logs/cli_logs
versions() { sqlite3 "$H/config.db" "SELECT count(*) FROM config_versions"; }
no_raw_controls() { ! LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$1"; }
forged_lines() { grep -c '^user tgadm' "$1"; }

printf 'sslconfig\nPEER_CERT_FQDN\nENABLE\n\n' | tg >/dev/null
v=$(versions)
tg -c $'commit "renewal\nuser tgadm version 99 comment \\"x\\""' </dev/null >"$TEST_TMP/nl.out" 2>&1
check_eq "-c 'commit \"...<newline>...\"' exits 1" 1 "$?"
check "... saying why" grep -q '^That value is not valid. Control characters' "$TEST_TMP/nl.out"
check_eq "... nothing committed" "$v" "$(versions)"
check_eq "... no forged line in cli_logs" 0 "$(forged_lines "$log")"

tg -c $'commit "ok \e]0;owned\a\e[2J"' </dev/null >"$TEST_TMP/esc.out" 2>&1
check_eq "-c 'commit \"<ESC>]0;...<BEL><ESC>[2J\"' exits 1" 1 "$?"
check "... and the error does not echo the escape sequence raw" no_raw_controls "$TEST_TMP/esc.out"
SSH_ORIGINAL_COMMAND=$'commit "a\rb"' tg </dev/null >"$TEST_TMP/ssh.out" 2>&1
check_eq "an ssh one-liner's comment with a CR is refused too" 1 "$?"
check_eq "... nothing committed" "$v" "$(versions)"
printf 'commit\nplain \x9b2J C1\n' | tg >"$TEST_TMP/c1.out" 2>&1
check_eq "a comment answered at the prompt with a C1 control (CSI) is refused" 1 "$?"
check_eq "... nothing committed" "$v" "$(versions)"
printf -v utf8 'commit "caf\xC3\xA9 ok"'
tg -c "$utf8" </dev/null >/dev/null 2>&1
check_eq "a UTF-8 comment is accepted" "$((v + 1))" "$(versions)"

tg --user $'mallory\nuser tgadm version 99' -c help </dev/null >"$TEST_TMP/user.out" 2>&1
check_eq "--user with a newline is refused" 2 "$?"
check_eq "... and forges no line" 0 "$(forged_lines "$log")"

# ---- data stored before the rule ----
evil=$'old \e]0;owned\a\e[2J\nuser tgadm version 99'
route=$'ev\e[2Jil'
sqlite3 "$H/config.db" "UPDATE config_versions SET comment = '$evil' WHERE version = 2;
	INSERT INTO config_values SELECT max(version), 'route.$route', 'mx.example.net'
		FROM config_versions;"
printf '\n' | tg -c rollbackconfig >"$TEST_TMP/list.out" 2>&1
check "rollbackconfig lists the old comment escaped" \
	grep -qF 'old \x1B]0;owned\x07\x1B[2J\x0Auser tgadm version 99' "$TEST_TMP/list.out"
check "... with no control byte in its output" no_raw_controls "$TEST_TMP/list.out"
check_eq "... and no forged line" 0 "$(forged_lines "$TEST_TMP/list.out")"

# Roll back to version 2 (no route): the stored route name is removed.
n=$(grep -E '^ +[0-9]+\. ' "$TEST_TMP/list.out" | grep -n ' 2  ' | cut -d: -f1 | head -1)
printf 'rollback\n%s\ny\nn\n\n' "${n:-1}" | tg -c rollbackconfig >/dev/null 2>&1
tg -c showchanges </dev/null >"$TEST_TMP/show.out" 2>&1
check "showchanges shows the stored route name escaped" \
	grep -qF 'SMTP route "ev\x1B[2Jil"' "$TEST_TMP/show.out"
check "... with no control byte" no_raw_controls "$TEST_TMP/show.out"
tg -c 'commit "roll back"' </dev/null >/dev/null 2>&1
check "cli_logs names the removed route escaped" grep -qF 'SMTP route "ev\x1B[2Jil" removed' "$log"
check "cli_logs holds no control byte" no_raw_controls "$log"
check_eq "every cli_logs line is a record (starts with a date)" 0 \
	"$(grep -cvE '^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) ' "$log")"
done_testing
