#!/usr/bin/env bash
# test_transcripts: the primary CLI tests. For each NAME.in: a fresh home
# (new_home), `tlsgate --home H < NAME.in`, stdout after normalize_dates must
# equal NAME.out byte for byte, the exit status must be NAME.status (default
# 0), and nothing may reach stderr. A case whose expected status is not 0 must
# also leave the committed configuration and the staged table exactly as they
# were. Then VERIFY's listing is compared with `openssl ciphers -v`.
#
# TRANSCRIPTS_UPDATE=1 rewrites the .out files from the current shell. A
# rewritten .out is only a proposal: read it against the spec before keeping it.
. "$(dirname "$0")/../lib.sh"
[ -x "$TLSGATE" ] || { not_ok "$TLSGATE is not built"; done_testing; exit 1; }

dir=$TOP/tests/transcripts

staged_dump() {
	sqlite3 "$1/config.db" "SELECT user, key, value FROM staged ORDER BY user, key;"
}

run_case() {
	local in=$1 name home want_status=0 status raw out committed_before staged_before
	name=$(basename "$in" .in)
	home=$(new_home "t-$name")
	raw=$TEST_TMP/$name.raw
	out=$TEST_TMP/$name.out
	[ -f "$dir/$name.status" ] && want_status=$(cat "$dir/$name.status")
	committed_before=$(committed_dump "$home")
	staged_before=$(staged_dump "$home")

	"$TLSGATE" --home "$home" <"$in" >"$raw" 2>"$TEST_TMP/$name.err"
	status=$?
	normalize_dates <"$raw" >"$out"

	if [ "${TRANSCRIPTS_UPDATE:-0}" = 1 ]; then
		cp "$out" "$dir/$name.out"
		echo "# $name.out rewritten; review it against the spec"
	fi
	if [ ! -f "$dir/$name.out" ]; then
		not_ok "$name: $name.out is missing"
	elif diff -u "$dir/$name.out" "$out" >"$TEST_TMP/$name.diff"; then
		ok "$name: output is $name.out"
	else
		not_ok "$name: output differs from $name.out"
		sed 's/^/#   /' "$TEST_TMP/$name.diff" | head -n 40
	fi
	check_eq "$name: exit status" "$want_status" "$status"
	check "$name: nothing on stderr" test ! -s "$TEST_TMP/$name.err"
	if [ "$want_status" != 0 ]; then
		check_eq "$name: committed configuration unchanged" "$committed_before" \
			"$(committed_dump "$home")"
		check_eq "$name: staged edits unchanged" "$staged_before" "$(staged_dump "$home")"
	fi
}

