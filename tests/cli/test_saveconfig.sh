#!/usr/bin/env bash
# saveconfig/loadconfig/showconfig at the console: the one-line forms and
# the one "xml" line; roles (plain keys are an admin's); and bad input —
# malformed XML, a billion-laughs document, an external entity, a wrong
# passphrase, a masked file, a non-contiguous method set, a key that does
# not match its certificate, an unknown element — each a clear error naming
# the line, exit 1, nothing staged and nothing committed. A partial file
# changes only what it names; paste ends at Ctrl-D (end of input).
. "$(dirname "$0")/../lib.sh"
[ -x "$TLSGATE" ] || { not_ok "$TLSGATE is not built"; done_testing; exit 1; }

home=$(new_home save)
conf=$home/configuration
printf 'userconfig\nNEW\nadm\n1\nadminpass1\nadminpass1\nNEW\nop\n2\noperpass1\noperpass1\nNEW\ngst\n3\nguestpass1\nguestpass1\n\ncommit "users"\n' |
	"$TLSGATE" --home "$home" >/dev/null 2>&1
as() { timeout 30 "$TLSGATE" --home "$home" --user "$@" >"$TEST_TMP/out" 2>&1; }
said() { grep -qF -- "$1" "$TEST_TMP/out"; }
staged() { sqlite3 "$home/config.db" "SELECT count(*) FROM staged"; }

# ---- saveconfig ----
as adm -c 'saveconfig y 1' </dev/null
check_eq "saveconfig y 1: exit 0" 0 "$?"
check_eq "exactly one output line contains xml" 1 "$(grep -c xml "$TEST_TMP/out")"
name=$(grep xml "$TEST_TMP/out" | sed -e 's/^"\/configuration\///' -e 's/"\.$//')
check "the backup script's sed gives the file's name" test -f "$conf/$name"
check "the name is tlsgate-SERIAL-YYYYMMDDTHHMMSS.xml" \
	bash -c "[[ '$name' =~ ^tlsgate-[0-9A-F]{16}-[0-9]{8}T[0-9]{6}\.xml$ ]]"
check "the line before names the machine" said 'File written on machine "mail.example.com" to the location'
check "the masked file says it cannot be loaded" grep -q 'cannot be loaded using the loadconfig' "$conf/$name"
masked=$name
sleep 1
printf "\n" | as op -c saveconfig
check "bare saveconfig asks the passphrase option, default 1" \
	bash -c "grep -q '^Choose the passphrase option:' '$TEST_TMP/out' && grep -q '^3. Plain passphrases' '$TEST_TMP/out' && grep -q '^\[1\]> ' '$TEST_TMP/out'"
as op -c 'saveconfig 3' </dev/null
check_eq "an operator's saveconfig 3 (plain keys) is refused" 1 "$?"
check "... with the access-group message" said "not in the correct access group"
as gst -c 'saveconfig 1' </dev/null
check_eq "a guest's saveconfig is refused" 1 "$?"
as gst -c showconfig </dev/null
check "a guest's showconfig prints the XML, keys masked" \
	bash -c "grep -q '^<config>' '$TEST_TMP/out' && grep -q '<secret>\*\*\*\*\*</secret>' '$TEST_TMP/out' && ! grep -q 'PRIVATE KEY' '$TEST_TMP/out'"
as adm -c 'saveconfig n 1' </dev/null
check_eq "saveconfig n 1 (plain, then mask) is refused as a contradiction" 1 "$?"
sleep 1
as adm -c 'saveconfig n' </dev/null
plain=$(grep xml "$TEST_TMP/out" | sed -e 's/^"\/configuration\///' -e 's/"\.$//')
check "saveconfig n (plain) warns" said "Warning: the file holds the private keys in clear text"
sleep 1
printf 'right passphrase\nright passphrase\n' | as adm -c 'saveconfig 2'
enc=$(grep xml "$TEST_TMP/out" | sed -e 's/^"\/configuration\///' -e 's/"\.$//')
check "saveconfig 2 writes an encrypted file" grep -q 'option="encrypted"' "$conf/$enc"

