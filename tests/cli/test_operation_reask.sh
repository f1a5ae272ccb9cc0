#!/usr/bin/env bash
# test_operation_reask: a mistake inside an operation on a real terminal
# (tmux) keeps the admin in the command: destconfig DETAIL of an unknown
# domain and certconfig DELETE of a profile in use print their error and the
# menu is asked again, so answers typed ahead are taken by the menu, never
# run as commands ("Unknown command: \"new\""), and nothing is staged.
# Batch mode still stops (tests/transcripts/err_destconfig_unknown, err_cert_delete_in_use).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tmux.sh"
[ -x "$TLSGATE" ] || { not_ok "$TLSGATE is not built"; done_testing; exit 1; }

home=$(new_home reask)
prompt_re='^mail\.example\.com>$'
s=reask
staged_keys() { sqlite3 "$home/config.db" "SELECT key FROM staged ORDER BY key" | paste -sd ' ' -; }

tm_start "$s" "'$TLSGATE' --home '$home' --user alice"
step "the shell starts" wait_last "$s" "$prompt_re"

# ---- destconfig DETAIL of an unknown domain, with answers typed ahead ----
answer "$s" destconfig "- EXPORT - Export tables to a file."
menus=$(tm_count "$s" "Choose the operation you want to perform:")
# Typed in one go, as a paste or a fast typist would: the domain is unknown,
# and "new" is meant for the menu that must come back.
tm send-keys -t "$s" -l "DETAIL"
tm send-keys -t "$s" Enter
tm send-keys -t "$s" -l "nowhere.example"
tm send-keys -t "$s" Enter
tm send-keys -t "$s" -l "new"
tm send-keys -t "$s" Enter
step "DETAIL of an unknown domain: the error is said" \
	poll "$TMUX_WAIT" _count_above "$s" '"nowhere.example" was not found in the destination control table.' 0
step "... and the menu is asked again (NEW, typed ahead, runs in destconfig)" \
	poll "$TMUX_WAIT" _count_above "$s" "Enter the domain you wish to configure." 0
check_eq "destconfig's menu was shown again" $((menus + 1)) \
	"$(tm_count "$s" "Choose the operation you want to perform:")"
check_eq "no answer was run as a command" 0 "$(tm_count "$s" "Unknown command")"
step "NEW goes on with its questions" answer "$s" "new.example" "concurrency limit"
step "Ctrl-C leaves NEW" send_wait "$s" "-- Changes not recorded" C-c
step "back at the main prompt" wait_last "$s" "$prompt_re"

# ---- DELETE of an unknown domain: the error, the menu again, nothing staged ----
answer "$s" destconfig "- EXPORT - Export tables to a file."
answer "$s" DELETE "Enter the domain you wish to delete."
step "DELETE of an unknown domain: the error, then the menu again" \
	answer "$s" "gone.example" "was not found in the destination control table."
step "... the menu is back" wait_last "$s" '^\[\]>$'
step "Enter leaves destconfig" answer "$s" "" "mail.example.com>"
step "back at the main prompt" wait_last "$s" "$prompt_re"
check_eq "nothing was staged" "" "$(staged_keys)"

# ---- certconfig DELETE of a profile in use ----
answer "$s" certconfig "- CERTIFICATE -"
answer "$s" CERTIFICATE "- PRINT - View a certificate"
listings=$(tm_count "$s" "List of Certificate Profiles:")
answer "$s" DELETE "Select the certificate profile you want to delete:"
step "DELETE of the profile in use: refused, saying where it is used" \
	answer "$s" 1 'Certificate profile "Demo" is in use by'
step "... the CERTIFICATE menu is asked again, with its listing" \
	poll "$TMUX_WAIT" _count_above "$s" "List of Certificate Profiles:" "$listings"
step "... at its prompt" wait_last "$s" '^\[\]>$'
check_eq "the profile is still there (nothing staged)" "" "$(staged_keys)"
step "PRINT still works in the same menu" answer "$s" PRINT "Select the certificate profile you want to print:"
step "... and shows Demo" answer "$s" 1 "Certificate profile: Demo"
answer "$s" "" "- CRL -"
answer "$s" "" "mail.example.com>"
step "Enter twice: back at the main prompt" wait_last "$s" "$prompt_re"
check_eq "still no answer was run as a command" 0 "$(tm_count "$s" "Unknown command")"
tm send-keys -t "$s" -l "exit"
tm send-keys -t "$s" Enter
step "the session ends" wait_gone "$s"
done_testing
