# shellcheck shell=bash
# bench/smtp.sh: the inbound SMTP rows of bench/run.sh, sourced by it (uses its
# helpers: measure, row, verdict, ...): tlsgated vs Postfix smtpd, a listener
# per certificate: STARTTLS sessions, plain sessions, 10 KB messages.

smtp_section() {
	client "$LOAD" --connect "127.0.0.1:$PF_SMTP_rsa" --mode starttls --duration 0.5 >/dev/null
	client "$LOAD" --connect "127.0.0.1:$PF_SMTP_ec" --mode starttls --duration 0.5 >/dev/null
	for spec in "ec starttls 16 STARTTLS sessions (ECDSA)" "ec starttls 1 STARTTLS sessions (ECDSA)" \
		"rsa starttls 16 STARTTLS sessions (RSA)" "rsa starttls 1 STARTTLS sessions (RSA)" \
		"rsa plain 16 plain SMTP sessions (no TLS)" "rsa message 16 10 KB messages over STARTTLS (RSA)"; do
		read -r kind what c text <<<"$spec"
		args=(--mode "$what")
		[ "$what" = plain ] && args=(--mode starttls --plain)
		tg_port=TG_SMTP_$kind tg_pid=TG_PID_$kind pf_port=PF_SMTP_$kind
		measure "${!tg_pid}" --connect "127.0.0.1:${!tg_port}" "${args[@]}" --threads "$c"
		tr=$M_RATE tus=$M_US tf=$M_FAIL tsys=$M_SYS_US
		measure "$PF_PID" --connect "127.0.0.1:${!pf_port}" "${args[@]}" --threads "$c"
		pr=$M_RATE pus=$M_US pf=$M_FAIL psys=$M_SYS_US
		r=$(ratio "$tr" "$pr")
		target="-" holds="-"
		[ "$what" = starttls ] && [ "$c" = 16 ] && target="≥ 2.0" holds=$(verdict "$r" ">=" 2.0)
		row "SMTP $text, $c client(s): per second (failed: $tf / $pf)" "$tr" "$pr" "$r" "$target" "$holds"
		r=$(ratio "$tus" "$pus")
		target="-" holds="-"
		[ "$what" = starttls ] && target="≤ 0.3" holds=$(verdict "$r" "<=" 0.3)
		row "SMTP $text, $c client(s): server CPU µs each (of it in the kernel)" "$tus ($tsys)" \
			"$pus ($psys)" "$r" "$target" "$holds"
		# The floor: a TLS 1.3 handshake as nginx serves it (the same OpenSSL
		# work, nothing else; HTTPS rows, 50 clients), and its crypto alone
		# (one signature, one X25519 key and derivation), as shares of
		# Postfix's whole session.
		crypto=CRYPTO_US_$kind ng=NG_HS_US_$kind
		[ "$what" = plain ] ||
			echo "SMTP $text, $c client(s): nginx's whole handshake (${!ng:-?} µs) is $(ratio "${!ng:-0}" "$pus")×, the crypto alone (${!crypto} µs) $(ratio "${!crypto}" "$pus")× Postfix's session" >>"$W/notes"
	done
}
