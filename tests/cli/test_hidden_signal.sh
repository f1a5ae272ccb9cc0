#!/usr/bin/env bash
# test_hidden_signal: a console ended by SIGTERM or SIGHUP (sshd on a dropped
# connection) while it reads a hidden answer gives the terminal its echo back.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tmux.sh"
[ -x "$TLSGATE" ] || { not_ok "$TLSGATE is not built"; done_testing; exit 1; }

home=$(new_home hidden)
"$TLSGATE" --home "$home" -c help >/dev/null
for sig in TERM HUP; do
	s=sig$sig
	# The shell around the console reports the terminal's mode once it is gone.
	tm_start "$s" "sh -c \"'$TLSGATE' --home '$home'; stty -a > '$TEST_TMP/stty.$sig'; sleep 60\""
	wait_last "$s" '^mail\.example\.com>$'
	answer "$s" certconfig "- CERTIFICATE -"
	answer "$s" CERTIFICATE "List of Certificate Profiles:"
	answer "$s" EXPORT "Select the certificate profile you want to export:"
	answer "$s" 1 "Enter the name of the file to export to"
	if answer "$s" "" "Enter passphrase:"; then ok "SIG$sig: at a hidden question"; else
		not_ok "SIG$sig: at a hidden question"
		show_screen "$s"
	fi
	pkill -"$sig" -f -- "--home $home\$" || pkill -"$sig" -xf -- "$TLSGATE --home $home"
	poll 10 test -s "$TEST_TMP/stty.$sig"
	check "SIG$sig: the terminal echoes again" grep -qE '(^| )echo( |$)' "$TEST_TMP/stty.$sig"
	tm kill-session -t "$s" 2>/dev/null
done
done_testing
