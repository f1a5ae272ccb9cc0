#!/usr/bin/env bash
# test_interactive: the real readline shell in a pseudo-terminal (tmux):
# Tab completion of commands and menu operations, re-asking after an invalid
# answer, Ctrl-C in the middle of a dialog ("-- Changes not recorded", that
# command's edits dropped, earlier ones kept, back at the prompt), Ctrl-D at a
# question, an unknown command that does not end the session, and exit.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tmux.sh"
[ -x "$TLSGATE" ] || { not_ok "$TLSGATE is not built"; # ---- Ctrl-D at the main prompt leaves as exit does ----
s=bob
tm_start "$s" "'$TLSGATE' --home '$home' --user bob"
wait_last "$s" "$prompt_re"
step "Ctrl-D with nothing staged leaves at once" wait_gone_after "$s" C-d
s=alice
tm_start "$s" "'$TLSGATE' --home '$home' --user alice"
wait_last "$s" "$prompt_re"
step "Ctrl-D at the main prompt with staged edits asks as exit does" \
	send_wait "$s" "Do you want to commit before exiting? [N]>" C-d
step "Ctrl-D at that question takes the default (N): the session ends" wait_gone_after "$s" C-d
check_eq "the edits are still staged" \
	"inbound.methods=tlsv1_1tlsv1_2tlsv1_3 sslconfig.peer_cert_fqdn=enabled" "$(staged_rows)"
done_testing; exit 1; }

home=$(new_home interactive)
prompt_re='^mail\.example\.com>$'
s=alice

staged_rows() {
	sqlite3 "$home/config.db" "SELECT key || '=' || value FROM staged WHERE user = 'alice'
		ORDER BY key" | paste -sd ' ' -
}

# wait_gone_after NAME KEY: send KEY, then the session must end.
wait_gone_after() {
	tm send-keys -t "$1" "$2"
	wait_gone "$1"
}

# step DESCRIPTION COMMAND...: one TAP line; on failure, the screen.
step() {
	local d=$1
	shift
	if "$@"; then ok "$d"; else
		not_ok "$d"
		show_screen "$s"
	fi
}

# Files in the shell's directory that readline's default completion would offer.
TM_CWD=$TEST_TMP/cwd
mkdir -p "$TM_CWD" && touch "$TM_CWD/1-file" "$TM_CWD/file.txt"

tm_start "$s" "'$TLSGATE' --home '$home' --user alice"
step "the shell starts at the host name prompt" wait_last "$s" "$prompt_re"
# (the Z typed after Tab shows that Tab has been handled)
tm send-keys -t "$s" -l "commit fi"
tm send-keys -t "$s" Tab
tm send-keys -t "$s" -l Z
step "no file-name completion after a command (\"commit fi\" stays)" \
	wait_last "$s" '^mail\.example\.com> commit fiZ$'
tm send-keys -t "$s" C-u

# ---- Tab completion ----
tm send-keys -t "$s" -l sslc
tm send-keys -t "$s" Tab
step "Tab completes \"sslc\" to sslconfig" wait_last "$s" '^mail\.example\.com> sslconfig$'
step "Enter runs it: the settings block and the operation menu" \
	send_wait "$s" "Choose the operation you want to perform:" Enter
step "the menu waits at []>" wait_last "$s" '^\[\]>$'
check "the block was printed" grep -qx "Inbound SMTP method: tlsv1_1tlsv1_2" <(tm_text "$s")

tm send-keys -t "$s" -l INB
tm send-keys -t "$s" Tab
step "Tab at the menu completes \"INB\" to INBOUND" wait_last "$s" '^\[\]> INBOUND$'
tm send-keys -t "$s" C-u
tm send-keys -t "$s" -l peer_cert_f
tm send-keys -t "$s" Tab
step "completion is case-insensitive: \"peer_cert_f\" -> PEER_CERT_FQDN" \
	wait_last "$s" '^\[\]> PEER_CERT_FQDN$'
