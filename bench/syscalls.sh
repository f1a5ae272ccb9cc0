# shellcheck shell=bash
# bench/syscalls.sh: the system-call rows of bench/run.sh, sourced by it (uses
# its helpers: client, row, calc, ...): strace -c on the server over serial
# HTTPS handshakes (tlsgated vs nginx's worker) and STARTTLS sessions.

# syscalls PID PORT MODE: system calls the process (and its threads) makes
# per session over 400 sessions of one client.
syscalls() {
	local pid=$1 port=$2 mode=$3 sp n=400 calls out
	command -v strace >/dev/null || { echo n/a; return; }
	strace -c -f -p "$pid" -o "$W/strace.out" 2>/dev/null &
	sp=$!
	sleep 0.5
	out=$(client "$LOAD" --connect "127.0.0.1:$port" --mode "$mode" --tls 1.3 --count "$n")
	sleep 0.2
	kill -INT "$sp" 2>/dev/null
	wait "$sp" 2>/dev/null
	calls=$(awk '/ total$/ { print (NF == 6 ? $(NF - 2) : $(NF - 1)) }' "$W/strace.out")
	say "strace $pid $mode: $out; $(tr '\n' ' ' <"$W/strace.out")"
	calc "${calls:-0} / $n" 1
}

syscalls_section() {
	NG_WORKER=$(pgrep -P "$NG_PID" | head -n 1)
	sc_tg=$(syscalls "$TG_PID_ec" "$TG_HTTPS_ec" https)
	sc_ng=$(syscalls "$NG_WORKER" "$NG_HTTPS_ec" https)
	row "system calls per HTTPS TLS 1.3 ECDSA handshake (strace -c, 400 serial handshakes; nginx: its worker)" \
		"$sc_tg" "$sc_ng" "$(ratio "$sc_tg" "$sc_ng")" "-" "-"
	sc_tgs=$(syscalls "$TG_PID_ec" "$TG_SMTP_ec" starttls)
	row "system calls per SMTP STARTTLS session, TLS 1.3 (strace -c, 400 serial sessions)" \
		"$sc_tgs" "-" "-" "-" "-"
}
