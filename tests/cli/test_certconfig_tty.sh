#!/usr/bin/env bash
# test_certconfig_tty: certconfig on a real terminal (tmux): passphrases are
# not echoed; a mismatched or wrong passphrase is asked again (interactive
# re-ask) and the session goes on; a pasted private key is not shown; Ctrl-C
# in the middle of a paste abandons the command ("-- Changes not recorded").
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tmux.sh"
[ -x "$TLSGATE" ] || { not_ok "$TLSGATE is not built"; done_testing; exit 1; }

home=$(new_home tty)
s=cert
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TEST_TMP/k.pem" -out "$TEST_TMP/c.pem" \
	-days 30 -subj "/CN=tty.example.com" >/dev/null 2>&1
step() {
	local d=$1
	shift
	if "$@"; then ok "$d"; else
		not_ok "$d"
		show_screen "$s"
	fi
}
staged_keys() { sqlite3 "$home/config.db" "SELECT key FROM staged ORDER BY key" | paste -sd ' ' -; }

tm_start "$s" "'$TLSGATE' --home '$home' --user alice"
step "the shell starts" wait_last "$s" '^mail\.example\.com>$'
answer "$s" certconfig "- CERTIFICATE -"
answer "$s" CERTIFICATE "List of Certificate Profiles:"
answer "$s" EXPORT "Select the certificate profile you want to export:"
answer "$s" 1 "Enter the name of the file to export to"
step "EXPORT asks the passphrase with a bare prompt" answer "$s" "" "Enter passphrase:"
step "the second passphrase question" answer "$s" "hunter2secret" "Please enter the passphrase again"
step "a different second passphrase: The value must ..., asked again" \
	answer "$s" "another" "The value must be the same both times"
step "... the question is asked again" wait_last "$s" '^>$'
step "the same passphrase: exported" answer "$s" "hunter2secret" 'exported to configuration/Demo.p12'
check "the passphrases never appeared on the screen" \
	bash -c "! tmux -S '$TMUX_SOCK' capture-pane -p -J -S - -t '$s' | grep -qE 'hunter2secret|another'"
check_eq "the file is there, mode 600" 600 "$(stat -c %a "$home/configuration/Demo.p12" 2>/dev/null)"

answer "$s" IMPORT "Enter a name for this certificate profile:"
answer "$s" again "Enter the name of the file"
answer "$s" Demo.p12 "Enter passphrase:"
step "a wrong passphrase is refused and asked again" \
	answer "$s" "wrong" "the passphrase is not correct for this file"
step "the right one imports" answer "$s" "hunter2secret" 'Certificate profile "again" imported'

answer "$s" PASTE "Enter a name for this certificate profile:"
answer "$s" tty "Paste public certificate in PEM format"
# (a blank first: tmux takes a leading "-" for an option; pasted lines are trimmed)
while IFS= read -r line; do
	tm send-keys -t "$s" -l " $line"
	tm send-keys -t "$s" Enter
done <"$TEST_TMP/c.pem"
step "the certificate is taken" answer "$s" "." "Paste private key in PEM format"
tm send-keys -t "$s" -l "$(sed -n 2p "$TEST_TMP/k.pem")"
tm send-keys -t "$s" Enter
check "the pasted key line is not shown" \
	bash -c "! tmux -S '$TMUX_SOCK' capture-pane -p -J -S - -t '$s' | grep -qF '$(sed -n 2p "$TEST_TMP/k.pem")'"
step "Ctrl-C in the middle of the key: -- Changes not recorded" \
	send_wait "$s" "-- Changes not recorded" C-c
step "back at the prompt" wait_last "$s" '^mail\.example\.com>$'
check_eq "certconfig's edits of this command are dropped" "" "$(staged_keys)"
step "the session goes on" answer "$s" help "certconfig"

# A real paste: tmux paste-buffer writes the certificate and its "." in one
# go, then the whole key and its "." (echo off once for the block: before a
# fix, each line's TCSAFLUSH threw the rest of the paste away).
answer "$s" certconfig "- CERTIFICATE -"
answer "$s" CERTIFICATE "List of Certificate Profiles:"
answer "$s" PASTE "Enter a name for this certificate profile:"
answer "$s" pasted "Paste public certificate in PEM format"
{ cat "$TEST_TMP/c.pem"; echo .; } >"$TEST_TMP/cert.paste"
{ cat "$TEST_TMP/k.pem"; echo .; } >"$TEST_TMP/key.paste"
tm load-buffer -b cert "$TEST_TMP/cert.paste"
tm load-buffer -b key "$TEST_TMP/key.paste"
tm paste-buffer -b cert -t "$s"
step "the pasted certificate is taken" \
	poll "$TMUX_WAIT" _count_above "$s" "Paste private key in PEM format" 1
tm paste-buffer -b key -t "$s"
step "a key pasted with tmux paste-buffer is accepted" \
	wait_last "$s" 'intermediate certificate\? \[N\]>$'
check "no line of the pasted key is on the screen" \
	bash -c "! tmux -S '$TMUX_SOCK' capture-pane -p -J -S - -t '$s' | grep -qF '$(sed -n 3p "$TEST_TMP/k.pem")'"
answer "$s" N "Choose the operation"
answer "$s" "" "Choose the operation"
answer "$s" "" "mail.example.com>"
check_eq "the pasted profile is staged" "cert.pasted" "$(staged_keys)"

# Ctrl-D at a hidden question: what follows starts on its own line.
answer "$s" certconfig "- CERTIFICATE -"
answer "$s" CERTIFICATE "List of Certificate Profiles:"
answer "$s" EXPORT "Select the certificate profile you want to export:"
answer "$s" 1 "Enter the name of the file to export to"
answer "$s" "" "Enter passphrase:"
step "Ctrl-D at the passphrase: -- Changes not recorded" send_wait "$s" "-- Changes not recorded" C-d
check "... on a line of its own" \
	bash -c "tmux -S '$TMUX_SOCK' capture-pane -p -J -S - -t '$s' | tail -n 3 | grep -qx -- '-- Changes not recorded'"
done_testing
