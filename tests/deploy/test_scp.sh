#!/usr/bin/env bash
# test_scp: files over SSH for console users (deploy_lib.sh's deployment), confined to
# $TLSGATE_HOME/configuration/. The legacy protocol (scp -O, what AsyncOS
# automation speaks) uploads and downloads there, by ForceCommand and login
# shell; "..", other absolute paths, links, folders, hidden names, oversize
# files, guests and malformed protocol lines are refused with nothing written
# outside (or inside); SFTP (OpenSSH 9's default scp) is refused and logged.
. "$(dirname "$0")/deploy_lib.sh"

sh=$(dep_add_user sh "$SSH_DIR/bin/tlsgate")
deploy_up "$sh"
adm=$ADM gst=$GST
printf 'NEW\n%s\n2\nshellpass1\nshellpass1\n\n' "$sh" | ssh_as "$adm" 'userconfig; commit "scp users"' >/dev/null 2>&1
check_eq "users: $adm admin, $gst guest, $sh operator" "role=guest role=operator" \
	"$(latest_value "user.$gst") $(latest_value "user.$sh")"

conf=$SSH_HOME/configuration
logs=$SSH_HOME/logs/cli_logs # the "logged" checks DEPEND ON issue 11 (shared logs/)
src=$TEST_TMP/src
dst=$TEST_TMP/dst
mkdir -p "$src" "$dst"
head -c 100000 /dev/urandom >"$src/cert.p12"
echo "one" >"$src/a.txt"
echo "two" >"$src/b.txt"
up() { scp_as -O "$@" >"$TEST_TMP/scp.out" 2>&1; }
said() { grep -q "$1" "$TEST_TMP/scp.out"; }

# ---- upload and download ----
up "$src/cert.p12" "$adm@127.0.0.1:/configuration/"
check_eq "scp -O upload to /configuration/ exits 0" 0 "$?"
check "the file arrived intact" cmp -s "$src/cert.p12" "$conf/cert.p12"
check_eq "the folder is 2770 in a shared home, the file 0660, owned by the SSH user" \
	"2770 660 $adm" "$(stat -c %a "$conf") $(stat -c '%a %U' "$conf/cert.p12")"
up "$src/a.txt" "$adm@127.0.0.1:configuration/renamed.txt"
check "upload to configuration/NAME renames" cmp -s "$src/a.txt" "$conf/renamed.txt"
up "$src/b.txt" "$adm@127.0.0.1:plain.txt"
check "upload to a bare NAME lands in the folder" cmp -s "$src/b.txt" "$conf/plain.txt"
up "$src/a.txt" "$src/b.txt" "$adm@127.0.0.1:"
check "several files at once (scp -d -t .)" sh -c "cmp -s '$src/a.txt' '$conf/a.txt' &&
	cmp -s '$src/b.txt' '$conf/b.txt'"
touch -d '2020-01-02 03:04:05' "$src/a.txt"
up -p "$src/a.txt" "$adm@127.0.0.1:/configuration/timed.txt"
check_eq "scp -p keeps the modification time" "$(stat -c %Y "$src/a.txt")" \
	"$(stat -c %Y "$conf/timed.txt")"

up "$adm@127.0.0.1:/configuration/cert.p12" "$dst/cert.p12"
check_eq "scp -O download exits 0" 0 "$?"
check "the download is intact" cmp -s "$src/cert.p12" "$dst/cert.p12"
check_eq "and private to the client (0600)" 600 "$(stat -c %a "$dst/cert.p12")"
up "$adm@127.0.0.1:configuration/renamed.txt" "$adm@127.0.0.1:plain.txt" "$dst/"
check "download by configuration/NAME and by NAME" sh -c "cmp -s '$src/a.txt' '$dst/renamed.txt' &&
	cmp -s '$src/b.txt' '$dst/plain.txt'"
up "$src/a.txt" "$sh@127.0.0.1:/configuration/login.txt"
check "upload through a login shell (tlsgate -c \"scp -t ...\")" cmp -s "$src/a.txt" "$conf/login.txt"
up "$sh@127.0.0.1:/configuration/login.txt" "$dst/login.txt"
check "download through a login shell" cmp -s "$src/a.txt" "$dst/login.txt"
check "transfers are logged" sh -c "grep -q 'scp: user $adm uploaded configuration/cert.p12 (100000 bytes)' '$logs' &&
	grep -q 'scp: user $adm downloaded configuration/cert.p12 (100000 bytes)' '$logs'"