# ---- bad input: each refused with the line, nothing staged or committed ----
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TEST_TMP/a.key" -out "$TEST_TMP/a.pem" \
	-days 30 -subj /CN=a >/dev/null 2>&1
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$TEST_TMP/b.key" 2>/dev/null
{
	printf '<config>\n<entries kind="cert">\n<entry name="wrongkey">'
	cat "$TEST_TMP/a.pem"
	printf '<secret>'
	cat "$TEST_TMP/b.key"
	printf '</secret></entry>\n</entries>\n</config>\n'
} >"$conf/wrongkey.xml"
cat >"$conf/laughs.xml" <<'XML'
<?xml version="1.0"?>
<!DOCTYPE config [
 <!ENTITY l0 "ha">
 <!ENTITY l1 "&l0;&l0;&l0;&l0;&l0;&l0;&l0;&l0;&l0;&l0;">
 <!ENTITY l2 "&l1;&l1;&l1;&l1;&l1;&l1;&l1;&l1;&l1;&l1;">
 <!ENTITY l3 "&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;">
 <!ENTITY l4 "&l3;&l3;&l3;&l3;&l3;&l3;&l3;&l3;&l3;&l3;">
 <!ENTITY l5 "&l4;&l4;&l4;&l4;&l4;&l4;&l4;&l4;&l4;&l4;">
 <!ENTITY l6 "&l5;&l5;&l5;&l5;&l5;&l5;&l5;&l5;&l5;&l5;">
 <!ENTITY l7 "&l6;&l6;&l6;&l6;&l6;&l6;&l6;&l6;&l6;&l6;">
 <!ENTITY l8 "&l7;&l7;&l7;&l7;&l7;&l7;&l7;&l7;&l7;&l7;">
 <!ENTITY l9 "&l8;&l8;&l8;&l8;&l8;&l8;&l8;&l8;&l8;&l8;">
]>
<config><settings><setting name="destconfig.alert_to" a="&l9;">&l9;</setting></settings></config>
XML
printf '<?xml version="1.0"?>\n<!DOCTYPE config [\n<!ENTITY x SYSTEM "file:///etc/passwd">\n]>\n<config><settings><setting name="destconfig.alert_to">&x;</setting></settings></config>\n' >"$conf/xxe.xml"
printf '<config>\n<ssl>\n<ssl_gui_method>tlsv1_2</ssl_gui_method>\n</config>\n' >"$conf/malformed.xml"
printf '<config>\n<ssl>\n\n<ssl_inbound_method>tlsv1_0tlsv1_2</ssl_inbound_method>\n</ssl>\n</config>\n' >"$conf/gap.xml"
printf '<config>\n  <ssl>\n    <ssl_gui_flavour>x</ssl_gui_flavour>\n  </ssl>\n</config>\n' >"$conf/unknown.xml"
before=$(committed_dump "$home")
# refused FILE LINE TEXT [PASSPHRASE]
refused() {
	printf '2\n%s\n%b' "$1" "${4:+$4\n}" | as adm -c loadconfig
	local rc=$?
	check_eq "$1: exit 1" 1 "$rc"
	check "$1: \"Parsing failed: line $2: $3\"" said "Parsing failed: line $2: $3"
	check_eq "$1: nothing staged" 0 "$(staged)"
}
refused malformed.xml 4 "Opening and ending tag mismatch"
refused laughs.xml 3 "entity declarations are not allowed"
refused xxe.xml 3 "entity declarations are not allowed"
refused gap.xml 4 "Inbound SMTP method: TLS protocols can be enabled only in sequence."
refused unknown.xml 3 "unknown element <ssl_gui_flavour> in <ssl>"
refused wrongkey.xml 3 'Certificate profile "wrongkey": '
refused "$masked" 13 "the file was saved with masked passphrases"
refused "$enc" 13 "the passphrase is wrong" "wrong passphrase"
check_eq "nothing was committed by any of them" "$before" "$(committed_dump "$home")"
printf '2\nnosuch.xml\n' | as adm -c loadconfig
check "a missing file: Error: the file ... does not exist." said 'Error: the file "nosuch.xml" does not exist.'

# ---- good input ----
printf '2\n%s\nright passphrase\n' "$enc" | as adm -c loadconfig
check "the encrypted file with its passphrase, unchanged: No changes detected." said "No changes detected."
printf '1\n' | as op -c loadconfig
check "an empty paste: No data to load." said "No data to load."
printf '1\n<config>\n<ssl>\n<ssl_gui_method>tlsv1_2tlsv1_3</ssl_gui_method>\n</ssl>\n</config>\n' |
	as op -c loadconfig
check "an operator pastes a partial file (ended by Ctrl-D): Values have been loaded." \
	said "Values have been loaded."
check_eq "... only that setting is staged" "op gui.methods tlsv1_2tlsv1_3" \
	"$(sqlite3 "$home/config.db" "SELECT user, key, value FROM staged" | tr '|' ' ')"
printf 'N\n' | as op -c loadconfig
check "with staged changes it asks about uncommitted changes first" said "You have uncommitted changes."
printf '<config>\n<entries kind="user">\n<entry name="adm">role=admin</entry>\n</entries>\n</config>\n' \
	>"$conf/onlyadm.xml"
printf 'Y\n2\nonlyadm.xml\n' | as op -c loadconfig
check_eq "an operator cannot load a file that changes users (lists only adm: op and gst go)" 1 "$?"
check "... the commit plan's authorize says why" said "Changing user accounts needs the admin role"
check_eq "... and the operator's earlier edit is still staged" 1 "$(staged)"
printf 'y\n' | as op -c clear >/dev/null
printf '2\nonlyadm.xml\n' | as adm -c 'loadconfig; showchanges'
check "an admin can: the users not listed are deleted" \
	bash -c "grep -q 'User \"op\": deleted' '$TEST_TMP/out' && grep -q 'User \"gst\": deleted' '$TEST_TMP/out'"
printf 'y\n' | as adm -c clear >/dev/null
printf '2\n%s\n' "$plain" | as adm -c 'loadconfig; commit "same"'
check "the plain file onto its own appliance: No changes detected." said "No changes detected."
done_testing
