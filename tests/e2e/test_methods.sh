#!/usr/bin/env bash
# For GUI HTTPS and Inbound SMTP, every contiguous method set (menu answers 1
# ... 1-4), committed through the shell into one running daemon: a client
# offering only TLS 1.0, 1.1, 1.2 or 1.3 completes a handshake exactly when
# that version is enabled. Cipher string DEFAULT, so 1.0/1.1 have suites.
# Then the mail log holds one success or failure line per connection.
. "$(dirname "$0")/e2e_lib.sh"

home=$(new_home methods)
if ! start_daemon "$home"; then
	not_ok "tlsgated starts"
	done_testing
	exit 1
fi

# Menu numbers: 1 = TLS v1.3, 2 = v1.2, 3 = v1.1, 4 = v1.0.
menu_number() {
	case $1 in
	1.3) echo 1 ;;
	1.2) echo 2 ;;
	1.1) echo 3 ;;
	1.0) echo 4 ;;
	esac
}

# enabled SELECTION VERSION: is VERSION inside the range "lo-hi" (or "n")?
enabled() {
	local n lo=${1%-*} hi=${1#*-}
	n=$(menu_number "$2")
	[ "$n" -ge "$lo" ] && [ "$n" -le "$hi" ]
}

sets=(1 2 3 4 1-2 2-3 3-4 1-3 2-4 1-4)
declare -A succeeded failed
for svc in gui inbound; do
	port=$HTTPS_PORT mode=
	if [ "$svc" = inbound ]; then
		port=$SMTP_PORT mode=smtp
	fi
	succeeded[$svc]=0 failed[$svc]=0
	for sel in "${sets[@]}"; do
		if ! commit_sslconfig "$home" "$svc" "$sel" DEFAULT; then
			not_ok "$svc: commit of methods $sel"
			sed 's/^/#   /' "$TEST_TMP/commit.out" | tail -n 5
			continue
		fi
		want="" got=""
		for v in 1.0 1.1 1.2 1.3; do
			enabled "$sel" "$v" && want+="$v "
			if handshake "$port" "$v" $mode; then
				got+="$v "
				succeeded[$svc]=$((succeeded[$svc] + 1))
			else
				failed[$svc]=$((failed[$svc] + 1))
			fi
		done
		check_eq "$svc methods $sel: exactly these versions handshake" "$want" "$got"
	done
done

check_eq "the daemon applied all 20 commits without restarting" \
	"$(( $(sqlite3 "$home/config.db" 'SELECT max(version) FROM config_versions') ))" \
	"$(control "$home" status | sed 's/^version //')"
check "the daemon process is the one started first" kill -0 "$DAEMON_PID"

# Each probe is one connection: one TLS outcome line, one close line.
total_gui=$((succeeded[gui] + failed[gui]))
total_in=$((succeeded[inbound] + failed[inbound]))
check_eq "mail log: one HTTPS close line per connection" "$total_gui" \
	"$(wait_log "$home" '^.{24} Info: HTTPS CID [0-9]+ close$' "$total_gui")"
check_eq "mail log: HTTPS TLS success lines match the handshakes that succeeded" \
	"${succeeded[gui]}" "$(grep -cE 'Info: HTTPS CID [0-9]+ TLS success protocol TLSv1(\.[0-3])? cipher ' "$home/logs/mail_logs")"
check_eq "mail log: HTTPS TLS failed lines match the handshakes that failed" \
	"${failed[gui]}" "$(grep -cE "Info: HTTPS CID [0-9]+ TLS failed: \([0-9]+, 'error:" "$home/logs/mail_logs")"
check_eq "mail log: one New SMTP ICID line per connection" "$total_in" \
	"$(grep -cE 'Info: New SMTP ICID [0-9]+ interface InboundMail \(127\.0\.0\.1\) address 127\.0\.0\.1 reverse dns host unknown verified no$' "$home/logs/mail_logs")"
check_eq "mail log: one ICID close line per connection" "$total_in" \
	"$(wait_log "$home" '^.{24} Info: ICID [0-9]+ close$' "$total_in")"
check_eq "mail log: ICID TLS success lines match the handshakes that succeeded" \
	"${succeeded[inbound]}" "$(grep -cE 'Info: ICID [0-9]+ TLS success protocol TLSv1(\.[0-3])? cipher ' "$home/logs/mail_logs")"
check_eq "mail log: ICID TLS failed lines match the handshakes that failed" \
	"${failed[inbound]}" "$(grep -cE "Info: ICID [0-9]+ TLS failed: \([0-9]+, 'error:" "$home/logs/mail_logs")"
check "mail log: a refused TLS 1.0 client is logged as OpenSSL's 'unsupported protocol'" \
	poll 3 grep -qE "TLS failed: \(167772418, 'error:0A000102:SSL routines::unsupported protocol'\)" "$home/logs/mail_logs"
check_eq "mail log: one 'Configuration version N applied' line per commit (+1 at start)" 21 \
	"$(grep -cE '^[A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8} [0-9]{4} Info: Configuration version [0-9]+ applied$' "$home/logs/mail_logs")"
done_testing