tm send-keys -t "$s" C-u
tm send-keys -t "$s" -l PEER
tm send-keys -t "$s" Tab
step "an ambiguous prefix completes to the common part (PEER_CERT_)" \
	wait_last "$s" '^\[\]> PEER_CERT_$'
tm send-keys -t "$s" C-u
tm send-keys -t "$s" -l ssl
tm send-keys -t "$s" Tab
step "at the menu, command names are not offered (\"ssl\" stays)" wait_last "$s" '^\[\]> ssl$'
tm send-keys -t "$s" C-u
tm send-keys -t "$s" -l inb
tm send-keys -t "$s" Tab
step "and \"inb\" -> INBOUND" wait_last "$s" '^\[\]> INBOUND$'

# ---- re-ask after an invalid answer ----
step "INBOUND asks for the method" \
	send_wait "$s" "Enter the inbound SMTP SSL method you want to use." Enter
step "with the default [2-3]" wait_last "$s" '^\[2-3\]>$'
tm send-keys -t "$s" -l 1
tm send-keys -t "$s" Tab
tm send-keys -t "$s" -l Z
step "no completion at a free-text question (\"1\" stays, no file name)" \
	wait_last "$s" '^\[2-3\]> 1Z$'
tm send-keys -t "$s" C-u
step "\"1,3\" is refused with the contiguity message" \
	answer "$s" "1,3" "TLS protocols can be enabled only in sequence."
step "and the same question is asked again" wait_last "$s" '^\[2-3\]>$'
check_eq "the question appears twice now" 2 \
	"$(tm_count "$s" "Enter the inbound SMTP SSL method you want to use.")"
step "\"5\" is refused too" answer "$s" "5" "That value is not valid."
step "asked again" wait_last "$s" '^\[2-3\]>$'
step "\"1-3\" is accepted: the cipher question follows" \
	answer "$s" "1-3" "Enter the inbound SMTP ssl cipher you want to use."
check "the session is still alive" tm_alive "$s"

# ---- Ctrl-C in the middle of the dialog ----
step "Ctrl-C at the cipher question prints \"-- Changes not recorded\"" \
	send_wait "$s" "-- Changes not recorded" C-c
step "and returns to the main prompt" wait_last "$s" "$prompt_re"
check_eq "nothing of the abandoned command is staged" "" "$(staged_rows)"
step "commit: \"There is no data to commit.\"" \
	answer "$s" commit "There is no data to commit."
step "prompt again" wait_last "$s" "$prompt_re"

# An earlier command's edit survives a later command's Ctrl-C; the
# interrupted command's own finished operations are dropped with it.
answer "$s" sslconfig "sslconfig settings:"
answer "$s" PEER_CERT_FQDN "Peer certificate FQDN validation is currently disabled."
answer "$s" ENABLE "Peer certificate FQDN validation: Enabled"
answer "$s" "" "mail.example.com>"
step "back at the prompt after enabling PEER_CERT_FQDN" wait_last "$s" "$prompt_re"
check_eq "that edit is staged" "sslconfig.peer_cert_fqdn=enabled" "$(staged_rows)"
answer "$s" sslconfig "sslconfig settings:"
answer "$s" PEER_CERT_X509 "Peer certificate X509 validation is currently disabled."
answer "$s" ENABLE "Peer certificate X509 validation: Enabled"
check_eq "X509 is staged as soon as its operation ends" \
	"sslconfig.peer_cert_fqdn=enabled sslconfig.peer_cert_x509=enabled" "$(staged_rows)"
step "then INBOUND in the same sslconfig" \
	answer "$s" INBOUND "Enter the inbound SMTP SSL method you want to use."
step "an answer, then the renegotiation question" \
	answer "$s" "1-2" "Enter the inbound SMTP ssl cipher you want to use."
