#!/usr/bin/env bash
# test_config_files: every file a command writes in configuration/ (destconfig
# EXPORT, certconfig EXPORT, CERTAUTHORITY CUSTOM EXPORT) needs the operator
# role, is audited, and passes the folder's limit under the same lock as scp
# uploads: 12 concurrent 10 MB uploads cannot take more than 100 MB, and a
# command cannot write into the room they reserved. Reads refuse a FIFO (at
# once: run under `timeout`) and links, and messages name configuration/NAME,
# never the absolute home. The folder also holds at most 1000 files.
. "$(dirname "$0")/../lib.sh"
[ -x "$TLSGATE" ] || { not_ok "$TLSGATE is not built"; done_testing; exit 1; }

home=$(new_home files)
conf=$home/configuration
logs=$home/logs/cli_logs
printf 'userconfig\nNEW\nadm\n1\nadminpass1\nadminpass1\nNEW\nop\n2\noperpass1\noperpass1\nNEW\ngst\n3\nguestpass1\nguestpass1\n\ncommit "users"\n' |
	"$TLSGATE" --home "$home" >/dev/null 2>&1
check_eq "three users: adm (admin), op (operator), gst (guest)" \
	"user.adm=role=admin user.gst=role=guest user.op=role=operator" \
	"$(sqlite3 "$home/config.db" "SELECT key || '=' || value FROM config_values WHERE key LIKE 'user.%'
		AND version = (SELECT max(version) FROM config_versions) ORDER BY key" |
		sed 's/;hash=.*//' | paste -sd ' ' -)"
as() { # USER: the console as USER, answers on stdin, output in $TEST_TMP/out
	timeout 20 "$TLSGATE" --home "$home" --user "$1" >"$TEST_TMP/out" 2>&1
}
said() { grep -qF -- "$1" "$TEST_TMP/out"; }
no_home_path() { ! grep -qF -- "$home" "$TEST_TMP/out"; }

# ---- the operator writes; the guest can neither write nor replace ----
printf 'destconfig\nNEW\nops.example\nN\nN\nN\n1\nN\nN\nN\nEXPORT\nops.ini\n\n' | as op
check_eq "operator: destconfig EXPORT exits 0" 0 "$?"
check "operator: configuration/ops.ini written" test -s "$conf/ops.ini"
check "the write is audited, naming the user and the file" \
	grep -q "destconfig: user op wrote configuration/ops.ini (" "$logs"
cp "$conf/ops.ini" "$TEST_TMP/ops.ini"
for name in ops.ini guest.ini; do
	printf 'destconfig\nEXPORT\n%s\n\n' "$name" | as gst
	check_eq "guest: destconfig EXPORT $name refused, exit 1" 1 "$?"
	check "... with the access-group message" said "You are not in the correct access group"
done
check "the operator's file is untouched" cmp -s "$conf/ops.ini" "$TEST_TMP/ops.ini"
check "no guest file was created" test ! -e "$conf/guest.ini"
check "the refusal is audited" \
	grep -qF 'access denied: user gst role guest command "destconfig EXPORT"' "$logs"
printf 'certconfig\nCERTAUTHORITY\nCUSTOM\nEXPORT\n' | as gst
check_eq "guest: CERTAUTHORITY CUSTOM EXPORT refused, exit 1" 1 "$?"

# ---- FIFOs, links and folders: refused at once, named relative to the home ----
mkfifo "$conf/pipe.ini"
ln -s /etc/passwd "$conf/link.ini"
mkdir "$conf/adir.ini"
start=$(date +%s)
printf 'destconfig\nIMPORT\npipe.ini\n' | as op
status=$?
check_eq "destconfig IMPORT of a FIFO: refused (exit 1, no hang)" 1 "$status"
check "... in well under the timeout" test $(($(date +%s) - start)) -lt 10
check "... naming configuration/pipe.ini" said "configuration/pipe.ini cannot be read: not a regular file."
check "... never the home's absolute path" no_home_path
printf 'certconfig\nCERTIFICATE\nIMPORT\nviafifo\npipe.ini\n' | as op
check_eq "certconfig IMPORT of a FIFO: refused, exit 1 (no hang)" 1 "$?"
printf 'certconfig\nCERTAUTHORITY\nCUSTOM\nIMPORT\nfifoca\npipe.ini\n' | as op
check_eq "CERTAUTHORITY IMPORT of a FIFO: refused, exit 1 (no hang)" 1 "$?"
printf 'destconfig\nIMPORT\nlink.ini\n' | as op
check_eq "destconfig IMPORT of a link: refused" 1 "$?"
check "... not a regular file" said "configuration/link.ini cannot be read: not a regular file."
printf 'destconfig\nIMPORT\nmissing.ini\n' | as op
check "a missing file is named relative to the home" \
	said 'There is no file "missing.ini" in configuration/'
