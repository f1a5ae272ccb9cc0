# shellcheck shell=bash
# bench/workers.sh: the "HTTPS and SMTP with N workers" section of bench/run.sh,
# sourced by it (uses its helpers: start_tlsgated, measure, row, calc, ...).
# tlsgated --workers 1 and --workers N, beside nginx with worker_processes 1
# and N, on TLS 1.3 ECDSA full handshakes from 50 client threads: rate,
# server CPU per handshake (must stay flat as N grows), handshakes per second
# per server core; then commit-to-enforced and late accepts on the N-worker
# daemon. N = BENCH_WORKERS, default the number of online CPUs (at least 2).
# Pinning: with N > 1 the server cannot sit on one core, so every server of
# this section AND the load client run unpinned over all cores (taskset
# 0-(cores-1)), the same for N = 1 and N, so the figures compare like with like.

WK_THREADS=50

# start_nginx_n NAME WORKERS CPUS: a private nginx, ECDSA certificate only,
# worker_processes WORKERS, started under taskset CPUS -> NGW_PID_NAME,
# NGW_HTTPS_NAME. The listening socket is nginx's default (one socket shared
# by the workers, no reuseport).
start_nginx_n() {
	local name=$1 workers=$2 cpus=$3 n=$W/nginx-$1 port pid
	port=$(free_port)
	mkdir -p "$n/logs" "$n/tmp"
	{
		nginx_conf_head "$n" "$workers"
		cat <<EOF
	ssl_protocols TLSv1.2 TLSv1.3;
	server {
		listen 127.0.0.1:$port ssl;
		ssl_certificate $W/certs/ec.crt;
		ssl_certificate_key $W/certs/ec.key;
		location / { return 200 "ok\n"; }
	}
}
EOF
	} >"$n/nginx.conf"
	taskset -c "$cpus" nginx -p "$n" -c nginx.conf 2>>"$n/logs/stderr" &
	pid=$!
	PIDS+=("$pid")
	for _ in $(seq 100); do
		[ -s "$n/nginx.pid" ] && [ "$(pgrep -c -P "$pid")" -ge "$workers" ] && break
		sleep 0.05
	done
	[ "$(pgrep -c -P "$pid")" -ge "$workers" ] ||
		die "nginx ($name) did not start: $(cat "$n/logs/error.log" "$n/logs/stderr" 2>/dev/null)"
	printf -v "NGW_PID_$name" %s "$pid"
	printf -v "NGW_HTTPS_$name" %s "$port"
}