for in in "$dir"/*.in; do
	run_case "$in"
done

# Every .out, .status has its .in (a renamed case must not leave a stale file).
for f in "$dir"/*.out "$dir"/*.status; do
	[ -e "$f" ] || continue
	check "$(basename "$f") has its .in" test -f "${f%.*}.in"
done

# ---- the .out files against the spec's own text ----
# Fragments copied from the spec (asyncos-cli.md), so that a .out rewritten
# with TRANSCRIPTS_UPDATE cannot drift from it unnoticed.

# spec_has CASE DESCRIPTION FRAGMENT: the fragment appears verbatim in CASE.out.
spec_has() {
	local text
	text=$(cat "$dir/$1.out" 2>/dev/null)
	if [[ "$text" == *"$3"* ]]; then ok "spec: $1: $2"; else
		not_ok "spec: $1: $2"
		printf '%s\n' "$3" | sed 's/^/#   missing: /'
	fi
}
spec_lacks() {
	if grep -qF -- "$3" "$dir/$1.out"; then not_ok "spec: $1: $2"; else ok "spec: $1: $2"; fi
}

menu='Choose the operation you want to perform:
- GUI - Edit GUI HTTPS ssl settings.
- INBOUND - Edit Inbound SMTP ssl settings.
- OUTBOUND - Edit Outbound SMTP ssl settings.
- VERIFY - Verify and show ssl cipher list.
- OTHER_CLIENT_TLSV10 - Edit TLS v1.0 for other client services.
- PEER_CERT_FQDN - Validate peer certificate FQDN compliance.
- PEER_CERT_X509 - Validate peer certificate X509 compliance.
[]> '
spec_has spec_15_5_inbound "the sslconfig operation menu" "$menu"
spec_has spec_15_5_inbound "the settings block opens as in the spec" 'sslconfig settings:
GUI HTTPS method: tlsv1_1tlsv1_2
GUI HTTPS ciphers:
HIGH
MEDIUM
@STRENGTH'
spec_has spec_15_5_inbound "and ends as in the spec" 'Other TLS client services: TLS v1.0 disabled
Peer certificate FQDN validation: Disabled
Peer certificate X509 validation: Disabled'
spec_has spec_15_5_inbound "the INBOUND method question, default [2-3]" 'Enter the inbound SMTP SSL method you want to use.
1. TLS v1.3
2. TLS v1.2
3. TLS v1.1
4. TLS v1.0
[2-3]> 1-3

'
spec_has spec_15_5_inbound "the cipher question" '
Enter the inbound SMTP ssl cipher you want to use.
[HIGH:MEDIUM:@STRENGTH:'
spec_has spec_15_5_inbound "the renegotiation question" '
Do you want to enable TLS Renegotiation for inbound SMTP? [Y]> '
spec_has spec_15_5_inbound "the commit questions" 'Please enter some comments describing your changes:
[]> my comment
Do you want to save the current configuration for rollback? [Y]> 
Changes committed: DATE'
check_eq "spec: spec_15_5_inbound: after the commit the overview shows 1-3" \
	"Inbound SMTP method: tlsv1_1tlsv1_2tlsv1_3" \
	"$(sed -n '/^Changes committed: DATE$/,$p' "$dir/spec_15_5_inbound.out" |
		grep '^Inbound SMTP method: ' | tail -n 1)"
spec_has gui_edit "the GUI dialog names GUI HTTPS" 'Enter the GUI HTTPS SSL method you want to use.'
spec_has gui_edit "GUI asks about renegotiation" \
	'Do you want to enable TLS Renegotiation for GUI HTTPS? [Y]> N'
spec_has outbound_edit "the OUTBOUND dialog names outbound SMTP" \
	'Enter the outbound SMTP SSL method you want to use.'
spec_lacks outbound_edit "OUTBOUND asks no renegotiation question" 'Renegotiation'
spec_has verify "the VERIFY question" 'Enter the ssl cipher you want to verify.
[]> '
spec_has flag_peer_cert_fqdn "the one-item menu offers ENABLE when disabled" \
	'- ENABLE - Enable peer certificate FQDN validation'
spec_has flag_peer_cert_fqdn "and DISABLE when enabled" '- DISABLE - '
spec_has err_noncontiguous "the contiguity message" \
	'TLS protocols can be enabled only in sequence. Choose a contiguous range, such as 1-3.'
spec_has err_out_of_range "out of range opens with the client's words" '
That value is not valid.'
spec_has err_bad_cipher "a bad cipher opens with the client's words" '
That value is not valid.'
spec_has err_unknown_command "unknown command opens with the client's words" '
Unknown command:'
spec_has err_unknown_operation "unknown operation opens with the client's words" '
Unknown option'
spec_has commit_nothing "nothing staged" 'There is no data to commit.'
spec_has clear_staged "clear asks, then reports the date" \
	'Are you sure you want to clear all changes since the last commit? [Y]> 
Changes cleared: DATE'
spec_has clear_nothing "clear with nothing staged" 'No changes have been made since the last commit.'
spec_has exit_uncommitted_no "exit asks, N leaves" \
	'There are uncommitted changes. Do you want to commit before exiting? [N]> N'
spec_has certconfig_menus "the certconfig top menu" 'Choose the operation you want to perform:
- CERTIFICATE - Import, Create a request, Edit or Remove Certificate Profiles
- CERTAUTHORITY - Manage System and Customer CAs
- CRL - Manage Certificate Revocation Lists
[]> '
spec_has certconfig_menus "the CERTIFICATE operations" '- IMPORT - Import a certificate from a local PKCS#12 file
- EXPORT - Export a certificate
- PASTE - Paste a certificate into the CLI
- NEW - Create a self-signed certificate and CSR
- EDIT - Update certificate or view the signing request
- DELETE - Remove a certificate
- PRINT - View a certificate'
spec_has certconfig_menus "the profile list shows Demo with its days remaining" \
	'Demo             tlsgate Demo Certificate   tlsgate Demo Certificate   Valid         3650 days'
spec_has err_cert_garbage_paste "a bad certificate: Invalid certificate ... discarding" \
	'Invalid certificate ('
spec_has err_cert_country "the country error" 'Country should be a ISO two character country code'
spec_has err_cert_import_missing "IMPORT asks the name with a bare prompt, then the file" \
	'Enter a name for this certificate profile:
> newprofile
Enter the name of the file on machine "mail.example.com" to import:
[]> '
for c in certconfig interfaceconfig listenerconfig help commit clear rollbackconfig showchanges sslconfig sethostname exit quit; do
	check "spec: help: lists $c on one line" grep -qE "^$c +[^ ]" "$dir/help.out"
done

# ---- VERIFY against `openssl ciphers -v` ----

# The listing VERIFY prints for STRING: the lines after the echoed answer, up
# to the blank line that precedes the settings block.
verify_listing() {
	printf 'sslconfig\nVERIFY\n%s\n\n' "$2" | "$TLSGATE" --home "$1" |
		awk -v answer="[]> $2" 'found && $0 == "" { exit } found { print } $0 == answer { found = 1 }'
}

home=$(new_home verify-openssl)
gui_default=$(sqlite3 "$home/config.db" "SELECT value FROM config_values WHERE key =
	'gui.ciphers' AND version = (SELECT max(version) FROM config_versions)")
outbound_default=$(sqlite3 "$home/config.db" "SELECT value FROM config_values WHERE key =
	'outbound.ciphers' AND version = (SELECT max(version) FROM config_versions)")
for s in "$gui_default" "$outbound_default" 'HIGH:!aNULL' 'ECDHE+AESGCM' \
	'AES128-SHA:ECDHE-RSA-AES256-GCM-SHA384' 'DEFAULT:@STRENGTH' 'kRSA:!aNULL:-AES256'; do
	# AsyncOS's protocol exclusions (!SSLv2 !SSLv3 !TLSv1) are not given to
	# OpenSSL (docs/CLI.md, sslconfig).
	want=$(openssl ciphers -v "$(tr ':' '\n' <<<"$s" | grep -vxE '[!-](SSLv2|SSLv3|TLSv1)' | paste -sd:)" 2>&1)
	got=$(verify_listing "$home" "$s")
	if [ -n "$want" ] && [ "$got" = "$want" ]; then
		ok "VERIFY \"${s:0:40}\" lists what openssl ciphers -v lists ($(echo "$got" | wc -l) suites)"
	else
		not_ok "VERIFY \"${s:0:40}\" lists what openssl ciphers -v lists"
		diff <(echo "$want") <(echo "$got") | sed 's/^/#   /' | head -n 20
	fi
done

done_testing
