#!/usr/bin/env bash
# test_console: the console over a real sshd, as a ForceCommand (Match Group)
# and as a login shell, in the deployment of deploy_lib.sh. An interactive
# `ssh -tt` session edits, commits and exits, and an SMTP client proves the
# commit is enforced by tlsgated running as its own user; `ssh host
# "sslconfig"` with answers on stdin and `ssh host 'cmd; commit "msg"'` follow
# the batch rules: exit 0 on success, non-zero with nothing committed on any
# error. No command line reaches a system shell; --user cannot impersonate.
. "$(dirname "$0")/deploy_lib.sh"

sh=$(dep_add_user sh "$SSH_DIR/bin/tlsgate") # tlsgate as the login shell
deploy_up "$sh"
adm=$ADM
printf 'NEW\n%s\n2\nshellpass1\nshellpass1\n\n' "$sh" | ssh_as "$adm" 'userconfig; commit "login shell user"' >/dev/null 2>&1
check_eq "the admin adds the login-shell user as an operator" "role=operator" "$(latest_value "user.$sh")"

# The engines run as their own user on the same home. Inbound SMTP must
# refuse TLS v1.3 before the interactive commit and offer it right after.
# (Regression test of issue 11: before the commit plan the console could not
# reach the daemon's 0600 socket and the "after" check failed.)
check_eq "tlsgated: before the commit, STARTTLS with TLS v1.3 is refused" "" "$(s_smtp -tls1_3)"

# ---- an interactive session (ForceCommand, ssh -tt) ----
v=$(latest_version)
"$PYTHON" "$DEPLOY/sessions.py" interactive --port "$SSH_PORT" \
	--identity "$SSH_DIR/client_key" --user "$adm" >"$TEST_TMP/interactive.log" 2>&1
status=$?
check_eq "ssh -tt: the interactive session passes" "0 scenario ok" \
	"$status $(tail -n 1 "$TEST_TMP/interactive.log")"
grep '^scenario FAILED' "$TEST_TMP/interactive.log" | sed 's/^/#   /'
check "ssh -tt: Ctrl-C abandoned a dialog with \"-- Changes not recorded\"" \
	grep -q 'step: Ctrl-C abandoned' "$TEST_TMP/interactive.log"
check_eq "ssh -tt: one version committed, by the SSH user" "$((v + 1)) $adm" \
	"$(latest_version) $(console_sql "SELECT user FROM config_versions WHERE version = $((v + 1))")"
check_eq "ssh -tt: with the INBOUND methods" tlsv1_1tlsv1_2tlsv1_3 "$(latest_value inbound.methods)"
check_eq "ssh -tt: nothing left staged" "" "$(staged_dump)"

check_eq "tlsgated: after the commit, STARTTLS with TLS v1.3 succeeds" TLSv1.3 "$(s_smtp -tls1_3)"
check_eq "tlsgated: TLS v1.0 stays refused" "" "$(s_smtp -tls1 -cipher DEFAULT@SECLEVEL=0)"

# ---- ssh host "sslconfig", answers on stdin ----
printf 'OUTBOUND\n1-2\n\n\n' | ssh_as "$adm" sslconfig >"$TEST_TMP/piped.out" 2>&1
check_eq 'ssh host "sslconfig" with piped answers exits 0' 0 "$?"
check_eq "and leaves the edit staged (no commit asked for)" "$adm|outbound.methods|tlsv1_2tlsv1_3" \
	"$(staged_dump)"
check "the session was told nothing unusual (no shell noise)" \
	sh -c "head -n 1 '$TEST_TMP/piped.out' | grep -q '^sslconfig settings:'"
ssh_as "$adm" 'commit "outbound over ssh"' </dev/null >"$TEST_TMP/commit.out" 2>&1
check_eq 'ssh host '\''commit "msg"'\'' exits 0' 0 "$?"
check_eq "and committed the outbound methods" tlsv1_2tlsv1_3 "$(latest_value outbound.methods)"
check "with the one-line comment" \
	test "$(console_sql "SELECT comment FROM config_versions ORDER BY version DESC LIMIT 1")" \
	= "outbound over ssh"

printf 'PEER_CERT_FQDN\nENABLE\n\n' | ssh_as "$adm" 'sslconfig; commit "fqdn; on"' \
	>"$TEST_TMP/line.out" 2>&1
check_eq 'ssh host '\''sslconfig; commit "msg"'\'' exits 0' 0 "$?"
check_eq "and committed the flag, the quoted ';' kept in the comment" "enabled|fqdn; on" \
	"$(latest_value sslconfig.peer_cert_fqdn)|$(console_sql "SELECT comment FROM config_versions ORDER BY version DESC LIMIT 1")"

