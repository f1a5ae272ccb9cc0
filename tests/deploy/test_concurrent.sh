#!/usr/bin/env bash
# test_concurrent: two console users (an admin and an operator, in the
# deployment of deploy_lib.sh) in two SSH sessions at once. Edits to different
# settings merge, whichever commits first; an edit to a setting the other
# session committed after it was seen is refused at commit, naming the
# setting and who changed it, with nothing written.
. "$(dirname "$0")/deploy_lib.sh"

deploy_up
alice=$ADM bob=$OP # an admin and an operator: both may edit and commit
sessions() { # SCENARIO
	"$PYTHON" "$DEPLOY/sessions.py" "$1" --port "$SSH_PORT" \
		--identity "$SSH_DIR/client_key" --user "$alice" --user "$bob" \
		>"$TEST_TMP/$1.log" 2>&1
	echo "$? $(tail -n 1 "$TEST_TMP/$1.log")"
	grep '^scenario FAILED' "$TEST_TMP/$1.log" | sed 's/^/#   /' >&2
}

# ---- two interactive sessions: different settings merge ----
v=$(latest_version)
check_eq "ssh -tt x2: alice edits INBOUND, bob OUTBOUND, both commit" "0 scenario ok" \
	"$(sessions merge)"
check_eq "two versions were written" "$((v + 2))" "$(latest_version)"
check_eq "the latest has both edits" "tlsv1_1tlsv1_2tlsv1_3 tlsv1_2tlsv1_3" \
	"$(latest_value inbound.methods) $(latest_value outbound.methods)"
check_eq "by their authors" "$alice $bob" \
	"$(console_sql "SELECT group_concat(user, ' ') FROM (SELECT user FROM config_versions
		WHERE version > $v ORDER BY version)")"

# ---- two interactive sessions: the same setting conflicts (alice 1-2, bob 2) ----
v=$(latest_version)
check_eq "ssh -tt x2: both edit the inbound methods; the second commit is refused" \
	"0 scenario ok" "$(sessions conflict)"
check_eq "only the first commit was written" "$((v + 1)) tlsv1_2tlsv1_3" \
	"$(latest_version) $(latest_value inbound.methods)"
check "the refusal named the setting and who" \
	grep -q "not committed: Inbound SMTP method was changed by $alice in version $((v + 1))" \
	"$TEST_TMP/conflict.log"

# ---- batch sessions at the same moment ----
v=$(latest_version)
printf 'GUI\n1-2\n\n\n\n' | ssh_as "$alice" 'sslconfig; commit "alice gui"' \
	>"$TEST_TMP/a.out" 2>&1 &
a=$!
printf 'PEER_CERT_X509\nENABLE\n\n' | ssh_as "$bob" 'sslconfig; commit "bob x509"' \
	>"$TEST_TMP/b.out" 2>&1 &
b=$!
wait "$a"
sa=$?
wait "$b"
sb=$?
check_eq "simultaneous batches on different settings: both exit 0" "0 0" "$sa $sb"
check_eq "both landed" "$((v + 2)) tlsv1_2tlsv1_3 enabled" \
	"$(latest_version) $(latest_value gui.methods) $(latest_value sslconfig.peer_cert_x509)"

# A staged edit (an earlier session) against a commit made since: refused at
# commit with exit 1, nothing written, and the edit still staged to clear.
printf 'INBOUND\n2\n\n\n\n' | ssh_as "$alice" sslconfig >/dev/null 2>&1
printf 'INBOUND\n2-3\n\n\n\n' | ssh_as "$bob" 'sslconfig; commit "bob inbound"' >/dev/null 2>&1
check_eq "bob's commit of the same setting lands" "tlsv1_1tlsv1_2" "$(latest_value inbound.methods)"
committed=$(committed_sum)
out=$(ssh_as "$alice" 'commit "alice inbound"' </dev/null 2>&1)
check_eq "alice's commit over it: exit 1" 1 "$?"
check "alice is told which setting and who" sh -c "printf '%s' \"\$1\" |
	grep -q 'Inbound SMTP method was changed by $bob in version'" _ "$out"
check_eq "nothing was written" "$committed" "$(committed_sum)"
check_eq "alice's edit is still staged" "$alice|inbound.methods|tlsv1_2" "$(staged_dump)"
ssh_as "$alice" clear <<<'Y' >/dev/null 2>&1
check_eq "and clear drops it" "" "$(staged_dump)"

done_testing