check "... never by its absolute path" no_home_path
printf 'destconfig\nEXPORT\nadir.ini\n' | as op
check_eq "EXPORT over a folder: refused, exit 1" 1 "$?"
check "... naming configuration/adir.ini" said "Cannot write configuration/adir.ini: not a regular file."
check "... never the home's absolute path" no_home_path
check "the folder is still a folder" test -d "$conf/adir.ini"
rmdir "$conf/adir.ini"
rm -f "$conf/pipe.ini" "$conf/link.ini"

# ---- the folder limit, atomic across concurrent scp uploads and commands ----
# 12 uploads of 10 MB each announce their file at once and wait until every
# one has its answer; then, with the room reserved, an EXPORT is tried; then
# the data is sent. At most 100 MB may land.
rm -f "$conf"/*.ini
cat >"$TEST_TMP/race.py" <<'PY'
import subprocess, sys
tlsgate, home, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
size = 10 * 1024 * 1024
procs = [subprocess.Popen([tlsgate, "--home", home, "--user", "op", "-c",
                           "scp -t /configuration/"], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
         for _ in range(n)]
for p in procs:
    assert p.stdout.read(1) == b"\0"   # the sink is ready
for i, p in enumerate(procs):
    p.stdin.write(b"C0644 %d up%02d.bin\n" % (size, i))
    p.stdin.flush()
answers = []
for p in procs:
    c = p.stdout.read(1)
    answers.append(c == b"\0")
    if c != b"\0":
        p.stdout.readline()
# Every upload has been answered and none has sent data: the room is reserved.
export = subprocess.run([tlsgate, "--home", home, "--user", "op"],
                        input=b"destconfig\nEXPORT\nsmall.ini\n\n", capture_output=True,
                        timeout=60)
sys.stderr.write(export.stdout.decode(errors="replace"))
chunk = b"x" * 65536
for ok, p in zip(answers, procs):
    if ok:
        for _ in range(size // len(chunk)):
            p.stdin.write(chunk)
        p.stdin.write(b"\0")
        p.stdin.flush()
for p in procs:
    p.stdin.close()
    p.wait(timeout=120)
print(sum(answers), export.returncode)
PY
read -r accepted export_status < <(python3 "$TEST_TMP/race.py" "$TLSGATE" "$home" 12 2>"$TEST_TMP/export.out")
total=$(find "$conf" -maxdepth 1 -type f -printf '%s\n' | awk '{ t += $1 } END { print t + 0 }')
echo "# 12 concurrent 10 MB uploads: $accepted accepted, $total bytes in configuration/"
check_eq "12 concurrent 10 MB uploads: 10 accepted" 10 "$accepted"
check "configuration/ holds at most 100 MB ($total bytes)" test "$total" -le $((100 * 1024 * 1024))
check_eq "10 files landed" 10 "$(find "$conf" -maxdepth 1 -name 'up*.bin' -size 10M | wc -l)"
check_eq "an EXPORT into the reserved room is refused (exit 1)" 1 "$export_status"
check "... configuration/ is full" grep -qF "Cannot write configuration/small.ini: /configuration is full" "$TEST_TMP/export.out"
check "no temporary file is left" test -z "$(find "$conf" -maxdepth 1 -name '.upload-*' -o -maxdepth 1 -name '.write-*')"
check "the refusals are audited" grep -q "scp: user op upload of \"up[0-9]*.bin\" refused: /configuration is full" "$logs"

# ---- the number of files is bounded too (empty files take no bytes) ----
rm -f "$conf"/up*.bin
(cd "$conf" && seq -f 'f%04g.ini' 1 1000 | xargs touch)
printf 'destconfig\nEXPORT\nnew.ini\n' | as op
check_eq "1000 files: an EXPORT to a new name is refused (exit 1)" 1 "$?"
check "... configuration/ is full (1000 files at most)" said "/configuration is full (1000 files at most)"
printf 'destconfig\nEXPORT\nf0001.ini\n\n' | as op
check_eq "... replacing one of them is allowed" 0 "$?"
check "... and written" test -s "$conf/f0001.ini"
done_testing
