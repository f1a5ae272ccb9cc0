#!/usr/bin/env bash
# test_live_commit: issue 11 problems 1 and 3 in the documented deployment.
# An operator's commit over SSH is enforced by tlsgated (its own Unix user)
# before the ssh command returns, checked at once with openssl s_client, and
# the console never says "tlsgated is not running" while it runs; "commit
# confirmed 5s" is reverted by that daemon at its deadline; the audit line of
# every console user's commit is in logs/cli_logs whichever process created
# logs/ first (the daemon here: it starts first on the fresh home).
#
# Regression test of issue 11 problems 1 and 3: the enforcement,
# confirmed-revert, audit and mode checks failed before the commit plan (main
# d868a45: group access to the control socket, the daemon watching the
# database, a logs/ folder both sides can write).
. "$(dirname "$0")/deploy_lib.sh"
deploy_up
logs=$SSH_HOME/logs/cli_logs

# ---- before: GUI HTTPS speaks TLS v1.2 (the factory methods), not v1.3 on SMTP ----
check_eq "before: GUI HTTPS accepts a TLS v1.2 client" TLSv1.2 "$(s_gui -tls1_2)"
check_eq "before: inbound SMTP refuses a TLS v1.3 client" "" "$(s_smtp -tls1_3)"

# ---- the operator disables TLS v1.2 on GUI HTTPS (piped answers) ----
v=$(latest_version)
printf 'GUI\n1\n\n\n\n' | ssh_as "$OP" 'sslconfig; commit "GUI: TLS v1.3 only"' \
	>"$TEST_TMP/out" 2>&1
status=$?
# s_client runs the moment ssh has returned: no sleep, no poll.
after12=$(s_gui -tls1_2)
after13=$(s_gui -tls1_3)
check_eq "operator: sslconfig; commit over ssh exits 0" 0 "$status"
check_eq "operator: committed one version, as $OP" "$((v + 1)) $OP tlsv1_3" \
	"$(latest_version) $(latest_user) $(latest_value gui.methods)"
check "the commit did not say \"tlsgated is not running\" (it runs)" \
	sh -c "! grep -q 'not running' '$TEST_TMP/out'"
check "nor that tlsgated did not apply it" sh -c "! grep -q 'did not apply' '$TEST_TMP/out'"
check_eq "enforced before ssh returned: GUI HTTPS refuses a TLS v1.2 client" "" "$after12"
check_eq "enforced before ssh returned: GUI HTTPS accepts a TLS v1.3 client" TLSv1.3 "$after13"
grep -E 'not running|Warning' "$TEST_TMP/out" | sed 's/^/#   /'

# ---- the control socket, open to the group: harmless requests only ----
# A group member with a shell (here the guest, through runuser) talks to
# tlsgated.sock directly: "apply 1" must not bring version 1 (TLS v1.2 on
# GUI HTTPS) back; only the latest committed version is ever applied.
ctl_as() { # USER REQUEST: one request on the socket, as USER; prints the reply
	runuser -u "$1" -- "$PYTHON" -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
print(s.makefile().readline().strip())' "$SSH_HOME/tlsgated.sock" "$2" 2>&1
}
check_eq "the guest can ask the daemon's status" "version $((v + 1))" "$(ctl_as "$GST" status)"
ctl_as "$GST" "apply 1" >"$TEST_TMP/out"
check_eq "the guest's \"apply 1\" leaves the latest version applied" "version $((v + 1))" \
	"$(ctl_as "$GST" status)"
check_eq "GUI HTTPS still refuses TLS v1.2 (version 1 was not applied)" "" "$(s_gui -tls1_2)"
check_eq "an unknown request is refused" "error unknown request" "$(ctl_as "$GST" stop)"

# ---- problem 3: the audit line, logs/ created by the daemon ----
check_eq "logs/ was created by the daemon's user (it started first)" "$DAEMON_USER" \
	"$(stat -c %U "$SSH_HOME/logs")"
check "the operator's commit has its audit line in logs/cli_logs" \
	grep -qE "Info: commit: user $OP version $((v + 1)) comment \"GUI: TLS v1.3 only\"" "$logs"
check "the first admin's setup commit has one too" \
	grep -qE "Info: commit: user $ADM version 2 comment \"deployment\"" "$logs"
check "no console session warned that it cannot write the audit log" \
	sh -c "! grep -q 'cannot write the audit log' '$TEST_TMP/out' '$SSH_DIR/setup.out'"
check "the daemon still writes its mail log in the same folder" \
	grep -q 'tlsgated starting' "$SSH_HOME/logs/mail_logs"
