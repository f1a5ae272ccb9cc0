#!/usr/bin/env bash
# test_destconfig_dane: DANE Support needs TLS (core/dest.c dest_check_dane),
# on every way into the destination table. destconfig EDIT and DEFAULT that
# switch TLS to No do not ask the DANE question and reset DANE to No (one line
# says so when it was on); IMPORT refuses a section with DANE and TLS No, or
# DANE without the domain's own TLS, naming the dane line, nothing staged;
# loadconfig refuses the same entry, nothing staged.
. "$(dirname "$0")/../lib.sh"
[ -x "$TLSGATE" ] || { not_ok "$TLSGATE is not built"; done_testing; exit 1; }

staged() { sqlite3 "$home/config.db" 'SELECT count(*) FROM staged'; }
staged_value() { sqlite3 "$home/config.db" "SELECT value FROM staged WHERE key = '$1'"; }

home=$(new_home dane)
mkdir -p "$home/configuration"

# A domain with TLS Preferred and DANE Opportunistic, committed.
printf 'destconfig\nnew\nd.example.com\nN\nN\nN\n1\nY\n2\nY\n2\nN\nN\n\ncommit "dane on"\n' |
	"$TLSGATE" --home "$home" >"$TEST_TMP/new.out" 2>&1
check_eq "NEW with TLS Preferred and DANE Opportunistic commits" 0 "$?"

# ---- EDIT: TLS to No ----
printf 'destconfig\nedit\nd.example.com\n\n\n\n\nY\n1\n\n\ndetail\nd.example.com\n\n' |
	"$TLSGATE" --home "$home" >"$TEST_TMP/edit.out" 2>&1
check_eq "EDIT to TLS No succeeds" 0 "$?"
check "EDIT to TLS No does not ask the DANE question" \
	bash -c '! sed -n "/^\[\]> edit/,\$p" "$1" | grep -q "configure DANE Support"' _ "$TEST_TMP/edit.out"
check "it says in one line that DANE was reset" \
	test "$(grep -c '^DANE Support is reset to No: it needs TLS.$' "$TEST_TMP/edit.out")" = 1
check "DETAIL shows TLS No" grep -q '^  TLS: No$' "$TEST_TMP/edit.out"
check "DETAIL shows DANE Support No, the domain's own" grep -q '^  DANE Support: No$' "$TEST_TMP/edit.out"
check "the staged entry holds dane=off with tls=off" \
	bash -c 'grep -qx "tls=off" <<<"$1" && grep -qx "dane=off" <<<"$1"' _ "$(staged_value dest.d.example.com)"
printf 'commit "tls off"\n' | "$TLSGATE" --home "$home" >"$TEST_TMP/commit.out" 2>&1
check_eq "and it commits" 0 "$?"

# TLS No again, DANE already No: no line about a reset.
printf 'destconfig\nedit\nd.example.com\n\n\n\n\nY\n1\n\n\n\n' |
	"$TLSGATE" --home "$home" >"$TEST_TMP/edit2.out" 2>&1
check "DANE already No: no reset line" bash -c '! grep -q "reset to No" "$1"' _ "$TEST_TMP/edit2.out"
printf 'commit "step"\n' | "$TLSGATE" --home "$home" >/dev/null 2>&1

# ---- DEFAULT: DANE on, then TLS No ----
printf 'destconfig\ndefault\n\n\n\n\n\n2\n2\n\n\n\ncommit "default dane"\n' |
	"$TLSGATE" --home "$home" >"$TEST_TMP/def1.out" 2>&1
check_eq "DEFAULT with TLS Preferred and DANE Opportunistic commits" 0 "$?"
# A domain without its own DANE setting (it inherits the default's) set to TLS No.
printf 'destconfig\nnew\ni.example.com\nN\nN\nN\n1\nY\n1\nN\nN\ndetail\ni.example.com\n\n' |
	"$TLSGATE" --home "$home" >"$TEST_TMP/inherit.out" 2>&1
check "a domain set to TLS No does not inherit the default's DANE" \
	grep -q '^  DANE Support: No$' "$TEST_TMP/inherit.out"
printf 'destconfig\ndefault\n\n\n\n\n\n1\n\n\ndetail\nDEFAULT\n\n' |
	"$TLSGATE" --home "$home" >"$TEST_TMP/def2.out" 2>&1
