#!/usr/bin/env bash
# test_term80: issue 13 items 1 and 2, automation on a real terminal. term80.py
# drives `ssh -tt` on an 80-column pty (pexpect's default size) with TERM
# xterm and vt100 through the spec's client patterns: a certificate IMPORT of
# a PKCS#12 file uploaded with scp -O, a renewal that overwrites the profile
# (the renewal client's pattern `already exists\.\s*Do you want to\s+overwrite
# with this new one\? \[N\]> ?`), an sslconfig INBOUND edit answering the long
# cipher question, and commits; no carriage return, backspace or escape
# inside any question, every prompt printed once. Then a private key pasted
# in ONE write into certconfig PASTE on the pty is accepted, echoing nothing.
#
# Regression test of issue 13 items 1-2: before the branch "terminal" merged
# (long questions printed on their own lines, hidden input that does not
# flush what was pasted) the renewal and paste scenarios failed: readline
# wrapped questions with "\r" inside, and a pasted key hung.
. "$(dirname "$0")/deploy_lib.sh"
deploy_up

pki=$TEST_TMP/pki
mkdir -p "$pki"
for n in first renewed pasted; do
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$pki/$n.key" -out "$pki/$n.pem" -days 90 \
		-subj /CN=mail.example.com >/dev/null 2>&1
	openssl pkcs12 -export -in "$pki/$n.pem" -inkey "$pki/$n.key" -passout pass:s3cret \
		-out "$pki/$n.p12" >/dev/null 2>&1
done
scp_as -O "$pki/first.p12" "$pki/renewed.p12" "$OP@127.0.0.1:/configuration/" >/dev/null 2>&1
check_eq "the operator uploads the PKCS#12 files with scp -O" 0 "$?"
ciphers=$(latest_value inbound.ciphers)

# scenario NAME TERM USER ARGS...: runs term80.py; prints "STATUS LAST_LINE".
scenario() {
	local name=$1 term=$2 user=$3 log
	shift 3
	log=$TEST_TMP/$name-$term.log
	"$PYTHON" "$DEPLOY/term80.py" "$name" --term "$term" --port "$SSH_PORT" \
		--identity "$SSH_DIR/client_key" --user "$user" "$@" >"$log" 2>&1
	echo "$? $(tail -n 1 "$log")"
	grep -E '^scenario FAILED' "$log" | sed 's/^/#   /' >&2
}

for term in xterm vt100; do
	name=lets_encrypt_${term}
	methods=1-3
	[ "$term" = vt100 ] && methods=1-2 # a change from the xterm run's edit
	check_eq "TERM=$term, 80 columns: import, overwrite (renewal), sslconfig, commit" \
		"0 scenario ok" "$(scenario renewal "$term" "$OP" --name "$name" --file first.p12 \
			--renew-file renewed.p12 --passphrase s3cret --methods "$methods" --ciphers "$ciphers")"
	check "TERM=$term: the overwrite question matched the renewal client's pattern" \
		grep -q '^# step: the overwrite question matched' "$TEST_TMP/renewal-$term.log"
	check "TERM=$term: the cipher question arrived whole" \
		grep -q '^# step: the cipher question arrived whole' "$TEST_TMP/renewal-$term.log"
	check_eq "TERM=$term: the renewed certificate is committed under $name" \
		"$(openssl x509 -noout -fingerprint -sha256 <"$pki/renewed.pem")" \
		"$(latest_value "cert.$name" | openssl x509 -noout -fingerprint -sha256 2>/dev/null)"
done
check_eq "the sslconfig edits are committed, by the operator" "tlsv1_2tlsv1_3 $OP" \
	"$(latest_value inbound.methods) $(latest_user)"

for term in xterm vt100; do
	check_eq "TERM=$term: a private key pasted in ONE write into certconfig PASTE is accepted" \
		"0 scenario ok" "$(scenario paste "$term" "$ADM" --name "pasted_$term" \
			--cert "$pki/pasted.pem" --key "$pki/pasted.key")"
	check_eq "TERM=$term: the pasted profile is committed" \
		"$(openssl x509 -noout -fingerprint -sha256 <"$pki/pasted.pem")" \
		"$(latest_value "cert.pasted_$term" | openssl x509 -noout -fingerprint -sha256 2>/dev/null)"
done
check_eq "nothing left staged (a failed session left no half edit)" "" "$(staged_dump)"

done_testing