# Everything both sides use is the group's: spool/ is the daemon's alone.
check_eq "every file in the shared home (spool/ aside) is the group's, read-write" "" \
	"$(find "$SSH_HOME" -path "$SSH_HOME/spool" -prune -o \( ! -group "$SSH_GROUP" -o \
		! -perm -g+rw \) -print)"
check_eq "and every folder there is setgid 2770" "" \
	"$(find "$SSH_HOME" -path "$SSH_HOME/spool" -prune -o -type d ! -perm -2770 -print)"

# ---- commit confirmed 5s by the operator: reverted by the daemon ----
v=$(latest_version)
printf 'INBOUND\n1-2\n\n\n\n' | ssh_as "$OP" 'sslconfig; commit confirmed 5s "try TLS 1.3"' \
	>"$TEST_TMP/out" 2>&1
status=$?
now13=$(s_smtp -tls1_3)
check_eq "commit confirmed 5s over ssh exits 0" 0 "$status"
check "it says when it will be reverted" said 'will be reverted at'
check "and not that tlsgated is not running" sh -c "! grep -q 'not running' '$TEST_TMP/out'"
check_eq "enforced at once: inbound SMTP accepts a TLS v1.3 client" TLSv1.3 "$now13"
reverted() { [ "$(latest_version)" = "$((v + 2))" ]; }
check "after the deadline the daemon writes the revert (a new version, by system)" \
	poll 20 reverted
check_eq "the revert restores the methods" "system tlsv1_1tlsv1_2" \
	"$(latest_user) $(latest_value inbound.methods)"
check_eq "and the running daemon enforces it: TLS v1.3 refused again" "" "$(s_smtp -tls1_3)"
check_eq "TLS v1.2 still accepted" TLSv1.2 "$(s_smtp -tls1_2)"
check "the mail log says the version was not confirmed" \
	grep -qE "Configuration version $((v + 1)) was not confirmed" "$SSH_HOME/logs/mail_logs"
check "the audit log has the revert by system" grep -qE "revert: user system version $((v + 2)) " \
	"$logs"
ssh_as "$OP" rollbackconfig </dev/null >"$TEST_TMP/out" 2>&1
check "rollbackconfig lists the unconfirmed commit by the operator" \
	said "^ *[0-9]+\. .* $((v + 1)) +$OP +try TLS 1.3"

# ---- a commit the daemon is not told about: the database is the source of truth ----
# The socket is moved away (as if the console died between its write and its
# notify): the daemon must still apply the new version by itself.
mv "$SSH_HOME/tlsgated.sock" "$SSH_DIR/moved.sock"
printf 'GUI\n1-2\n\n\n\n' | ssh_as "$OP" 'sslconfig; commit "GUI: TLS v1.2 again"' \
	>"$TEST_TMP/out" 2>&1
check_eq "a commit while the control socket is unreachable: exit 0" 0 "$?"
gui12() { [ "$(s_gui -tls1_2)" = TLSv1.2 ]; }
check "the daemon applies it by itself within 3 s (GUI HTTPS accepts TLS v1.2 again)" poll 3 gui12
mv "$SSH_DIR/moved.sock" "$SSH_HOME/tlsgated.sock"

# ---- the other order: the console creates logs/ first, the daemon starts after ----
dep_stop_daemon
rm -rf "${SSH_HOME:?}"/* "${SSH_HOME:?}"/.[!.]* 2>/dev/null
printf 'NEW\n%s\n2\noperpass1\noperpass1\n\n' "$OP" | ssh_as "$ADM" 'sethostname mail.example.com; userconfig; commit "console first"' \
	>"$TEST_TMP/out" 2>&1
check_eq "console first on a fresh home: the admin's setup commit exits 0" 0 "$?"
check_eq "logs/ was created by the admin's session" "$ADM" "$(stat -c %U "$SSH_HOME/logs")"
if dep_start_daemon; then ok "tlsgated starts on the home the console created"; else
	not_ok "tlsgated starts on the home the console created"
	sed 's/^/#   /' "$SSH_DIR/tlsgated.log" | tail -n 5
fi
check "the daemon writes its mail log in the console's logs/" \
	poll 5 grep -q 'tlsgated starting' "$SSH_HOME/logs/mail_logs"
v=$(latest_version)
printf 'OUTBOUND\n1-2\n\n\n' | ssh_as "$OP" 'sslconfig; commit "console first: outbound"' \
	>"$TEST_TMP/out" 2>&1
check_eq "the operator's commit exits 0" 0 "$?"
check "its audit line is written" \
	grep -qE "Info: commit: user $OP version $((v + 1)) comment \"console first: outbound\"" "$logs"
check "and it did not say \"tlsgated is not running\"" sh -c "! grep -q 'not running' '$TEST_TMP/out'"

done_testing