check_eq "DEFAULT to TLS No succeeds" 0 "$?"
check "DEFAULT to TLS No does not ask for a DANE option" \
	bash -c '! sed -n "/^\[\]> default/,\$p" "$1" | grep -q "choose a DANE option"' _ "$TEST_TMP/def2.out"
check "DEFAULT says DANE was reset" grep -q '^DANE Support is reset to No: it needs TLS.$' "$TEST_TMP/def2.out"
check "DEFAULT's DETAIL shows DANE Support No" grep -q '^  DANE Support: No' "$TEST_TMP/def2.out"
printf 'commit "step"\n' | "$TLSGATE" --home "$home" >/dev/null 2>&1

# ---- IMPORT: refused, naming the dane line, nothing staged ----
before=$(committed_dump "$home")
# refused_import NAME CONTENT LINE
refused_import() {
	printf '%b' "$2" >"$home/configuration/$1"
	printf 'destconfig\nimport\n%s\n' "$1" | "$TLSGATE" --home "$home" >"$TEST_TMP/$1.out" 2>&1
	check_eq "IMPORT $1: the batch fails" 1 "$?"
	check "IMPORT $1: the error names line $3" grep -q "^That value is not valid. Line $3: DANE Support" "$TEST_TMP/$1.out"
	check_eq "IMPORT $1: nothing staged" 0 "$(staged)"
}
refused_import tlsno.ini '[DEFAULT]\ntls = on\n\n[a.example]\ntls = require\n\n[x.example]\ntls = off\ndane = opportunistic\n\n[z.example]\ntls = on\n' 9
refused_import daneonly.ini '[DEFAULT]\ntls = on\n\n[y.example]\n# DANE without the domain own TLS\ndane = mandatory\n' 6
refused_import danefirst.ini '[y.example]\ndane = mandatory\ntls = off\n' 2
refused_import default.ini '[DEFAULT]\ndane = opportunistic\n\n[a.example]\ntls = on\n' 2
grep -h '^That value is not valid. Line' "$TEST_TMP"/*.ini.out | sed 's/^/# /'
check "the message says why" grep -qx 'That value is not valid. Line 9: DANE Support needs TLS: choose a TLS Support other than No.' "$TEST_TMP/tlsno.ini.out"
check_eq "nothing committed by any of them" "$before" "$(committed_dump "$home")"
printf '[DEFAULT]\ntls = off\n\n[a.example]\ntls = on\ndane = mandatory\n\n[b.example]\ntls = off\ndane = off\n' >"$home/configuration/good.ini"
printf 'destconfig\nimport\ngood.ini\n\ncommit "good"\n' | "$TLSGATE" --home "$home" >"$TEST_TMP/good.out" 2>&1
check_eq "a good file (DANE with TLS, dane = off with TLS No) imports and commits" 0 "$?"

# ---- loadconfig: the same rule ----
printf 'saveconfig\n3\n' | "$TLSGATE" --home "$home" >/dev/null 2>&1
saved=$(ls "$home"/configuration/tlsgate-*.xml | head -1)
check "saveconfig wrote a file" test -f "$saved"
sed 's/<entry name="a.example">tls=on$/<entry name="a.example">tls=off/' "$saved" >"$home/configuration/bad.xml"
check "the crafted file differs" bash -c '! cmp -s "$1" "$2"' _ "$saved" "$home/configuration/bad.xml"
before=$(committed_dump "$home")
printf '2\nbad.xml\n' | "$TLSGATE" --home "$home" -c loadconfig >"$TEST_TMP/load.out" 2>&1
check_eq "loadconfig of an entry with DANE and TLS No fails" 1 "$?"
check "it says why, naming the entry" grep -q 'Destination control "a.example": That value is not valid. DANE Support needs TLS' "$TEST_TMP/load.out"
check_eq "nothing staged" 0 "$(staged)"
check_eq "nothing committed" "$before" "$(committed_dump "$home")"
printf '2\n%s\n' "$(basename "$saved")" | "$TLSGATE" --home "$home" -c loadconfig >"$TEST_TMP/load2.out" 2>&1
check "the saved file itself loads (No changes detected.)" grep -q 'No changes detected.' "$TEST_TMP/load2.out"
done_testing
