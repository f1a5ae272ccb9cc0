#!/usr/bin/env bash
# test_pexpect: AsyncOS automation works unchanged. asyncos_client.py, a
# pexpect client written the way scripts against real appliances are (prompt
# learned with "(?:^|\r?\n)([^\r\n]{1,120}?)> $", questions by "[...]> "),
# logs in over a real ssh to a real sshd, runs sslconfig -> INBOUND, commits
# answering the comment and rollback questions, and leaves with exit,
# answering N to "? [N]>". Once certconfig exists, the same run also imports
# a PKCS#12 file uploaded with scp -O, as the spec's automation does.
. "$(dirname "$0")/deploy_lib.sh"

sh=$(dep_add_user sh "$SSH_DIR/bin/tlsgate")
deploy_up "$sh"
adm=$ADM
printf 'NEW\n%s\n2\nshellpass1\nshellpass1\n\n' "$sh" | ssh_as "$adm" 'userconfig; commit "login shell user"' >/dev/null 2>&1
check_eq "the admin adds the login-shell user as an operator" "role=operator" "$(latest_value "user.$sh")"

client_args=()
if "$TLSGATE" --home "$TEST_TMP/probe" -c help </dev/null | grep -q '^certconfig '; then
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TEST_TMP/key.pem" -out "$TEST_TMP/cert.pem" \
		-days 30 -subj "/CN=mail.example.com" >/dev/null 2>&1
	openssl pkcs12 -export -in "$TEST_TMP/cert.pem" -inkey "$TEST_TMP/key.pem" \
		-passout pass:secret -out "$TEST_TMP/automation.p12" >/dev/null 2>&1
	scp_as -O "$TEST_TMP/automation.p12" "$adm@127.0.0.1:/configuration/" >/dev/null 2>&1
	check_eq "certconfig: the PKCS#12 file is uploaded with scp -O" 0 "$?"
	client_args=(--import-file automation.p12 --import-name automation --passphrase secret)
else
	echo "# certconfig is not in the command table yet: the IMPORT part is not run"
fi

# ---- the client against a ForceCommand user ----
# With a terminal description here, without one below (TERM unset, as for
# automation run from cron): the long cipher prompt must arrive intact in both.
v=$(latest_version)
TERM=xterm "$PYTHON" "$DEPLOY/asyncos_client.py" --port "$SSH_PORT" --user "$adm" \
	--identity "$SSH_DIR/client_key" --comment "automation: inbound TLS" --stage-before-exit \
	"${client_args[@]}" >"$TEST_TMP/client.log" 2>&1
check_eq "the pexpect client passes" 0 "$?"
grep '# client: FAILED' "$TEST_TMP/client.log" | sed 's/^/#   /'
check "it learned the prompt \"mail.example.com> \"" \
	grep -q "^# client: learned the prompt 'mail.example.com> '" "$TEST_TMP/client.log"
check_eq "its commit: the INBOUND methods, by the SSH user, with its comment" \
	"tlsv1_1tlsv1_2tlsv1_3|$adm|automation: inbound TLS|1" \
	"$(latest_value inbound.methods)|$(console_sql "SELECT user, comment, saved_for_rollback
		FROM config_versions WHERE version = $((v + 1))")"
check "it saw \"Changes committed\"" grep -q '^# client: committed' "$TEST_TMP/client.log"
check "exit asked \"? [N]>\" and the client answered N" \
	grep -q 'Do you want to commit before exiting? \[N\]> N' "$TEST_TMP/client.log"
check_eq "so its last edit stays staged, not committed" \
	"$adm|sslconfig.peer_cert_fqdn|enabled disabled" \
	"$(staged_dump) $(latest_value sslconfig.peer_cert_fqdn)"
if [ ${#client_args[@]} -gt 0 ]; then
	check "certconfig: the certificate was imported" \
		grep -q '^# client: imported automation.p12' "$TEST_TMP/client.log"
else
	check_eq "nothing else was committed" "$((v + 1))" "$(latest_version)"
fi

# ---- the same client, unchanged, against tlsgate as a login shell ----
env -u TERM "$PYTHON" "$DEPLOY/asyncos_client.py" --port "$SSH_PORT" --user "$sh" \
	--identity "$SSH_DIR/client_key" --methods 2 >"$TEST_TMP/client-login.log" 2>&1
check_eq "the pexpect client passes against a login shell, TERM unset" 0 "$?"
grep '# client: FAILED' "$TEST_TMP/client-login.log" | sed 's/^/#   /'
check_eq "and committed as that user" "tlsv1_2 $sh" \
	"$(latest_value inbound.methods) $(console_sql "SELECT user FROM config_versions
		ORDER BY version DESC LIMIT 1")"

done_testing
