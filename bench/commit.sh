# shellcheck shell=bash
# bench/commit.sh: the commit rows of bench/run.sh, sourced by it (uses its
# helpers: client, kv, row, ...): commit-to-enforced latency and late accepts
# (bench/commit_probe.py latency) for tlsgated vs nginx -s reload and postfix
# reload; what one commit builds (tests/tools/commit_work.sh); failed
# connections while the policy flips under load (commit_probe.py underload).

commit_section() {
	say "commit-to-enforced: tlsgated ($COMMITS commits)"
	tg=$(client "$PY" "$PROBE" latency --kind tlsgate --load "$LOAD" --connect "127.0.0.1:$TG_HTTPS_ec" \
		--n "$COMMITS" --trace "$W/probe.tg" --tlsgate "$TLSGATE" --home "$W/tg-ec")
	say "$tg"
	say "nginx -s reload ($COMMITS reloads)"
	ng=$(client "$PY" "$PROBE" latency --kind nginx --load "$LOAD" --connect "127.0.0.1:$NG_HTTPS_ec" \
		--n "$COMMITS" --settle 0.3 --trace "$W/probe.ng" --nginx nginx --nginx-prefix "$W/nginx" \
		--nginx-conf nginx.conf --nginx-protocols "$W/nginx/protocols.conf")
	say "$ng"
	say "postfix reload ($RELOADS reloads)"
	pf=$(client "$PY" "$PROBE" latency --kind postfix --mode starttls --load "$LOAD" \
		--connect "127.0.0.1:$PF_SMTP_ec" --n "$RELOADS" --settle 1 --trace "$W/probe.pf" \
		--postfix-dir "$W/postfix")
	say "$pf"
	say "tlsgated inbound SMTP ($RELOADS commits)"
	tgs=$(client "$PY" "$PROBE" latency --kind tlsgate --mode starttls --service inbound --load "$LOAD" \
		--connect "127.0.0.1:$TG_SMTP_ec" --n "$RELOADS" --trace "$W/probe.tgs" --tlsgate "$TLSGATE" \
		--home "$W/tg-ec")
	say "$tgs"
	for k in median_ms p99_ms; do
		t=$(kv "$k" "$tg")
		n=$(kv "$k" "$ng")
		lim=10
		[ $k = p99_ms ] && lim=50
		row "commit-to-enforced, HTTPS, ${k%_ms}, ms (vs nginx -s reload)" "$t" "$n" "$(ratio "$t" "$n")" \
			"≤ $lim ms" "$(verdict "$t" "<=" $lim)"
		t=$(kv "$k" "$tgs")
		n=$(kv "$k" "$pf")
		row "commit-to-enforced, SMTP, ${k%_ms}, ms (vs postfix reload)" "$t" "$n" "$(ratio "$t" "$n")" \
			"≤ $lim ms" "$(verdict "$t" "<=" $lim)"
	done
	row "old-policy handshakes accepted after the change returned (HTTPS; SMTP)" \
		"$(kv late_accepts "$tg"); $(kv late_accepts "$tgs")" \
		"$(kv late_accepts "$ng") (up to $(kv late_lag_max_ms "$ng") ms late); $(kv late_accepts "$pf") (up to $(kv late_lag_max_ms "$pf") ms late)" \
		"-" "0" "$(verdict "$(kv late_accepts "$tg") + $(kv late_accepts "$tgs")" "==" 0)"
}

# What one commit builds (the commit plan: prepare once per process).
commit_work_section() {
	say "SSL_CTX builds and configuration loads per commit (gdb counts)"
	work=$(BUILD=$BUILD bash "$TOP/tests/tools/commit_work.sh" 2>>"$W/commit_work.err" || true)
	say "$work"
	# Three services, plus one context per inbound listener (one here: InboundMail).
	row "one commit: SSL_CTXs built, console; daemon (before the commit plan: 6; 4)" \
		"$(kv shell_ctx "$work"); $(kv daemon_ctx "$work")" "-" "-" "≤ 3 + 1 listener each" \
		"$(verdict "$(kv shell_ctx "$work") + $(kv daemon_ctx "$work")" "<=" 8)"
	row "one commit: configuration loads, console; daemon (before the commit plan: 5; 2)" \
		"$(kv shell_load "$work"); $(kv daemon_load "$work")" "-" "-" "-" "-"
}

# Failed connections while the policy flips under load.
ul() { # KIND CONNECT MODE extra...
	local kind=$1 connect=$2 mode=$3
	shift 3
	client "$PY" "$PROBE" underload --kind "$kind" --load "$LOAD" --connect "$connect" --mode "$mode" \
		--threads 8 --duration "$UNDERLOAD" --interval 0.25 "$@"
}
underload_section() {
	tgu=$(ul tlsgate "127.0.0.1:$TG_HTTPS_ec" https --tlsgate "$TLSGATE" --home "$W/tg-ec")
	ngu=$(ul nginx "127.0.0.1:$NG_HTTPS_ec" https --nginx nginx --nginx-prefix "$W/nginx" \
		--nginx-conf nginx.conf --nginx-protocols "$W/nginx/protocols.conf")
	tgsu=$(ul tlsgate "127.0.0.1:$TG_SMTP_ec" starttls --service inbound --tlsgate "$TLSGATE" --home "$W/tg-ec")
	pfu=$(ul postfix "127.0.0.1:$PF_SMTP" starttls --interval 1 --postfix-dir "$W/postfix")
	say "under load: $tgu | $ngu | $tgsu | $pfu"
	row "failed TLS 1.3 connections during policy changes under load, HTTPS (changes)" \
		"$(kv failed "$tgu") of $(kv ok "$tgu") ($(kv flips "$tgu"))" \
		"$(kv failed "$ngu") of $(kv ok "$ngu") ($(kv flips "$ngu"))" "-" "0" \
		"$(verdict "$(kv failed "$tgu")" "==" 0)"
	row "failed STARTTLS sessions during policy changes under load, SMTP (changes)" \
		"$(kv failed "$tgsu") of $(kv ok "$tgsu") ($(kv flips "$tgsu"))" \
		"$(kv failed "$pfu") of $(kv ok "$pfu") ($(kv flips "$pfu"))" "-" "0" \
		"$(verdict "$(kv failed "$tgsu")" "==" 0)"
}