# ---- refusals: exit non-zero, the reason said, nothing written ----
listing() { (cd "$conf" && ls -A | sort | tr '\n' ' '); }
refused_up() { # DESCRIPTION TARGET [SCP ARGUMENTS...]: nothing may change, here or outside
	local before committed d=$1 target=$2
	shift 2
	[ $# -eq 0 ] && set -- "$src/a.txt"
	before=$(listing)
	committed=$(committed_sum)
	up "$@" "$adm@127.0.0.1:$target"
	check "upload refused: $d" sh -c "[ $? -ne 0 ] && grep -q '^scp: ' '$TEST_TMP/scp.out'"
	check_eq "upload refused: $d: the folder and the database unchanged" \
		"$before|$committed" "$(listing)|$(committed_sum)"
}
refused_up "/configuration/../config.db" /configuration/../config.db
check "and the reason is given" said "only files in /configuration/ can be copied"
refused_up "../config.db" ../config.db
refused_up "an absolute path elsewhere" "/tmp/tlsgate-scp-$SSH_ID"
check "nothing was written there" test ! -e "/tmp/tlsgate-scp-$SSH_ID"
refused_up "/etc/..." "/etc/tlsgate-scp-$SSH_ID"
check "nothing was written there" test ! -e "/etc/tlsgate-scp-$SSH_ID"
refused_up "a sub-folder" /configuration/sub/x.txt
refused_up "a name with a blank" "'/configuration/a b'"
cp "$src/a.txt" "$src/.hidden"
refused_up "a hidden name (from the file sent)" /configuration/ "$src/.hidden"
check "the reason is given" said 'must not start with "."'
mkdir -p "$src/dir" && cp "$src/a.txt" "$src/dir/"
refused_up "a folder (-r)" /configuration/ -r "$src/dir"
check "the reason is given" said "folders cannot be copied"

refused_down() { # DESCRIPTION PATH
	rm -f "$dst/got"
	up "$adm@127.0.0.1:$2" "$dst/got"
	check "download refused: $1" sh -c "[ $? -ne 0 ] && [ ! -e '$dst/got' ] &&
		grep -q '^scp: ' '$TEST_TMP/scp.out'"
}
refused_down "/etc/passwd" /etc/passwd
refused_down "/configuration/../config.db" /configuration/../config.db
refused_down "../config.db" ../config.db
refused_down "the folder itself" /configuration/
refused_down "a missing file" /configuration/missing.txt

# Links: never followed, neither one planted in the folder nor the folder.
# (The target is a file nothing else writes: /etc/passwd changes when another
# test adds users.)
ln -s /etc/debian_version "$conf/link"
passwd_sum=$(sha256sum </etc/debian_version)
refused_down "a symlink in the folder" /configuration/link
check "the reason is given" said "not a regular file"
refused_up "over a symlink in the folder" /configuration/link
check_eq "the link's target is untouched, the link still a link" "$passwd_sum link" \
	"$(sha256sum </etc/debian_version) $(test -L "$conf/link" && echo link)"
rm -f "$conf/link"
mv "$conf" "$conf.real"
mkdir -p "$TEST_TMP/elsewhere" && chmod 0777 "$TEST_TMP/elsewhere"
ln -s "$TEST_TMP/elsewhere" "$conf"
up "$src/a.txt" "$adm@127.0.0.1:/configuration/"
check "upload refused when the folder is a symlink" \
	sh -c "[ $? -ne 0 ] && [ -z \"\$(ls -A '$TEST_TMP/elsewhere')\" ]"
check "the reason is given" said "/configuration is not a folder"
rm -f "$conf"
mv "$conf.real" "$conf"

# Size: 10 MB per file (exactly is fine), 100 MB for the folder.
truncate -s $((10 * 1024 * 1024)) "$src/max.bin"
up "$src/max.bin" "$adm@127.0.0.1:/configuration/"
check "a file of exactly 10 MB is accepted" cmp -s "$src/max.bin" "$conf/max.bin"
rm -f "$conf/max.bin"
truncate -s $((10 * 1024 * 1024 + 1)) "$src/big.bin"
refused_up "one byte over 10 MB" /configuration/ "$src/big.bin"
check "the reason is given" said "larger than the limit"
check "no temporary file is left" sh -c "! ls -A '$conf' | grep -q '^\.upload'"
truncate -s $((10 * 1024 * 1024 + 1)) "$conf/planted.bin"
refused_down "a file over 10 MB put there by root" /configuration/planted.bin
truncate -s $((95 * 1024 * 1024)) "$conf/planted.bin"
truncate -s $((6 * 1024 * 1024)) "$src/six.bin"
refused_up "a file that would fill the folder past 100 MB" /configuration/ "$src/six.bin"
check "the reason is given" said "is full"
rm -f "$conf/planted.bin"

# A killed upload's temporary file does not count against the limit for ever.
echo stale >"$conf/.upload-1-0" && touch -d '1 hour ago' "$conf/.upload-1-0"
echo fresh >"$conf/.upload-2-0"
up "$src/a.txt" "$adm@127.0.0.1:/configuration/"
check_eq "a stale temporary upload is removed, a fresh one kept" "no yes" \
	"$(test -e "$conf/.upload-1-0" && echo yes || echo no) $(test -e "$conf/.upload-2-0" && echo yes)"
rm -f "$conf/.upload-2-0"

# ---- who may copy ----
up "$src/a.txt" "$gst@127.0.0.1:/configuration/guest.txt"
check "a guest cannot upload" sh -c "[ $? -ne 0 ] && [ ! -e '$conf/guest.txt' ]"
check "with AsyncOS's message" said "You are not in the correct access group"
rm -f "$dst/got"
up "$gst@127.0.0.1:/configuration/cert.p12" "$dst/got"
check "a guest cannot download" sh -c "[ $? -ne 0 ] && [ ! -e '$dst/got' ]"
check "both attempts are logged" sh -c "grep -q 'user $gst role guest command \"scp upload\"' '$logs' &&
	grep -q 'user $gst role guest command \"scp download\"' '$logs'"

# ---- the protocol, spoken by hand: strict parsing, nothing half-written ----
sink() { # INPUT: bytes sent to "scp -t /configuration/"; prints what came back
	printf '%b' "$1" | ssh_as "$adm" 'scp -t /configuration/' 2>/dev/null | tr '\001\002\000' '12.'
}
check_eq "a name with a slash in the C line is refused" \
	".1scp: evil/x: a file name may only hold letters, digits, \".\", \"_\" and \"-\"" \
	"$(sink 'C0644 3 evil/x\nabc\0' | head -n 1)"
check_eq "an oversize number is a protocol error" \
	".2scp: protocol error: expected \"C0644 SIZE NAME\"" \
	"$(sink 'C0644 99999999999999999999999 x\n' | head -n 1)"
check_eq "a mode that is not four octal digits is a protocol error" \
	".2scp: protocol error: the mode must be four octal digits" \
	"$(sink 'C644 3 x\n' | head -n 1)"
check_eq "a folder (D line) is refused" ".2scp: folders cannot be copied" \
	"$(sink 'D0755 0 dir\n' | head -n 1)"
sink 'C0644 10 cut.txt\nabc' >/dev/null
check "data cut short: no file, no temporary file" sh -c "[ ! -e '$conf/cut.txt' ] &&
	! ls -A '$conf' | grep -q '^\.upload'"
out=$(printf '' | ssh_as "$adm" 'scp -t /configuration/ /configuration/' 2>/dev/null | tr '\001' 1)
check_eq "two upload targets are refused" "1scp: an upload has exactly one target" "$out"

# ---- SFTP (OpenSSH 9's default scp) is refused, and logged ----
before=$(listing)
scp_as "$src/a.txt" "$adm@127.0.0.1:/configuration/sftp.txt" >"$TEST_TMP/sftp.out" 2>&1
check "scp in SFTP mode fails" sh -c "[ $? -ne 0 ] && [ ! -e '$conf/sftp.txt' ]"
check_eq "and wrote nothing" "$before" "$(listing)"
echo "ls" | sftp "${SSH_OPTS[@]}" -P "$SSH_PORT" -b - "$adm@127.0.0.1" >/dev/null 2>&1
check "the sftp client fails too" test $? -ne 0
check "the refusal is logged (sshd drops a subsystem's stderr)" \
	grep -q "scp: user $adm SFTP session refused: use scp -O" "$logs"
scp_as "$src/a.txt" "$sh@127.0.0.1:/configuration/sftp.txt" >/dev/null 2>&1
check "SFTP is refused for a login-shell user too" sh -c "[ $? -ne 0 ] && [ ! -e '$conf/sftp.txt' ]"
check "and logged" grep -q "scp: user $sh SFTP session refused" "$logs"

done_testing
