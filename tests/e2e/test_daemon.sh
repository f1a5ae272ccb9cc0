#!/usr/bin/env bash
# tlsgated itself: a fresh home (modes), the Demo certificate (RSA-2048,
# self-signed, stored in SQLite, served, kept across restarts, its key never
# logged), the control socket protocol, one daemon per home, clean stops,
# commits made while it is down, and a version it cannot build left unapplied.
. "$(dirname "$0")/e2e_lib.sh"

home=$TEST_TMP/fresh
if ! start_daemon "$home"; then
	not_ok "tlsgated starts on a home it creates"
	done_testing
	exit 1
fi
ok "tlsgated starts on a home it creates"
check_eq "modes: home, socket, logs, mail_logs, spool, config.db" "700 600 700 600 700 600" \
	"$(stat -c %a "$home" "$home/tlsgated.sock" "$home/logs" "$home/logs/mail_logs" "$home/spool" \
		"$home/config.db" | tr '\n' ' ' | sed 's/ $//')"
check "the control socket is a socket" test -S "$home/tlsgated.sock"

# The Demo certificate.
check_eq "one committed profile, Demo: a certificate and its key, no chain" "cert.Demo|1|1|1" \
	"$(sqlite3 "$home/config.db" "SELECT key, (length(value) - length(replace(value, 'BEGIN CERTIFICATE-', ''))) / 18,
		instr(value, 'BEGIN PRIVATE KEY') > 0, version FROM config_values WHERE key LIKE 'cert.%'")"
sqlite3 "$home/config.db" "SELECT value FROM config_values WHERE key = 'cert.Demo'" >"$TEST_TMP/demo.blob"
openssl x509 -in "$TEST_TMP/demo.blob" >"$TEST_TMP/demo.pem" 2>/dev/null
openssl pkey -in "$TEST_TMP/demo.blob" >"$TEST_TMP/demo.key" 2>/dev/null
openssl x509 -in "$TEST_TMP/demo.pem" -noout -text >"$TEST_TMP/demo.txt" 2>&1
check "Demo: RSA 2048-bit key" grep -q 'Public-Key: (2048 bit)' "$TEST_TMP/demo.txt"
check "Demo: signed with SHA-256" grep -q 'Signature Algorithm: sha256WithRSAEncryption' "$TEST_TMP/demo.txt"
check_eq "Demo: self-signed (issuer = subject)" \
	"$(openssl x509 -in "$TEST_TMP/demo.pem" -noout -subject | sed 's/^subject=//')" \
	"$(openssl x509 -in "$TEST_TMP/demo.pem" -noout -issuer | sed 's/^issuer=//')"
check_eq "Demo: the stored key matches the certificate" \
	"$(openssl x509 -in "$TEST_TMP/demo.pem" -noout -pubkey)" \
	"$(openssl pkey -in "$TEST_TMP/demo.key" -pubout 2>/dev/null)"
fingerprint() { openssl x509 -noout -fingerprint -sha256 2>/dev/null; }
demo_fp=$(fingerprint <"$TEST_TMP/demo.pem")
check_eq "GUI HTTPS serves Demo" "$demo_fp" \
	"$(timeout 10 openssl s_client -connect "127.0.0.1:$HTTPS_PORT" </dev/null 2>/dev/null | fingerprint)"
check_eq "Inbound SMTP serves Demo after STARTTLS" "$demo_fp" \
	"$(timeout 10 openssl s_client -starttls smtp -connect "127.0.0.1:$SMTP_PORT" </dev/null 2>/dev/null | fingerprint)"

# The control socket.
check_eq "control: status" "version 1" "$(control "$home" status)"
check_eq "control: apply of a version that does not exist" \
	"error There is no configuration version 99." "$(control "$home" 'apply 99')"
check_eq "control: apply of something that is not a number" "error bad version number" \
	"$(control "$home" 'apply 1x')"
check_eq "control: unknown request" "error unknown request" "$(control "$home" hello)"
check_eq "control: apply of the current version" "applied 1" "$(control "$home" 'apply 1')"

# One daemon per home.
"$TLSGATED" --home "$home" --https "127.0.0.1:$(free_port)" --smtp "127.0.0.1:$(free_port)" \
	>"$TEST_TMP/second.out" 2>&1
