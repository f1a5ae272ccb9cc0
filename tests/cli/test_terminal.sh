#!/usr/bin/env bash
# test_terminal: the console on an 80-column pseudo-terminal as automation
# sees it (pexpect, as over `ssh -tt`), for TERM xterm, xterm-256color, screen
# and vt100, in a UTF-8 and in the C locale: the spec's client patterns match
# (the certificate-renewal overwrite question on AsyncOS's two lines, the
# long cipher question whole), no carriage return or backspace ever appears
# inside a question, a resize does not draw the prompt again, a certificate
# and a private key pasted in one write each are accepted and the key is
# never echoed, and an answer with a NUL byte is refused and asked again.
. "$(dirname "$0")/../lib.sh"
[ -x "$TLSGATE" ] || { not_ok "$TLSGATE is not built"; done_testing; exit 1; }
PYTHON=python3
[ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3 # Debian's, with python3-pexpect

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TEST_TMP/old.key" -out "$TEST_TMP/old.pem" \
	-days 30 -subj "/CN=old.example.com" >/dev/null 2>&1
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TEST_TMP/new.key" -out "$TEST_TMP/new.pem" \
	-days 90 -subj "/CN=renewed.example.com" >/dev/null 2>&1
fingerprint() { openssl x509 -noout -fingerprint -sha256 2>/dev/null; }

for variant in xterm:C.UTF-8 vt100:C xterm-256color:C screen:C.UTF-8; do
	term=${variant%%:*} lang=${variant#*:}
	home=$(new_home "t-$term")
	{
		printf 'certconfig\nCERTIFICATE\nPASTE\nlets_encrypt_mail\n'
		cat "$TEST_TMP/old.pem"
		printf '.\n'
		cat "$TEST_TMP/old.key"
		printf '.\nN\n\n\ncommit "first certificate"\n'
	} | "$TLSGATE" --home "$home" >"$TEST_TMP/setup-$term.out" 2>&1
	check_eq "[$term] the profile to renew exists" 0 "$?"
	"$PYTHON" "$TOP/tests/cli/terminal_client.py" --tlsgate "$TLSGATE" --home "$home" \
		--term "$term" --lang "$lang" --cert "$TEST_TMP/new.pem" --key "$TEST_TMP/new.key" \
		--raw "$TEST_TMP/raw-$term" >"$TEST_TMP/client-$term.log" 2>&1
	status=$?
	while IFS= read -r line; do
		case $line in
		PASS\ *) ok "[$term $lang] ${line#PASS }" ;;
		FAIL\ *) not_ok "[$term $lang] ${line#FAIL }" ;;
		*) echo "#   $line" ;;
		esac
	done <"$TEST_TMP/client-$term.log"
	check_eq "[$term] the client exits 0" 0 "$status"
	check_eq "[$term] the committed profile holds the pasted certificate" \
		"$(fingerprint <"$TEST_TMP/new.pem")" \
		"$(sqlite3 "$home/config.db" "SELECT value FROM config_values WHERE key =
			'cert.lets_encrypt_mail' AND version = (SELECT max(version) FROM
			config_versions)" | fingerprint)"
	check_eq "[$term] and inbound TLS v1.1-v1.3" "tlsv1_1tlsv1_2tlsv1_3" \
		"$(sqlite3 "$home/config.db" "SELECT value FROM config_values WHERE key =
			'inbound.methods' AND version = (SELECT max(version) FROM config_versions)")"
done
done_testing