answer "$s" "" "Do you want to enable TLS Renegotiation for inbound SMTP?"
step "Ctrl-C at the renegotiation question" send_wait "$s" "-- Changes not recorded" C-c
step "back at the prompt" wait_last "$s" "$prompt_re"
check_eq "the earlier command's edit is kept; this command's X509 and INBOUND are dropped" \
	"sslconfig.peer_cert_fqdn=enabled" "$(staged_rows)"

# Ctrl-D at a question abandons the command the same way.
answer "$s" sethostname "[mail.example.com]>"
step "Ctrl-D at sethostname's question: \"-- Changes not recorded\"" \
	send_wait "$s" "-- Changes not recorded" C-d
step "back at the prompt" wait_last "$s" "$prompt_re"
check_eq "staged edits as before" "sslconfig.peer_cert_fqdn=enabled" "$(staged_rows)"
check "... on a line of its own, not after the question" \
	bash -c "tmux -S '$TMUX_SOCK' capture-pane -p -J -S - -t '$s' | grep -qx -- '-- Changes not recorded'"

# Ctrl-C on an empty main prompt just gives a new prompt.
before=$(tm_count "$s" "mail.example.com>")
tm send-keys -t "$s" C-c
step "Ctrl-C at the main prompt gives a fresh prompt" \
	poll "$TMUX_WAIT" _count_above "$s" "mail.example.com>" "$before"
check "and the session goes on" tm_alive "$s"

# ---- a full interactive edit, errors that do not end the session ----
answer "$s" sslconfig "sslconfig settings:"
answer "$s" INBOUND "Enter the inbound SMTP SSL method you want to use."
answer "$s" "1-3" "Enter the inbound SMTP ssl cipher you want to use."
answer "$s" "" "Do you want to enable TLS Renegotiation for inbound SMTP?"
answer "$s" "" "Inbound SMTP method: tlsv1_1tlsv1_2tlsv1_3"
step "Enter on the menu leaves sslconfig" answer "$s" "" "mail.example.com>"
step "prompt" wait_last "$s" "$prompt_re"
check_eq "the completed INBOUND edit is staged" \
	"inbound.methods=tlsv1_1tlsv1_2tlsv1_3 sslconfig.peer_cert_fqdn=enabled" "$(staged_rows)"
step "an unknown command is reported" answer "$s" bogus 'Unknown command: "bogus"'
step "and the session stays at the prompt" wait_last "$s" "$prompt_re"
check "still alive" tm_alive "$s"

# ---- exit with uncommitted changes, answering N ----
step "exit asks about the uncommitted changes" \
	answer "$s" exit "There are uncommitted changes. Do you want to commit before exiting? [N]>"
tm send-keys -t "$s" -l N
tm send-keys -t "$s" Enter
check "N leaves the console: the session has ended" wait_gone "$s"
check_eq "the edits stay staged for alice's next session" \
	"inbound.methods=tlsv1_1tlsv1_2tlsv1_3 sslconfig.peer_cert_fqdn=enabled" "$(staged_rows)"
check_eq "nothing was committed" "1 2" \
	"$(sqlite3 "$home/config.db" 'SELECT min(version), max(version) FROM config_versions' |
		tr '|' ' ')"

# ---- Ctrl-D at the main prompt leaves as exit does ----
s=bob
tm_start "$s" "'$TLSGATE' --home '$home' --user bob"
wait_last "$s" "$prompt_re"
step "Ctrl-D with nothing staged leaves at once" wait_gone_after "$s" C-d
s=alice
tm_start "$s" "'$TLSGATE' --home '$home' --user alice"
wait_last "$s" "$prompt_re"
step "Ctrl-D at the main prompt with staged edits asks as exit does" \
	send_wait "$s" "Do you want to commit before exiting? [N]>" C-d
step "Ctrl-D at that question takes the default (N): the session ends" wait_gone_after "$s" C-d
check_eq "the edits are still staged" \
	"inbound.methods=tlsv1_1tlsv1_2tlsv1_3 sslconfig.peer_cert_fqdn=enabled" "$(staged_rows)"
done_testing