check_eq "a second daemon on the same home refuses to start" 1 "$?"
check "... and says why" grep -q 'Another tlsgated already answers' "$TEST_TMP/second.out"
check "... and the first one still answers" test "$(control "$home" status)" = "version 1"

# SIGTERM: a clean stop.
stop_daemon
check_eq "SIGTERM: exit status 0" 0 "$?"
check "SIGTERM: the control socket is removed" test ! -e "$home/tlsgated.sock"
check "SIGTERM: logged" poll 3 grep -qE 'Info: tlsgated stopped$' "$home/logs/mail_logs"

# A commit while the daemon is down lands, and is applied when it starts.
printf 'sslconfig\ngui\n1\n\n\n\ncommit\noffline\n\n' | "$TLSGATE" --home "$home" >"$TEST_TMP/offline.out" 2>&1
check "commit while tlsgated is down: the shell says so" grep -q 'tlsgated is not running' "$TEST_TMP/offline.out"
latest=$(sqlite3 "$home/config.db" 'SELECT max(version) FROM config_versions')
start_daemon "$home"
check_eq "on start, the latest version is applied" "version $latest" "$(control "$home" status)"
check "... TLS 1.3 works" handshake "$HTTPS_PORT" 1.3
check_fails "... TLS 1.2 is refused" handshake "$HTTPS_PORT" 1.2
check_eq "Demo is kept across restarts" "$demo_fp" \
	"$(timeout 10 openssl s_client -connect "127.0.0.1:$HTTPS_PORT" </dev/null 2>/dev/null | fingerprint)"

# SIGHUP reopens the log (after an external rotation).
mv "$home/logs/mail_logs" "$home/logs/mail_logs.1"
kill -HUP "$DAEMON_PID"
sleep 0.2
handshake "$HTTPS_PORT" 1.3
check_eq "SIGHUP: a new mail_logs (0600) gets the next lines" 600 \
	"$(wait_log "$home" 'HTTPS CID [0-9]+ close$' 1 >/dev/null; stat -c %a "$home/logs/mail_logs")"
check "SIGHUP: the daemon goes on" kill -0 "$DAEMON_PID"

# A version the engines cannot build (written behind the shell's back, which
# would have refused it): the daemon says why and keeps the policy in force.
bad=$((latest + 1))
sqlite3 "$home/config.db" "BEGIN;
	INSERT INTO config_versions(version, user, time, comment) VALUES ($bad, 'e2e', 0, 'bad');
	INSERT INTO config_values(version, key, value) SELECT $bad, key, value FROM config_values WHERE version = $latest;
	UPDATE config_values SET value = 'NOSUCHCIPHER' WHERE version = $bad AND key = 'gui.ciphers';
	COMMIT;"
reply=$(control "$home" "apply $bad")
check "apply of an unbuildable version: error naming the service and the cause" \
	bash -c "[[ '$reply' == 'error GUI HTTPS: The cipher string selects no cipher'* ]]"
check_eq "... the applied version is unchanged" "version $latest" "$(control "$home" status)"
check "... the old policy still serves TLS 1.3" handshake "$HTTPS_PORT" 1.3
check "... and the mail log has a warning" \
	poll 3 grep -qE "Warning: Configuration version $bad not applied: GUI HTTPS: " "$home/logs/mail_logs"
kill -INT "$DAEMON_PID"
wait "$DAEMON_PID"
check_eq "SIGINT: exit status 0" 0 "$?"
"$TLSGATED" --home "$home" --https "127.0.0.1:$(free_port)" --smtp "127.0.0.1:$(free_port)" \
	>"$TEST_TMP/bad.out" 2>&1
check_eq "start with an unbuildable latest version: exit status 1" 1 "$?"
check "... with the reason on stderr" grep -q 'GUI HTTPS: The cipher string selects no cipher' "$TEST_TMP/bad.out"

check "the private key never reaches the logs" \
	bash -c "! grep -rq 'PRIVATE KEY' '$home/logs' '$TEST_TMP/daemon.err' '$TEST_TMP/bad.out'"
"$TLSGATED" --bogus >/dev/null 2>&1
check_eq "an unknown option: exit status 2" 2 "$?"
check "--help lists the options" bash -c "'$TLSGATED' --help | grep -q -- '--smtp-timeout'"
done_testing