stop_pid() { # PID: SIGTERM, then wait for it (a child of this shell)
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# thread_cpu PID: "T threads: s1 s2 ..." CPU seconds of each live thread of
# a process, largest first (how the work spread over the event loops).
thread_cpu() {
	local hz n
	hz=$(getconf CLK_TCK)
	n=$(find "/proc/$1/task" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
	echo "$n threads: $(sed 's/.*) //' /proc/"$1"/task/*/stat 2>/dev/null |
		awk -v hz="$hz" '{ printf "%.2f\n", ($12 + $13) / hz }' | sort -rn | tr '\n' ' ')"
}
# proc_cpu PID: the same per process of a tree (nginx: master, workers).
proc_cpu() {
	local hz p
	hz=$(getconf CLK_TCK)
	for p in $1 $(pgrep -P "$1"); do
		sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk -v hz="$hz" '{ printf "%.2f ", ($12 + $13) / hz }'
	done
}

# tg_has_workers: whether this tlsgated has --workers.
tg_has_workers() { "$TLSGATED" --help 2>&1 | grep -q -- '--workers'; }

wk_median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

workers_section() {
	local n=${BENCH_WORKERS:-$(nproc)} cpus reps=3 flag=1 key
	[ "$n" -lt 2 ] && n=2
	cpus=0-$(($(nproc) - 1))
	tg_has_workers || flag=''
	say "HTTPS with N workers: 1 and $n, server and client over CPUs $cpus$([ -z "$flag" ] &&
		echo ' (tlsgated has no --workers: both daemons run its one loop)')"
	local caps=(--https-max-conns 4000 --max-per-address 4000)
	SERVER_CPU=$cpus start_tlsgated ec w1 "${caps[@]}" ${flag:+--workers 1}
	SERVER_CPU=$cpus start_tlsgated ec wn "${caps[@]}" ${flag:+--workers "$n"}
	start_nginx_n w1 1 "$cpus"
	start_nginx_n wn "$n" "$cpus"
	local -A wpid=([tg1]=$TG_PID_w1 [tgn]=$TG_PID_wn [ng1]=$NGW_PID_w1 [ngn]=$NGW_PID_wn)
	local -A wport=([tg1]=$TG_HTTPS_w1 [tgn]=$TG_HTTPS_wn [ng1]=$NGW_HTTPS_w1 [ngn]=$NGW_HTTPS_wn)
	local -A us=() rate=() busy=() fails=()
	for key in tg1 tgn ng1 ngn; do
		CLIENT_CPU=$cpus client "$LOAD" --connect "127.0.0.1:${wport[$key]}" --mode https \
			--duration 0.5 >/dev/null
	done
	# Alternated runs, the median of each: the machine is shared.
	for _ in $(seq "$reps"); do
		for key in tg1 tgn ng1 ngn; do
			CLIENT_CPU=$cpus measure "${wpid[$key]}" --connect "127.0.0.1:${wport[$key]}" --mode https \
				--tls 1.3 --threads "$WK_THREADS"
			us[$key]+=" $M_US" rate[$key]+=" $M_RATE" fails[$key]=$((${fails[$key]:-0} + ${M_FAIL:-1}))
			busy[$key]+=" $(calc "${M_RATE:-0} * $M_US / 1e6" 2)"
		done
	done
	local -A mus=() mrate=() cores=() per_core=()
	for key in tg1 tgn ng1 ngn; do
		# shellcheck disable=SC2086
		mus[$key]=$(wk_median ${us[$key]})
		# shellcheck disable=SC2086
		mrate[$key]=$(wk_median ${rate[$key]})
		# shellcheck disable=SC2086
		cores[$key]=$(wk_median ${busy[$key]})
		per_core[$key]=$(calc "1e6 / (${mus[$key]} > 0 ? ${mus[$key]} : 1)" 0)
		echo "workers section, $key: server CPU µs/handshake per run:${us[$key]}; handshakes/s:${rate[$key]}; server cores busy:${busy[$key]}" >>"$W/notes"
	done
	{
		echo "workers section, tlsgated --workers $n after the runs, CPU s per thread: $(thread_cpu "${wpid[tgn]}")"
		echo "workers section, tlsgated --workers 1 after the runs, CPU s per thread: $(thread_cpu "${wpid[tg1]}")"
		echo "workers section, nginx worker_processes $n after the runs, CPU s master, workers: $(proc_cpu "${wpid[ngn]}")"
	} >>"$W/notes"
	local how="TLS 1.3 ECDSA, $WK_THREADS clients; server and client unpinned over CPUs $cpus"
	[ -z "$flag" ] && how+="; tlsgated WITHOUT --workers (one loop in both)"
	local r k nn
	for k in 1 n; do
		nn=1
		[ $k = n ] && nn=$n
		r=$(ratio "${mrate[tg$k]}" "${mrate[ng$k]}")
		row "HTTPS, tlsgated --workers $nn vs nginx worker_processes $nn ($how): handshakes/s, median of $reps (failed: ${fails[tg$k]} / ${fails[ng$k]}); server cores busy" \
			"${mrate[tg$k]}; ${cores[tg$k]}" "${mrate[ng$k]}; ${cores[ng$k]}" "$r" "-" "-"
		r=$(ratio "${mus[tg$k]}" "${mus[ng$k]}")
		row "HTTPS, --workers $nn / worker_processes $nn: server CPU µs/handshake, all threads / processes (handshakes/s per server core)" \
			"${mus[tg$k]} (${per_core[tg$k]})" "${mus[ng$k]} (${per_core[ng$k]})" "$r" "≤ 0.8" \
			"$(verdict "$r" "<=" 0.8)"
	done
	local tgr ngr
	tgr=$(ratio "${mus[tgn]}" "${mus[tg1]}")
	ngr=$(ratio "${mus[ngn]}" "${mus[ng1]}")
	row "HTTPS server CPU µs/handshake, $n workers over 1 worker (flat as N grows)" "$tgr" "$ngr" \
		"-" "tlsgated ≤ 1.1" "$(verdict "$tgr" "<=" 1.1)"

	wk_starttls "$n" "$cpus"
	wk_commits "$n" "$cpus" "${wport[tgn]}" ""
	wk_commits "$n" "$cpus" "${wport[tgn]}" 8
	wk_commits "$n" "$cpus" "$TG_SMTP_wn" "" starttls

	for key in tg1 tgn ng1 ngn; do stop_pid "${wpid[$key]}"; done
}

