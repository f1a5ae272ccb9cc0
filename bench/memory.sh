# shellcheck shell=bash
# bench/memory.sh: the memory rows of bench/run.sh, sourced by it (uses its
# helpers: tree_rss, row, calc, ...): RSS of the idle servers and per idle TLS
# connection (1,000 held open), and the idle tlsgated's own and shared pages.
# Run first, on fresh processes.

mem_row() { # NAME TG_ROOT REF_ROOT PORT_TG PORT_REF
	local tg0 ref0 tg1 ref1 tgp refp fifo=$W/idle.fifo
	sleep 0.3
	tg0=$(tree_rss "$TG_PID_ec")
	ref0=$(tree_rss "$NG_PID")
	tga=$(tree_rss "$TG_PID_ec" RssAnon)
	refa=$(tree_rss "$NG_PID" RssAnon)
	tgp=$(tree_rss "$TG_PID_ec" Pss smaps_rollup)
	refp=$(tree_rss "$NG_PID" Pss smaps_rollup)
	for side in tg ref; do
		local port=$TG_HTTPS_ec root=$TG_PID_ec
		[ $side = ref ] && port=$NG_HTTPS_ec root=$NG_PID
		rm -f "$fifo" && mkfifo "$fifo"
		client "$LOAD" --connect "127.0.0.1:$port" --mode idle --idle 1000 --tls 1.3 <"$fifo" \
			>"$W/idle.$side" &
		local lp=$!
		exec 7>"$fifo"
		for _ in $(seq 600); do grep -q '^ready' "$W/idle.$side" && break; sleep 0.05; done
		sleep 0.3
		printf -v "${side}1" %s "$(tree_rss "$root")"
		exec 7>&-
		wait "$lp"
	done
	say "idle: $(cat "$W/idle.tg") / $(cat "$W/idle.ref")"
	row "RSS idle, kB (HTTPS: tlsgated vs nginx master+worker; anonymous part)" \
		"$tg0 ($tga)" "$ref0 ($refa)" "$(ratio "$tg0" "$ref0")" "tlsgated ≤ 8192" \
		"$(verdict "$tg0" "<=" 8192)"
	# PSS: each shared page divided by the processes mapping it, so a
	# library's pages count once across the machine, not once per server.
	row "PSS idle, kB (shared pages divided among the processes mapping them)" "$tgp" "$refp" \
		"$(ratio "$tgp" "$refp")" "-" "-"
	local tgc refc
	tgc=$(calc "($tg1 - $tg0) / 1000" 1)
	refc=$(calc "($ref1 - $ref0) / 1000" 1)
	row "RSS per idle TLS connection, kB (1,000 open)" "$tgc" "$refc" "$(ratio "$tgc" "$refc")" \
		"≤ 1.0" "$(verdict "$tgc" "<=" "$refc")"
}

memory_section() {
	mem_row

	# Own memory and shared pages of the idle tlsgated (smaps_rollup): the
	# anonymous part is its own; the rest is file pages, nearly all shared
	# libraries (libcrypto, libc, libsqlite3), mapped in every process using them.
	split=$(awk '/^Rss:/ { r = $2 } /^Anonymous:/ { a = $2 } /^Shared_Clean:/ { s = $2 }
		END { printf "%d %d %d", r, a, s }' "/proc/$TG_PID_rsa/smaps_rollup")
	read -r rss_all rss_own rss_shared <<<"$split"
	row "RSS idle, kB, tlsgated (fresh, RSA home): own (anonymous); shared clean (libraries); file pages in all" \
		"$rss_own; $rss_shared; $((rss_all - rss_own))" "-" "-" "-" "-"
}
