#!/usr/bin/env bash
# test_backup: the AsyncOS backup pipeline over the deployment's sshd, literally:
#   ssh admin@host "saveconfig y 1" | grep xml | sed (the file's name), then
#   scp -O admin@host:/configuration/NAME .
# The downloaded file is the one written, and loads back ("No changes
# detected."). A plain file (private keys) is 0600 even in the shared home:
# another console user cannot fetch it; the masked one is the group's.
. "$(dirname "$0")/deploy_lib.sh"

deploy_up
adm=$ADM op=$OP
conf=$SSH_HOME/configuration
dst=$TEST_TMP/backup
mkdir -p "$dst"

out=$(ssh_as "$adm" "saveconfig y 1" 2>&1)
check_eq "ssh admin@host \"saveconfig y 1\" exits 0" 0 "$?"
check_eq "one output line contains xml" 1 "$(grep -c xml <<<"$out")"
name=$(echo "$out" | grep xml | sed -e 's/\/configuration\///' -e 's/\.$//' -e 's/"//g')
check "the script's grep/sed gives a file name" bash -c "[[ '$name' =~ ^tlsgate-[0-9A-F]{16}-[0-9]{8}T[0-9]{6}\.xml$ ]]"
scp_as -O "$adm@127.0.0.1:/configuration/$name" "$dst/" >"$TEST_TMP/scp.out" 2>&1
check_eq "scp -O fetches it" 0 "$?"
check "the copy is the file written" cmp -s "$conf/$name" "$dst/$name"
check "it is the configuration, keys masked" bash -c "grep -q '^<config>' '$dst/$name' &&
	grep -q '<setting name=\"system.hostname\">mail.example.com</setting>' '$dst/$name' &&
	! grep -q 'PRIVATE KEY' '$dst/$name'"
check_eq "the masked file is the console group's (0660 in the shared home)" 660 \
	"$(stat -c %a "$conf/$name")"

sleep 1
out=$(ssh_as "$adm" "saveconfig 3" 2>&1)
plain=$(echo "$out" | grep xml | sed -e 's/\/configuration\///' -e 's/\.$//' -e 's/"//g')
check_eq "a plain file is 0600 and the admin's, even in the shared home" "600 $adm" \
	"$(stat -c '%a %U' "$conf/$plain")"
scp_as -O "$op@127.0.0.1:/configuration/$plain" "$dst/op-copy.xml" >"$TEST_TMP/scp.out" 2>&1
check_eq "an operator cannot fetch it" 1 "$?"
check "... and got nothing" test ! -s "$dst/op-copy.xml"
printf '2\n%s\n' "$plain" | ssh_as "$adm" "loadconfig" >"$TEST_TMP/out" 2>&1
check "the plain file loads back over ssh: No changes detected." said_f "No changes detected."
done_testing
