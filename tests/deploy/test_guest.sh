#!/usr/bin/env bash
# test_guest: a guest can neither commit nor stage nor write anything, by any
# path: every edit operation of every command (sslconfig, rollbackconfig,
# certconfig, destconfig IMPORT and EXPORT, interfaceconfig, listenerconfig,
# smtproutes), commit in all its forms, and scp uploads. Each attempt over ssh
# exits 1 with AsyncOS's refusal, and the committed configuration, the staged
# edits and the files in configuration/ are all unchanged. (docs/SSH.md: a
# guest may view; "exported PKCS#12 files hold keys".)
#
# destconfig EXPORT was open to guests (it wrote configuration/FILE without
# asking, over any file there) until branch "menus" made it operator's.
. "$(dirname "$0")/deploy_lib.sh"
deploy_up
conf=$SSH_HOME/configuration

# The operator's files: a PKCS#12 (a key inside) and a destconfig export.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TEST_TMP/k.pem" -out "$TEST_TMP/c.pem" \
	-days 30 -subj /CN=mail.example.com >/dev/null 2>&1
openssl pkcs12 -export -in "$TEST_TMP/c.pem" -inkey "$TEST_TMP/k.pem" -passout pass:s3cret \
	-out "$TEST_TMP/keep.p12" >/dev/null 2>&1
scp_as -O "$TEST_TMP/keep.p12" "$OP@127.0.0.1:/configuration/" >/dev/null 2>&1
printf 'NEW\nexample.com\n\n\n\n\n\n\n\n\nEXPORT\ndest.ini\n\n' |
	ssh_as "$OP" 'destconfig; commit "a destination"' >"$TEST_TMP/out" 2>&1
check_eq "the operator uploaded keep.p12, committed a destination and exported dest.ini" \
	"0 yes" "$? $(test -s "$conf/keep.p12" && test -s "$conf/dest.ini" && echo yes)"
files_sum() { (cd "$conf" && ls -A | sort && cat -- *) | sha256sum | cut -c1-16; }

# refused DESCRIPTION INPUT COMMAND: exit 1, the refusal, nothing changed.
refused() {
	local committed staged files status
	committed=$(committed_sum)
	staged=$(staged_dump)
	files=$(files_sum)
	printf '%b' "$2" | ssh_as "$GST" "$3" >"$TEST_TMP/out" 2>&1
	status=$?
	check "guest: $1: refused (exit 1, AsyncOS's message)" \
		sh -c "[ $status = 1 ] && grep -qF '$DENIED' '$TEST_TMP/out'"
	check_eq "guest: $1: nothing committed, staged or written" \
		"$committed|$staged|$files" "$(committed_sum)|$(staged_dump)|$(files_sum)"
}
refused "sslconfig GUI" 'GUI\n1\n\n\n\n' 'sslconfig; commit "guest"'
refused "rollbackconfig ROLLBACK" 'ROLLBACK\n1\nY\nY\n\n' 'rollbackconfig'
refused "rollbackconfig SETUP" 'SETUP\n1\n\n' 'rollbackconfig; commit "guest"'
refused "certconfig IMPORT" 'CERTIFICATE\nIMPORT\nguest\nkeep.p12\ns3cret\n\n\n' \
	'certconfig; commit "guest"'
refused "certconfig IMPORT over Demo" 'CERTIFICATE\nIMPORT\nDemo\nY\nkeep.p12\ns3cret\n\n\n' \
	'certconfig; commit "guest"'
refused "certconfig PASTE" "CERTIFICATE\nPASTE\nguest\n$(cat "$TEST_TMP/c.pem")\n.\n" \
	'certconfig; commit "guest"'
refused "certconfig NEW" 'CERTIFICATE\nNEW\n\n\n' 'certconfig; commit "guest"'
refused "certconfig DELETE" 'CERTIFICATE\nDELETE\n1\nY\n\n\n' 'certconfig; commit "guest"'
refused "certconfig EXPORT (the key)" 'CERTIFICATE\nEXPORT\n1\nguest.p12\nx\nx\n\n\n' 'certconfig'
refused "certconfig CERTAUTHORITY CUSTOM IMPORT" \
	'CERTAUTHORITY\nCUSTOM\nIMPORT\nkeep.p12\n\n\n\n' 'certconfig; commit "guest"'
refused "certconfig CERTAUTHORITY SYSTEM DISABLE" 'CERTAUTHORITY\nSYSTEM\nDISABLE\n\n\n\n' \
	'certconfig; commit "guest"'
refused "destconfig NEW" 'NEW\nevil.example\n\n\n\n\n\n\n\n\n\n\n' 'destconfig; commit "guest"'
refused "destconfig IMPORT" 'IMPORT\ndest.ini\n\n' 'destconfig; commit "guest"'
refused "destconfig CLEAR" 'CLEAR\nY\n\n' 'destconfig; commit "guest"'
refused "destconfig EXPORT over the operator's PKCS#12" 'EXPORT\nkeep.p12\n\n' 'destconfig'
refused "destconfig EXPORT to a new file" 'EXPORT\nguest.ini\n\n' 'destconfig'
refused "interfaceconfig CERTIFICATE" 'CERTIFICATE\n1\n\n' 'interfaceconfig; commit "guest"'
refused "listenerconfig CERTIFICATE" 'CERTIFICATE\n1\n\n' 'listenerconfig; commit "guest"'
refused "smtproutes NEW" 'NEW\nevil.example\n127.0.0.1\n\n\n' 'smtproutes; commit "guest"'
refused "userconfig NEW (itself as admin)" "NEW\\n$GST\\n1\\n\\n" 'userconfig; commit "guest"'
refused "commit" '' 'commit "guest"'
refused "commit --strict" '' 'commit --strict "guest"'
refused "commit confirmed" '' 'commit confirmed 1 "guest"'
refused "clear" 'Y\n' 'clear'

# scp: neither a new file nor over the operator's.
for target in guest.txt keep.p12; do
	files=$(files_sum)
	scp_as -O "$TEST_TMP/c.pem" "$GST@127.0.0.1:/configuration/$target" >"$TEST_TMP/out" 2>&1
	check "guest: scp -O upload to $target refused (non-zero, the message)" \
		sh -c "[ $? -ne 0 ] && grep -qF 'You are not in the correct access group' '$TEST_TMP/out'"
	check_eq "guest: scp -O upload to $target: configuration/ unchanged" "$files" "$(files_sum)"
done
rm -f "$TEST_TMP/got.p12"
scp_as -O "$GST@127.0.0.1:/configuration/keep.p12" "$TEST_TMP/got.p12" >/dev/null 2>&1
check "guest: scp -O download of the PKCS#12 refused" test ! -e "$TEST_TMP/got.p12"

# The guest may still view.
ssh_as "$GST" 'sslconfig; showchanges; commitcheck' </dev/null >"$TEST_TMP/out" 2>&1
check_eq "guest: viewing still works (sslconfig; showchanges; commitcheck exit 0)" 0 "$?"
printf 'LIST\n\n' | ssh_as "$GST" destconfig >"$TEST_TMP/out" 2>&1
check "guest: destconfig LIST works and shows the destination" \
	sh -c "[ $? = 0 ] && grep -q 'example.com' '$TEST_TMP/out'"
check_eq "no version was written by the guest, ever" 0 \
	"$(console_sql "SELECT count(*) FROM config_versions WHERE user = '$GST'")"

done_testing
