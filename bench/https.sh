# shellcheck shell=bash
# bench/https.sh: the HTTPS rows of bench/run.sh, sourced by it (uses its
# helpers: measure, row, verdict, ...): full handshakes, tlsgated vs nginx, per
# key type, TLS version and client count; then the TLS usage record's cost
# (issue 17), recording on vs --no-usage, and measured alone.

warm() { client "$LOAD" --connect "127.0.0.1:$1" --mode https --duration 0.5 >/dev/null; }
median() { printf '%s\n' "$@" | sort -n | sed -n 2p; }

https_section() {
	for p in "$TG_HTTPS_rsa" "$TG_HTTPS_ec" "$NG_HTTPS_rsa" "$NG_HTTPS_ec"; do warm "$p"; done
	for kind in ec rsa; do
		for v in 1.3 1.2; do
			for c in 1 50; do
				tg_port=TG_HTTPS_$kind tg_pid=TG_PID_$kind ng_port=NG_HTTPS_$kind
				crypto=CRYPTO_US_$kind
				measure "${!tg_pid}" --connect "127.0.0.1:${!tg_port}" --mode https --tls "$v" --threads "$c"
				tr=$M_RATE tus=$M_US tf=$M_FAIL tcli=$M_CLI_US tsys=$M_SYS_US
				measure "$NG_PID" --connect "127.0.0.1:${!ng_port}" --mode https --tls "$v" --threads "$c"
				nr=$M_RATE nus=$M_US nf=$M_FAIL nsys=$M_SYS_US
				# nginx's whole handshake: the STARTTLS rows' floor (smtp.sh)
				[ "$v" = 1.3 ] && [ "$c" = 50 ] && printf -v "NG_HS_US_$kind" %s "$nus"
				label="HTTPS TLS $v $([ $kind = ec ] && echo ECDSA || echo RSA), $c client(s)"
				r=$(ratio "$tr" "$nr")
				row "$label: handshakes/s (failed: $tf / $nf)" "$tr" "$nr" "$r" "≥ 1.0" \
					"$(verdict "$r" ">=" 1.0)"
				r=$(ratio "$tus" "$nus")
				row "$label: server CPU µs/handshake (crypto ${!crypto} µs = share; of it in the kernel)" \
					"$tus ($(calc "100 * ${!crypto} / $tus" 0)%; $tsys)" \
					"$nus ($(calc "100 * ${!crypto} / $nus" 0)%; $nsys)" "$r" "≤ 0.8" "$(verdict "$r" "<=" 0.8)"
				echo "$label client CPU µs/handshake (tlsgated run): $tcli" >>"$W/notes"
			done
		done
	done
}

# The TLS usage record (issue 17): HTTPS handshakes with recording on (the
# default) and off (--no-usage), alternated, median of 3 runs each.
usage_section() {
	warm "$TG_HTTPS_ecoff"
	on=() off=()
	for i in 1 2 3; do
		measure "$TG_PID_ec" --connect "127.0.0.1:$TG_HTTPS_ec" --mode https --tls 1.3 --threads 1
		on+=("$M_US")
		measure "$TG_PID_ecoff" --connect "127.0.0.1:$TG_HTTPS_ecoff" --mode https --tls 1.3 --threads 1
		off+=("$M_US")
	done
	# The same cost measured alone, without the noise of a shared machine:
	# usage_count on a real TLS 1.3 session vs the server side of a full
	# in-memory TLS 1.3 ECDSA handshake, in one process on the server core.
	cost_out=$(server "$TOP/$BUILD/tests/usage_cost")
	say "usage_cost: $cost_out"
	row "TLS usage record alone: CPU per recorded session, ns (server side of a TLS 1.3 ECDSA handshake, µs)" \
		"$(kv record_ns "$cost_out")" "$(kv handshake_us "$cost_out") µs (handshake)" \
		"$(kv share_percent "$cost_out") %" "< 2 %" "$(verdict "$(kv share_percent "$cost_out")" "<" 2)"
	uon=$(median "${on[@]}") uoff=$(median "${off[@]}")
	cost=$(calc "100 * ($uon - $uoff) / $uoff" 1)
	row "TLS usage record: server CPU µs/handshake, HTTPS TLS 1.3 ECDSA, recording on vs --no-usage (cost %)" \
		"$uon" "$uoff (off)" "$cost %" "< 2 %" "$(verdict "$cost" "<" 2)"
}