# ---- failing batches over ssh: non-zero, nothing committed, nothing staged ----
failing() { # DESCRIPTION INPUT COMMAND
	local committed staged status
	committed=$(committed_sum)
	staged=$(staged_dump)
	printf '%b' "$2" | ssh_as "$adm" "$3" >"$TEST_TMP/fail.out" 2>&1
	status=$?
	check_eq "$1: exit status 1" 1 "$status"
	check_eq "$1: committed configuration unchanged" "$committed" "$(committed_sum)"
	check_eq "$1: staged edits unchanged" "$staged" "$(staged_dump)"
}
failing "an unknown command between edits" 'INBOUND\n1-2\n\n\n\n' 'sslconfig; bogus; commit "never"'
failing "a method out of range" 'INBOUND\n9\n' 'sslconfig; commit "never"'
failing "non-contiguous methods" 'INBOUND\n1,3\n\n\n\n' 'sslconfig; commit "never"'
failing "input ending inside a dialog" 'INBOUND\n' 'sslconfig; commit "never"'
failing "an unclosed quote" '' 'sethostname x.example.com; commit "never'
failing "a bad answer in a piped session" 'sslconfig\nGUI\n1-\n\n\n\ncommit\nx\n\n' ''

# ---- no way out to a system shell ----
for cmd in bash 'sh -c id' '/bin/sh' 'id; sslconfig' 'exec /bin/sh' '$(id)' '`id`' '!sh'; do
	out=$(ssh_as "$adm" "$cmd" </dev/null 2>&1)
	status=$?
	check "no shell: \"$cmd\" is an unknown command, exit 1" \
		sh -c "[ $status = 1 ] && printf '%s' \"\$1\" | grep -q '^Unknown command' && \
			! printf '%s' \"\$1\" | grep -q 'uid='" _ "$out"
done
out=$(ssh_as "$adm" -s sftp </dev/null 2>&1)
check "no shell: the sftp subsystem is refused" test $? -ne 0
# (logs/cli_logs: failed before issue 11's shared logs/)
check "and the refusal is logged" grep -q "user $adm SFTP session refused" \
	"$SSH_HOME/logs/cli_logs"

# ---- identity: the SSH login name; --user refused over SSH ----
out=$(runuser -u "$adm" -- env SSH_CONNECTION="127.0.0.1 1 127.0.0.1 22" \
	"$SSH_DIR/bin/tlsgate" --home "$SSH_HOME" --user root -c help </dev/null 2>&1)
check_eq "--user in an SSH session (not root) exits 2" 2 "$?"
check "and says why" sh -c "printf '%s' \"\$1\" | grep -q -- '--user cannot be used in an SSH session'" \
	_ "$out"
check_eq "the commits above are recorded under the SSH user (setup, users and 3 here)" 5 \
	"$(console_sql "SELECT count(*) FROM config_versions WHERE user = '$adm'")"

# ---- tlsgate as the login shell (sshd runs "tlsgate -c CMD", or "-tlsgate") ----
out=$(ssh_as "$sh" help </dev/null 2>&1)
check_eq "login shell: ssh host help exits 0" 0 "$?"
check "login shell: the command table is listed" \
	sh -c "printf '%s' \"\$1\" | grep -q '^sslconfig       Configure SSL settings.'" _ "$out"
printf 'INBOUND\n2\n\n\n\n' | ssh_as "$sh" 'sslconfig; commit "from a login shell"' \
	>"$TEST_TMP/login.out" 2>&1
check_eq "login shell: sslconfig; commit exits 0" 0 "$?"
check_eq "login shell: committed by that user on the SetEnv home" "tlsv1_2 $sh" \
	"$(latest_value inbound.methods) $(console_sql "SELECT user FROM config_versions ORDER BY version DESC LIMIT 1")"
printf 'help\nexit\n' | ssh_as "$sh" -tt >"$TEST_TMP/login-tty.out" 2>&1
check_eq "login shell: an interactive ssh -tt session exits 0" 0 "$?"
check "login shell: it showed the prompt and ran help" \
	sh -c "grep -q 'mail.example.com> ' '$TEST_TMP/login-tty.out' && \
		grep -q 'Available commands:' '$TEST_TMP/login-tty.out'"
check "login shell: sshd started it as a shell, not a command" \
	grep -q "Starting session: shell on pts/[0-9]* for $sh" "$SSH_DIR/sshd.log"
out=$(ssh_as "$sh" 'bash' </dev/null 2>&1)
check_eq "login shell: no system shell either" 1 "$?"

done_testing