# wk_starttls N CPUS: inbound STARTTLS sessions (ECDSA, 16 clients) on the
# 1- and N-worker daemons of the section: sessions per second, server CPU
# per session (flat as N grows), and how the work spread over the threads
# (each worker runs an SMTP engine of its own beside its HTTPS one).
wk_starttls() {
	local n=$1 cpus=$2 key reps=3 r
	local -A spid=([tg1]=$TG_PID_w1 [tgn]=$TG_PID_wn) sport=([tg1]=$TG_SMTP_w1 [tgn]=$TG_SMTP_wn)
	local -A sus=() srate=() sfail=() mus=() mrate=() before=()
	for key in tg1 tgn; do
		CLIENT_CPU=$cpus client "$LOAD" --connect "127.0.0.1:${sport[$key]}" --mode starttls \
			--duration 0.5 >/dev/null
		before[$key]=$(thread_cpu "${spid[$key]}")
	done
	for _ in $(seq "$reps"); do
		for key in tg1 tgn; do
			CLIENT_CPU=$cpus measure "${spid[$key]}" --connect "127.0.0.1:${sport[$key]}" \
				--mode starttls --threads 16
			sus[$key]+=" $M_US" srate[$key]+=" $M_RATE" sfail[$key]=$((${sfail[$key]:-0} + ${M_FAIL:-1}))
		done
	done
	for key in tg1 tgn; do
		# shellcheck disable=SC2086
		mus[$key]=$(wk_median ${sus[$key]})
		# shellcheck disable=SC2086
		mrate[$key]=$(wk_median ${srate[$key]})
		echo "workers section, STARTTLS $key: server CPU µs/session per run:${sus[$key]}; sessions/s:${srate[$key]}; CPU s per thread before: ${before[$key]}; after: $(thread_cpu "${spid[$key]}")" >>"$W/notes"
	done
	r=$(ratio "${mrate[tgn]}" "${mrate[tg1]}")
	row "SMTP STARTTLS (ECDSA, 16 clients; unpinned over CPUs $cpus), tlsgated --workers $n; --workers 1: sessions/s, median of $reps (failed: ${sfail[tgn]}; ${sfail[tg1]}), ratio $n over 1" \
		"${mrate[tgn]}; ${mrate[tg1]}" "-" "$r" "-" "-"
	r=$(ratio "${mus[tgn]}" "${mus[tg1]}")
	row "SMTP STARTTLS server CPU µs/session, tlsgated --workers $n; --workers 1, ratio $n over 1 (flat as N grows)" \
		"${mus[tgn]}; ${mus[tg1]}" "-" "$r" "≤ 1.1" "$(verdict "$r" "<=" 1.1)"
}

# wk_commits N CPUS PORT [LOAD_THREADS] [starttls]: commit-to-enforced and
# late accepts on the N-worker daemon (bench/commit_probe.py latency, as the
# main commit-to-enforced rows), alone or beside a TLS 1.3 load of
# LOAD_THREADS clients (accepted under both policies) that keeps every
# worker busy while the commit reaches it; that load's failures are reported
# too. With "starttls", PORT is the SMTP listener's and the commits change
# the inbound methods (STARTTLS sessions on every worker's SMTP engine).
wk_commits() {
	local n=$1 cpus=$2 port=$3 threads=$4 mode=${5:-https} lat bg='' bgout=$W/wk-bg.out what='' settle=0.1
	local svc=gui
	[ "$mode" = starttls ] && svc=inbound what=", inbound STARTTLS"
	local ncommits=$COMMITS
	if [ -n "$threads" ]; then
		# taskset execs the load: $! is the load itself, stopped with SIGTERM.
		taskset -c "$cpus" "$LOAD" --connect "127.0.0.1:$port" --mode https --tls 1.3 \
			--threads "$threads" --duration 3600 >"$bgout" &
		bg=$!
		what+=", beside $threads TLS 1.3 clients"
		# The prober's handshakes wait behind the load's: "settled" is judged
		# over a longer window (3 handshakes in a row, all ok).
		settle=0.5
		[ "$ncommits" -gt 20 ] && ncommits=20 # each takes over a second
	fi
	say "commit-to-enforced with $n workers ($ncommits commits$what)"
	lat=$(CLIENT_CPU=$cpus client "$PY" "$PROBE" latency --kind tlsgate --mode "$mode" --service "$svc" --load "$LOAD" \
		--connect "127.0.0.1:$port" --n "$ncommits" --settle "$settle" --trace "$W/probe.wn$threads$mode" --tlsgate "$TLSGATE" \
		--home "$W/tg-wn")
	say "$lat"
	if [ -n "$bg" ]; then
		kill -TERM "$bg" 2>/dev/null
		wait "$bg" 2>/dev/null
		say "the load beside the commits: $(cat "$bgout")"
		what+=" (the load: $(kv failed "$(cat "$bgout")") failed, $(kv ok "$(cat "$bgout")") ok)"
	fi
	local late=n/a lhold="**no**" med=n/a p99=n/a chold="**no**"
	if [ -n "$(kv late_accepts "$lat")" ]; then
		late=$(kv late_accepts "$lat") med=$(kv median_ms "$lat") p99=$(kv p99_ms "$lat")
		lhold=$(verdict "$late" "==" 0)
		chold=$(verdict "$med <= 10 && $p99" "<=" 50)
	fi
	row "late accepts after commit with $n workers$what: old-policy handshakes after commit returned ($ncommits commits; unpinned over $cpus)" \
		"$late" "-" "-" "0" "$lhold"
	row "commit-to-enforced with $n workers$what, median; p99, ms" "$med; $p99" "-" "-" \
		"≤ 10; ≤ 50" "$chold"
}
