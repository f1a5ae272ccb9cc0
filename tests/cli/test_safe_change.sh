#!/usr/bin/env bash
# showchanges, rollbackconfig (ROLLBACK and SETUP) and the cli_logs audit trail.
source "$(dirname "$0")/../lib.sh"

H=$(new_home safe)
tg() { "$TLSGATE" --home "$H" "$@"; }
setting() { sqlite3 "$H/config.db" "SELECT value FROM config_values WHERE key='$1' AND version=(SELECT max(version) FROM config_versions)"; }
versions() { sqlite3 "$H/config.db" "SELECT count(*) FROM config_versions"; }

# --- showchanges shows exactly the staged edits, grouped by command
printf 'sslconfig\ninbound\n1-3\n\nN\n\n' | tg >/dev/null
out=$(tg -c showchanges </dev/null | grep -v "^You have uncommitted")
check_eq "showchanges lists the inbound method change" \
"Changes not yet committed (committed configuration: version 2):

sslconfig:
  Inbound SMTP method
    old: tlsv1_1tlsv1_2
    new: tlsv1_1tlsv1_2tlsv1_3
  Inbound SMTP TLS renegotiation
    old: Enabled
    new: Disabled" "$out"
printf 'clear\n\n' | tg >/dev/null
check_eq "showchanges after clear: none" "No changes have been made since the last commit." \
	"$(tg -c showchanges </dev/null)"
printf 'sslconfig\noutbound\n2\nAES128\n\n' | tg >/dev/null
printf 'sslconfig\noutbound\n2-3\n\n\n' | tg >/dev/null
check_eq "an edit set back to the committed value is no longer a change" \
	"Outbound SMTP ciphers" "$(tg -c showchanges </dev/null | sed -n 's/^  \([A-Z]\)/\1/p')"
tg -c clear <<<"Y" >/dev/null

# --- three versions, roll back to the first of them
printf 'inbound\n1\n\n\n\n' | tg -c 'sslconfig; commit "v3"' >/dev/null
printf 'gui\n1-2\n\n\n\n' | tg -c 'sslconfig; commit "v4"' >/dev/null
printf 'outbound\n1\n\n\n' | tg -c 'sslconfig; commit "v5"' >/dev/null
check_eq "three commits made (versions 3..5)" "5" "$(versions)"
list=$(printf '\n' | tg -c rollbackconfig)
check "ROLLBACK lists the saved commits newest first" \
	grep -Eq '^ +1\. .* 4 +[^ ]+ +v4$' <<<"$list"
# Candidates: 1=v4, 2=v3, 3=v2 ("test host"): roll back to v3.
out=$(printf 'rollback\n2\ny\ny\n\n' | tg -c rollbackconfig)
check "the rollback is committed" grep -q '^Changes committed: ' <<<"$out"
check_eq "history shows a new version (rollback is a commit)" "6" "$(versions)"
check_eq "inbound method back to version 3's" "tlsv1_3" "$(setting inbound.methods)"
check_eq "gui method back to version 3's" "tlsv1_1tlsv1_2" "$(setting gui.methods)"
check_eq "outbound method back to version 3's" "tlsv1_1tlsv1_2" "$(setting outbound.methods)"
check_eq "rollback comment recorded" "Rollback to version 3" \
	"$(sqlite3 "$H/config.db" 'SELECT comment FROM config_versions WHERE version=6')"

# --- answering N to "commit now?" stages the old configuration instead
printf 'rollback\n1\ny\nn\n\n' | tg -c rollbackconfig >/dev/null
check_eq "not committed now: still 6 versions" "6" "$(versions)"
check "but staged" grep -q 'Outbound SMTP method' <<<"$(tg -c showchanges </dev/null)"
tg -c clear <<<"Y" >/dev/null

# --- an invalid pick is refused in a batch, nothing changes
before=$(committed_dump "$H")
printf 'rollback\n99\n' | tg -c rollbackconfig >/dev/null
check_eq "out-of-range pick exits 1" "1" "$?"
check_eq "committed config unchanged" "$before" "$(committed_dump "$H")"

# --- SETUP: keep 2, then only 2 earlier versions can be rolled back to
printf 'setup\ny\n2\n\n' | tg -c 'rollbackconfig; commit "keep 2"' >/dev/null
check_eq "rollback.keep committed" "2" "$(setting rollback.keep)"
for v in a b c; do
	printf 'inbound\n1-2\n\n\n\n' | tg -c 'sslconfig; commit "x"' >/dev/null
	printf 'inbound\n1\n\n\n\n' | tg -c 'sslconfig; commit "y"' >/dev/null
done
n=$(printf '\n' | tg -c rollbackconfig | grep -cE '^ +[0-9]+\. ')
check_eq "two saved configurations listed" "2" "$n"
snapshots=$(sqlite3 "$H/config.db" 'SELECT count(DISTINCT version) FROM config_values')
check_eq "snapshots trimmed to latest + 2" "3" "$snapshots"
check_eq "history rows kept" "13" "$(versions)"
printf 'setup\nn\n\n' | tg -c 'rollbackconfig; commit "no rollback"' >/dev/null
check "rollback disabled: nothing to roll back to" \
	grep -q 'There are no saved configurations' <<<"$(printf '\n' | tg -c rollbackconfig)"

# --- audit trail
log=$H/logs/cli_logs
check "cli_logs exists, mode 0600" test "$(stat -c %a "$log")" = 600
check "commit line with user, version, comment and change" \
	grep -q 'Info: commit: user [^ ]* version 3 comment "v3" changes: Inbound SMTP method: tlsv1_1tlsv1_2 -> tlsv1_3' "$log"
check "rollback line" grep -q 'Info: rollback: user [^ ]* version 6 comment "Rollback to version 3"' "$log"

# A commit that only adds a named entry (a console user) names it, not "none".
printf 'userconfig\nnew\nauditee\n1\nauditpass1\nauditpass1\n\ncommit\nadd auditee\n\n' | "$TLSGATE" --home "$H" >/dev/null 2>&1
check "entry-only commit names the entry" \
	grep -q 'comment "add auditee" changes: User "auditee" added$' "$log"
check "no commit line says changes: none" sh -c "! grep -q 'changes: none' '$log'"

done_testing
