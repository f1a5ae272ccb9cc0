#!/usr/bin/env bash
# bench/run.sh: tlsgated side by side with nginx (HTTPS) and Postfix smtpd
# (inbound SMTP), in one run, on loopback, with the same certificates, the
# same protocol settings and the same load client (bench/load). Prints a
# Markdown table and writes it to bench/results/YYYY-MM-DD.md.
# Method: docs/PERFORMANCE.md. Usage: make bench (BENCH_QUICK=1: short run).
# nginx and Postfix run as private instances under a temporary directory, on
# free loopback ports; no system instance is started, stopped or changed.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
LOAD=$TOP/$BUILD/bench/load
TLSGATE=$TOP/$BUILD/tlsgate
TLSGATED=$TOP/$BUILD/tlsgated
PROBE=$TOP/bench/commit_probe.py
PY=$(command -v /usr/bin/python3 || command -v python3)
QUICK=${BENCH_QUICK:-}
DUR=5 COMMITS=50 RELOADS=10 UNDERLOAD=6
[ -n "$QUICK" ] && DUR=2 COMMITS=10 RELOADS=3 UNDERLOAD=3
# One core for the server under test, the other for the load client.
SERVER_CPU=0 CLIENT_CPU=1
[ "$(nproc)" -lt 2 ] && CLIENT_CPU=0
LOADAVG_START=$(cut -d' ' -f1-3 /proc/loadavg)
W=$(mktemp -d /tmp/tlsgate-bench.XXXXXX)
chmod 755 "$W" # nginx and Postfix workers read the certificates
ulimit -n 65536 2>/dev/null || ulimit -n 4096
PIDS=()
NGINX_ON='' POSTFIX_ON=''

cleanup() {
	local p
	[ -n "$NGINX_ON" ] && nginx -p "$W/nginx" -c nginx.conf -s stop 2>/dev/null
	[ -n "$POSTFIX_ON" ] && postfix -c "$W/postfix" stop 2>/dev/null
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	sleep 0.3
	[ -n "${BENCH_KEEP:-}" ] || rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { echo "# $*" >&2; }
die() {
	echo "bench: $*" >&2
	exit 1
}
free_port() {
	"$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
client() { taskset -c "$CLIENT_CPU" "$@"; }
server() { taskset -c "$SERVER_CPU" "$@"; }
# kv KEY LINE: the value of KEY=... in a result line.
kv() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2" | tr -d '"'; }
# calc EXPR: floating-point arithmetic.
calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }

# CPU seconds of a process tree: its own, its reaped children's, and its live
# descendants' (utime+stime from /proc/PID/stat). Postfix forks smtpd
# processes that come and go: reaped ones land in the master's cutime.
tree_cpu() {
	"$PY" - "$1" <<'EOF'
import os, sys
hz = os.sysconf("SC_CLK_TCK")
stats = {}
for d in os.listdir("/proc"):
    if d.isdigit():
        try:
            f = open("/proc/%s/stat" % d).read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        stats[int(d)] = (int(f[1]), int(f[11]) + int(f[12]), int(f[13]) + int(f[14]))
root = int(sys.argv[1])
tree, todo = set(), [root]
while todo:
    p = todo.pop()
    tree.add(p)
    todo += [c for c, s in stats.items() if s[0] == p and c not in tree]
ticks = sum(stats[p][1] for p in tree if p in stats) + stats.get(root, (0, 0, 0))[2]
print(ticks / hz)
EOF
}
# RSS (kB) of a process tree (a process and its children); FIELD RssAnon:
# only its private memory, not the shared libraries' pages.
tree_rss() { # PID [FIELD]
	local total=0 p
	for p in $1 $(pgrep -P "$1"); do
		total=$((total + $(awk -v f="^${2:-VmRSS}:" '$0 ~ f { print $2 }' "/proc/$p/status" 2>/dev/null || echo 0)))
	done
	echo "$total"
}

# ---- certificates: RSA-2048 and ECDSA P-256, the same for every server ----
mkdir -p "$W/certs"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/certs/rsa.key" -out "$W/certs/rsa.crt" \
	-days 30 -subj /CN=bench.example 2>/dev/null || die "cannot make the RSA certificate"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$W/certs/ec.key" -out "$W/certs/ec.crt" -days 30 -subj /CN=bench.example \
	2>/dev/null || die "cannot make the ECDSA certificate"
chmod 644 "$W"/certs/*

# ---- tlsgated: one daemon per key type; both services TLS 1.2-1.3, HIGH ----
# The bench certificate is PASTEd with certconfig as profile "bench" and
# assigned to both listeners (profiles are listed by name: Demo 1, bench 2).
# start_tlsgated KIND [NAME [tlsgated options]]: NAME (default KIND) names the
# home and the variables.
start_tlsgated() { # KIND -> TG_PID_NAME, TG_HTTPS_NAME, TG_SMTP_NAME
	local kind=$1 name=${2:-$1} home https smtp pid i
	shift $(($# < 2 ? $# : 2))
	home=$W/tg-$name
	https=$(free_port)
	smtp=$(free_port)
	"$TLSGATE" --home "$home" -c 'sethostname bench.example.com; commit "bench host"' >/dev/null ||
		die "tlsgate cannot make $home"
	{
		printf 'certconfig\nCERTIFICATE\nPASTE\nbench\n'
		cat "$W/certs/$kind.crt"
		printf '.\n'
		cat "$W/certs/$kind.key"
		printf '.\nN\n\n\n'
		printf 'interfaceconfig\nCERTIFICATE\n2\n\nlistenerconfig\nCERTIFICATE\n2\n\n'
		printf 'commit "bench certificate"\n'
	} | "$TLSGATE" --home "$home" >"$W/tg-$name.cert" 2>&1 ||
		die "cannot install the $kind certificate: $(tail -n 3 "$W/tg-$name.cert")"
	printf 'sslconfig\nGUI\n1-2\nHIGH:!aNULL\nN\nINBOUND\n1-2\nHIGH:!aNULL\nN\n\ncommit "bench policy"\n' |
		"$TLSGATE" --home "$home" >"$W/tg-$name.commit" 2>&1 || die "cannot set the bench policy"
	taskset -c "$SERVER_CPU" "$TLSGATED" --home "$home" --https "127.0.0.1:$https" --smtp "127.0.0.1:$smtp" \
		"$@" 2>>"$W/tg-$name.err" &
	pid=$!
	PIDS+=("$pid")
	for i in $(seq 100); do
		[ -S "$home/tlsgated.sock" ] && break
		sleep 0.05
	done
	[ -S "$home/tlsgated.sock" ] || die "tlsgated ($name) did not start: $(cat "$W/tg-$name.err")"
	printf -v "TG_PID_$name" %s "$pid"
	printf -v "TG_HTTPS_$name" %s "$https"
	printf -v "TG_SMTP_$name" %s "$smtp"
}

# nginx_conf_head DIR WORKERS: the start of a private nginx configuration,
# up to the ciphers inside http { (the caller adds protocols and servers).
nginx_conf_head() {
	cat <<EOF
worker_processes $2;
daemon off;
pid $1/nginx.pid;
error_log $1/logs/error.log;
events { worker_connections 8192; }
http {
	access_log off;
	client_body_temp_path $1/tmp/body;
	proxy_temp_path $1/tmp/proxy;
	fastcgi_temp_path $1/tmp/fastcgi;
	uwsgi_temp_path $1/tmp/uwsgi;
	scgi_temp_path $1/tmp/scgi;
	ssl_ciphers HIGH:!aNULL;
EOF
}

# ---- nginx: one worker (one core), the same certificates and protocols ----
start_nginx() {
	local n=$W/nginx i
	NG_HTTPS_rsa=$(free_port)
	NG_HTTPS_ec=$(free_port)
	mkdir -p "$n/logs" "$n/tmp"
	echo "ssl_protocols TLSv1.2 TLSv1.3;" >"$n/protocols.conf"
	{
		nginx_conf_head "$n" 1
		cat <<EOF
	include $n/protocols.conf;
	server {
		listen 127.0.0.1:$NG_HTTPS_rsa ssl;
		ssl_certificate $W/certs/rsa.crt;
		ssl_certificate_key $W/certs/rsa.key;
		location / { return 200 "ok\n"; }
	}
	server {
		listen 127.0.0.1:$NG_HTTPS_ec ssl;
		ssl_certificate $W/certs/ec.crt;
		ssl_certificate_key $W/certs/ec.key;
		location / { return 200 "ok\n"; }
	}
}
EOF
	} >"$n/nginx.conf"
	taskset -c "$SERVER_CPU" nginx -p "$n" -c nginx.conf 2>>"$n/logs/stderr" &
	NG_PID=$!
	PIDS+=("$NG_PID")
	NGINX_ON=1
	for i in $(seq 100); do
		[ -s "$n/nginx.pid" ] && [ -n "$(pgrep -P "$NG_PID")" ] && return 0
		sleep 0.05
	done
	die "nginx did not start: $(cat "$n/logs/error.log" "$n/logs/stderr" 2>/dev/null)"
}

# ---- Postfix: a private instance; smtpd with STARTTLS (RSA certificate) ----
# Mail is accepted into its queue and held there (HOLD), as tlsgated spools
# it: no delivery work on either side.
start_postfix() {
	local d=$W/postfix i
	PF_SMTP=$(free_port)
	PF_SMTP_ec=$(free_port)
	PF_SMTP_rsa=$PF_SMTP
	mkdir -p "$d/queue" "$d/data"
	chown postfix "$d/data"
	echo "127.0.0.0/8 HOLD" >"$d/hold.cidr"
	cat >"$d/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $d/queue
data_directory = $d/data
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = loopback-only
inet_protocols = ipv4
myhostname = bench.example.com
mydestination =
mynetworks = 127.0.0.0/8
relayhost =
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_data_restrictions = check_client_access cidr:$d/hold.cidr
smtpd_peername_lookup = no
smtpd_tls_security_level = may
smtpd_tls_cert_file = $W/certs/rsa.crt
smtpd_tls_key_file = $W/certs/rsa.key
smtpd_tls_protocols = >=TLSv1.2
smtpd_tls_mandatory_protocols = >=TLSv1.2
smtpd_tls_ciphers = high
smtpd_tls_loglevel = 0
message_size_limit = 10485760
maillog_file = $d/maillog
maillog_file_prefixes = $d
alias_maps =
alias_database =
local_recipient_maps =
EOF
	cat >"$d/master.cf" <<EOF
127.0.0.1:$PF_SMTP inet n - n - - smtpd
127.0.0.1:$PF_SMTP_ec inet n - n - - smtpd
  -o smtpd_tls_cert_file=$W/certs/ec.crt -o smtpd_tls_key_file=$W/certs/ec.key
postlog   unix-dgram n - n - 1 postlogd
pickup    unix n - n 60 1 pickup
cleanup   unix n - n - 0 cleanup
qmgr      unix n - n 300 1 qmgr
tlsmgr    unix - - n 1000? 1 tlsmgr
rewrite   unix - - n - - trivial-rewrite
bounce    unix - - n - 0 bounce
defer     unix - - n - 0 bounce
trace     unix - - n - 0 bounce
verify    unix - - n - 1 verify
flush     unix n - n 1000? 0 flush
proxymap  unix - - n - - proxymap
anvil     unix - - n - 1 anvil
scache    unix - - n - 1 scache
EOF
	# Postfix commands say why they fail only on a terminal, or in the log.
	server postfix -c "$d" start >"$W/postfix.start" 2>&1 ||
		die "postfix did not start: $(cat "$W/postfix.start"; tail -n 5 "$d/maillog" 2>/dev/null)"
	POSTFIX_ON=1
	for i in $(seq 100); do
		PF_PID=$(head -n 1 "$d/queue/pid/master.pid" 2>/dev/null | tr -d ' ')
		[ -n "$PF_PID" ] && (echo >"/dev/tcp/127.0.0.1/$PF_SMTP") 2>/dev/null && return 0
		sleep 0.05
	done
	die "postfix is not listening on $PF_SMTP: $(tail "$d/maillog" 2>/dev/null)"
}

# measure ROOT_PID load-args...: runs the load on the client core; sets
# M_RATE, M_FAIL, M_OK, M_US (server CPU µs per session), M_CLI_US.
measure() {
	local root=$1 c0 c1 out
	shift
	c0=$(tree_cpu "$root")
	out=$(client "$LOAD" "$@" --duration "$DUR")
	c1=$(tree_cpu "$root")
	M_OK=$(kv ok "$out")
	M_FAIL=$(kv failed "$out")
	M_RATE=$(kv rate "$out")
	M_US=$(calc "($c1 - $c0) * 1e6 / ($M_OK > 0 ? $M_OK : 1)" 0)
	M_CLI_US=$(calc "$(kv client_cpu_s "$out") * 1e6 / ($M_OK > 0 ? $M_OK : 1)" 0)
	say "$* -> $out server_us=$M_US"
}

TABLE=$W/table.md
row() { echo "| $1 | $2 | $3 | $4 | $5 | $6 |" >>"$TABLE"; }
# verdict VALUE OP LIMIT: "yes"/"**no**".
verdict() { if awk "BEGIN { exit !($1 $2 $3) }"; then echo yes; else echo "**no**"; fi; }
ratio() { if [ "$2" = 0 ] || [ -z "$2" ]; then echo "n/a"; else calc "$1 / $2" 2; fi; }
# shellcheck source=bench/workers.sh
. "$TOP/bench/workers.sh"
table_head() {
	: >"$TABLE"
	echo "| measure | tlsgated | nginx / Postfix | ratio | target | holds |" >>"$TABLE"
	echo "|---|---|---|---|---|---|" >>"$TABLE"
}

# ---- the report ----
write_report() {
	date_s=$(date -u +%F)
	out=$TOP/bench/results/${BENCH_NAME:-$date_s}.md
	mkdir -p "$TOP/bench/results"
	{
		echo "# tlsgate benchmark, $(date -u '+%F %H:%M UTC')"
		echo
		echo "- machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
		echo "- load average at start: $LOADAVG_START; at end: $(cut -d' ' -f1-3 /proc/loadavg)"
		echo "- tlsgated (this tree), $(nginx -v 2>&1 | sed 's/.*: //'), Postfix $(postconf -d -h mail_version), $(openssl version)"
		echo "- mode: $([ -n "$QUICK" ] && echo "quick (BENCH_QUICK=1)" || echo full): ${DUR} s per load run; $COMMITS commits/reloads for HTTPS, $RELOADS for SMTP"
		[ -z "${BENCH_ONLY:-}" ] &&
			echo "- cores: the server under test pinned to CPU $SERVER_CPU, the load client (and prober, shell) to CPU $CLIENT_CPU (except the \"with N workers\" rows)"
		echo "- \"with N workers\" rows: every server and the load client unpinned over all $(nproc) cores (taskset -c 0-$(($(nproc) - 1))), for 1 and N alike"
		[ -z "${BENCH_ONLY:-}" ] && echo "- tlsgated in the other rows: $(tg_has_workers && echo "--workers 1 (one event loop)" || echo "one event loop (no --workers)")"
		echo "- ratios are tlsgated / reference; CPU figures are server CPU (utime+stime from /proc) per session"
		echo
		cat "$TABLE"
		echo
		echo "Notes: client CPU per handshake (tlsgated runs), µs; the \"with N workers\" runs one by one:"
		echo
		sed 's/^/    /' "$W/notes"
	} >"$out"
	cat "$out"
	echo "written: bench/results/${BENCH_NAME:-$date_s}.md" >&2
}

# BENCH_ONLY=workers: only the "HTTPS with N workers" section (with its own
# daemons), then the report.
if [ "${BENCH_ONLY:-}" = workers ]; then
	table_head
	workers_section
	write_report
	exit 0
fi
[ -n "${BENCH_ONLY:-}" ] && die "BENCH_ONLY: only \"workers\" is known"

# ---- the crypto ceiling: openssl speed, one process on the server core ----
say "openssl speed"
speed=$(server openssl speed -seconds "$([ -n "$QUICK" ] && echo 1 || echo 3)" -mr \
	ecdsap256 rsa2048 ecdhx25519 2>/dev/null | grep '^+F')
RSA_SIGN=$(awk -F: '/^\+F2:/ && $3 == 2048 { print $4 }' <<<"$speed")
EC_SIGN=$(awk -F: '/^\+F4:/ && $3 == 256 { print $4 }' <<<"$speed")
X25519=$(awk -F: '/^\+F5:/ && $3 == 253 { print $4 }' <<<"$speed")
# A full ECDHE handshake costs the server one signature, one X25519 key
# generation and one X25519 derivation.
CRYPTO_US_rsa=$(calc "1e6 / $RSA_SIGN + 2e6 / $X25519" 0)
CRYPTO_US_ec=$(calc "1e6 / $EC_SIGN + 2e6 / $X25519" 0)

# The rows below run tlsgated with one event loop (--workers 1), pinned to one
# core beside nginx's one worker; bench/workers.sh measures N.
ONE=()
tg_has_workers && ONE=(--workers 1)
start_tlsgated rsa rsa "${ONE[@]}"
# The memory rows hold 1,000 idle HTTPS connections from one address: above
# the default caps (256 in all, 32 per address once half full), which would
# evict most of them and make the per-connection figure meaningless.
start_tlsgated ec ec --https-max-conns 4000 --max-per-address 4000 "${ONE[@]}"
start_tlsgated ec ecoff --no-usage "${ONE[@]}" # the TLS usage record's cost (issue 17)
start_nginx
start_postfix
say "tlsgated rsa pid $TG_PID_rsa, ec pid $TG_PID_ec; nginx master $NG_PID; postfix master $PF_PID"

table_head

# ---- memory first, on fresh processes ----
mem_row() { # NAME TG_ROOT REF_ROOT PORT_TG PORT_REF
	local tg0 ref0 tg1 ref1 fifo=$W/idle.fifo
	sleep 0.3
	tg0=$(tree_rss "$TG_PID_ec")
	ref0=$(tree_rss "$NG_PID")
	tga=$(tree_rss "$TG_PID_ec" RssAnon)
	refa=$(tree_rss "$NG_PID" RssAnon)
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
	local tgc refc
	tgc=$(calc "($tg1 - $tg0) / 1000" 1)
	refc=$(calc "($ref1 - $ref0) / 1000" 1)
	row "RSS per idle TLS connection, kB (1,000 open)" "$tgc" "$refc" "$(ratio "$tgc" "$refc")" \
		"≤ 1.0" "$(verdict "$tgc" "<=" "$refc")"
}
mem_row

# Own memory and shared pages of the idle tlsgated (smaps_rollup): the
# anonymous part is its own; the rest is file pages, nearly all shared
# libraries (libcrypto, libc, libsqlite3), mapped in every process using them.
split=$(awk '/^Rss:/ { r = $2 } /^Anonymous:/ { a = $2 } /^Shared_Clean:/ { s = $2 }
	END { printf "%d %d %d", r, a, s }' "/proc/$TG_PID_rsa/smaps_rollup")
read -r rss_all rss_own rss_shared <<<"$split"
row "RSS idle, kB, tlsgated (fresh, RSA home): own (anonymous); shared clean (libraries); file pages in all" \
	"$rss_own; $rss_shared; $((rss_all - rss_own))" "-" "-" "-" "-"

# ---- system calls per handshake / session (strace -c on the server) ----
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
NG_WORKER=$(pgrep -P "$NG_PID" | head -n 1)
sc_tg=$(syscalls "$TG_PID_ec" "$TG_HTTPS_ec" https)
sc_ng=$(syscalls "$NG_WORKER" "$NG_HTTPS_ec" https)
row "system calls per HTTPS TLS 1.3 ECDSA handshake (strace -c, 400 serial handshakes; nginx: its worker)" \
	"$sc_tg" "$sc_ng" "$(ratio "$sc_tg" "$sc_ng")" "-" "-"
sc_tgs=$(syscalls "$TG_PID_ec" "$TG_SMTP_ec" starttls)
row "system calls per SMTP STARTTLS session, TLS 1.3 (strace -c, 400 serial sessions)" \
	"$sc_tgs" "-" "-" "-" "-"

# ---- HTTPS full handshakes: tlsgated vs nginx ----
warm() { client "$LOAD" --connect "127.0.0.1:$1" --mode https --duration 0.5 >/dev/null; }
for p in "$TG_HTTPS_rsa" "$TG_HTTPS_ec" "$NG_HTTPS_rsa" "$NG_HTTPS_ec"; do warm "$p"; done
for kind in ec rsa; do
	for v in 1.3 1.2; do
		for c in 1 50; do
			tg_port=TG_HTTPS_$kind tg_pid=TG_PID_$kind ng_port=NG_HTTPS_$kind
			crypto=CRYPTO_US_$kind
			measure "${!tg_pid}" --connect "127.0.0.1:${!tg_port}" --mode https --tls "$v" --threads "$c"
			tr=$M_RATE tus=$M_US tf=$M_FAIL tcli=$M_CLI_US
			measure "$NG_PID" --connect "127.0.0.1:${!ng_port}" --mode https --tls "$v" --threads "$c"
			nr=$M_RATE nus=$M_US nf=$M_FAIL
			label="HTTPS TLS $v $([ $kind = ec ] && echo ECDSA || echo RSA), $c client(s)"
			r=$(ratio "$tr" "$nr")
			row "$label: handshakes/s (failed: $tf / $nf)" "$tr" "$nr" "$r" "≥ 1.0" \
				"$(verdict "$r" ">=" 1.0)"
			r=$(ratio "$tus" "$nus")
			row "$label: server CPU µs/handshake (crypto ${!crypto} µs = share)" \
				"$tus ($(calc "100 * ${!crypto} / $tus" 0)%)" \
				"$nus ($(calc "100 * ${!crypto} / $nus" 0)%)" "$r" "≤ 0.8" "$(verdict "$r" "<=" 0.8)"
			echo "$label client CPU µs/handshake (tlsgated run): $tcli" >>"$W/notes"
		done
	done
done

# ---- the TLS usage record (issue 17): HTTPS handshakes with recording on
# (the default) and off (--no-usage), alternated, median of 3 runs each ----
warm "$TG_HTTPS_ecoff"
on=() off=()
for i in 1 2 3; do
	measure "$TG_PID_ec" --connect "127.0.0.1:$TG_HTTPS_ec" --mode https --tls 1.3 --threads 1
	on+=("$M_US")
	measure "$TG_PID_ecoff" --connect "127.0.0.1:$TG_HTTPS_ecoff" --mode https --tls 1.3 --threads 1
	off+=("$M_US")
done
median() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
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

# ---- HTTPS with N workers (bench/workers.sh) ----
workers_section

# ---- inbound SMTP: tlsgated vs Postfix smtpd (a listener per certificate) ----
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
	tr=$M_RATE tus=$M_US tf=$M_FAIL
	measure "$PF_PID" --connect "127.0.0.1:${!pf_port}" "${args[@]}" --threads "$c"
	pr=$M_RATE pus=$M_US pf=$M_FAIL
	r=$(ratio "$tr" "$pr")
	target="-" holds="-"
	[ "$what" = starttls ] && [ "$c" = 16 ] && target="≥ 2.0" holds=$(verdict "$r" ">=" 2.0)
	row "SMTP $text, $c client(s): per second (failed: $tf / $pf)" "$tr" "$pr" "$r" "$target" "$holds"
	r=$(ratio "$tus" "$pus")
	target="-" holds="-"
	[ "$what" = starttls ] && target="≤ 0.3" holds=$(verdict "$r" "<=" 0.3)
	row "SMTP $text, $c client(s): server CPU µs each" "$tus" "$pus" "$r" "$target" "$holds"
done

# ---- commit-to-enforced and strict consistency ----
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

# ---- what one commit builds (the commit plan: prepare once per process) ----
say "SSL_CTX builds and configuration loads per commit (gdb counts)"
work=$(BUILD=$BUILD bash "$TOP/tests/tools/commit_work.sh" 2>>"$W/commit_work.err" || true)
say "$work"
# Three services, plus one context per inbound listener (one here: InboundMail).
row "one commit: SSL_CTXs built, console; daemon (before the commit plan: 6; 4)" \
	"$(kv shell_ctx "$work"); $(kv daemon_ctx "$work")" "-" "-" "≤ 3 + 1 listener each" \
	"$(verdict "$(kv shell_ctx "$work") + $(kv daemon_ctx "$work")" "<=" 8)"
row "one commit: configuration loads, console; daemon (before the commit plan: 5; 2)" \
	"$(kv shell_load "$work"); $(kv daemon_load "$work")" "-" "-" "-" "-"

# ---- sender-group matching: a host access table of 100,000 patterns ----
hb=$("$TOP/$BUILD/tests/hat_bench" 100000 2>>"$W/hat_bench.err" || true)
hb_ip=$(kv ns_ip "$hb")
row "sender-group match, 100,000 patterns (IP, CIDR, range, .domain), CPU ns per connection: address; with a host name" \
	"${hb_ip:-n/a}; $(kv ns_name "$hb")" "-" "-" "≤ 1000 (address)" \
	"$([ -n "$hb_ip" ] && verdict "$hb_ip" "<=" 1000 || echo n/a)"
row "host access table of 100,000 patterns: parse; compile, ms" \
	"$(kv parse_ms "$hb"); $(kv compile_ms "$hb")" "-" "-" "-" "-"

# ---- failed connections while the policy flips under load ----
ul() { # KIND CONNECT MODE extra...
	local kind=$1 connect=$2 mode=$3
	shift 3
	client "$PY" "$PROBE" underload --kind "$kind" --load "$LOAD" --connect "$connect" --mode "$mode" \
		--threads 8 --duration "$UNDERLOAD" --interval 0.25 "$@"
}
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

# ---- the shell ----
shell_home=$W/tg-shell
"$TLSGATE" --home "$shell_home" -c 'sethostname bench.example.com; commit "bench"' >/dev/null
start_ms=$("$PY" - "$TLSGATE" "$shell_home" <<'EOF'
import os, statistics, subprocess, sys, time
runs = []
for _ in range(30):
    t = time.monotonic()
    p = subprocess.Popen([sys.argv[1], "--home", sys.argv[2]], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE)
    seen = b""
    while b"> " not in seen:
        chunk = os.read(p.stdout.fileno(), 4096)
        if not chunk:
            break
        seen += chunk
    runs.append((time.monotonic() - t) * 1000)
    p.stdin.close()
    p.wait()
print("%.1f" % statistics.median(runs))
EOF
)
row "shell: exec to first prompt, ms (median of 30)" "$start_ms" "-" "-" "≤ 10" \
	"$(verdict "$start_ms" "<=" 10)"
{
	for i in $(seq 999); do echo "sethostname h$i.example.com"; done
	echo 'commit "1,000-command batch"'
} >"$W/batch.in"
t0=$(date +%s%N)
"$TLSGATE" --home "$shell_home" <"$W/batch.in" >"$W/batch.out" 2>&1 || say "the batch failed"
batch_ms=$(((($(date +%s%N) - t0)) / 1000000))
row "shell: 1,000-command batch (999 sethostname + commit), ms" "$batch_ms" "-" "-" "-" "-"
if "$TLSGATE" --home "$shell_home" -c help 2>/dev/null | grep -qi destconfig; then
	mkdir -p "$shell_home/configuration"
	{
		printf '[DEFAULT]\ntls = on\n'
		for i in $(seq 10000); do printf '\n[d%05d.example.com]\ntls = on\n' "$i"; done
	} >"$shell_home/configuration/bench-domains.ini"
	t0=$(date +%s%N)
	printf 'destconfig\nIMPORT\nbench-domains.ini\n\ncommit "10k domains"\n' |
		"$TLSGATE" --home "$shell_home" >"$W/import.out" 2>&1 || say "the import failed"
	import_ms=$(((($(date +%s%N) - t0)) / 1000000))
	rm -f "$shell_home/configuration/bench-domains.ini"
	row "destconfig IMPORT of 10,000 domains + commit, ms" "$import_ms" "-" "-" "≤ 2000" \
		"$(verdict "$import_ms" "<=" 2000)"
else
	row "destconfig IMPORT of 10,000 domains + commit, ms" "n/a (destconfig not built)" "-" "-" \
		"≤ 2000" "-"
fi

# saveconfig / loadconfig: 10,000 destinations and 50 certificate profiles
# (ECDSA, made by the openssl command line), loaded from a file and
# committed on a fresh home, then saved again.
if "$TLSGATE" --home "$shell_home" -c help 2>/dev/null | grep -q loadconfig; then
	cfg_home=$W/tg-config
	"$TLSGATE" --home "$cfg_home" -c 'sethostname bench.example.com; commit "h"' >/dev/null 2>&1
	mkdir -p "$cfg_home/configuration"
	{
		printf '<config>\n<passphrases option="plain"/>\n<settings>\n'
		# The file lists the profiles whole (Demo goes): the services use its own.
		for svc in gui inbound outbound; do
			printf '<setting name="%s.certificate">p01</setting>\n' "$svc"
		done
		printf '</settings>\n<entries kind="cert">\n'
		for i in $(seq 50); do
			openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
				-keyout "$W/p.key" -out "$W/p.pem" -days 30 -subj "/CN=p$i.example.com" \
				>/dev/null 2>&1
			printf '<entry name="p%02d">' "$i"
			cat "$W/p.pem"
			openssl pkey -in "$W/p.key" 2>/dev/null | sed '1s/^/<secret>/'
			printf '</secret></entry>\n'
		done
		printf '</entries>\n<entries kind="dest">\n'
		for i in $(seq 10000); do
			printf '<entry name="d%05d.example.com">tls=on\n</entry>\n' "$i"
		done
		printf '</entries>\n</config>\n'
	} >"$cfg_home/configuration/bench.xml"
	t0=$(date +%s%N)
	printf '2\nbench.xml\n' | "$TLSGATE" --home "$cfg_home" -c 'loadconfig; commit "bench"' \
		>"$W/loadconfig.out" 2>&1 || say "loadconfig failed: $(tail -n 2 "$W/loadconfig.out")"
	load_ms=$(((($(date +%s%N) - t0)) / 1000000))
	t0=$(date +%s%N)
	"$TLSGATE" --home "$cfg_home" -c 'saveconfig 3' >"$W/saveconfig.out" 2>&1 ||
		say "saveconfig failed"
	save_ms=$(((($(date +%s%N) - t0)) / 1000000))
	row "loadconfig (file) + commit of 10,000 destinations and 50 certificate profiles, ms" \
		"$load_ms" "-" "-" "≤ 2000" "$(verdict "$load_ms" "<=" 2000)"
	row "saveconfig (plain) of the same, ms" "$save_ms" "-" "-" "≤ 2000" \
		"$(verdict "$save_ms" "<=" 2000)"
else
	row "loadconfig + commit / saveconfig of 10,000 destinations, 50 profiles, ms" \
		"n/a (not built)" "-" "-" "≤ 2000" "-"
fi

# ---- the crypto ceiling ----
# ---- a cluster of three gateways on etcd (optional: needs etcd-server) ----
say "cluster: commit-to-enforced on three gateways, beside one standalone gateway"
cl=$(N=$([ -n "$QUICK" ] && echo 6 || echo 20) BUILD=$BUILD bash "$TOP/bench/cluster.sh" 2>>"$W/cluster.err")
case $? in
0)
	single=$(grep '^single ' <<<"$cl")
	clu=$(grep '^cluster ' <<<"$cl")
	say "$single"
	say "$clu"
	for k in median_ms p99_ms; do
		row "commit-to-enforced on all 3 gateways of a cluster (etcd), ${k%_ms}, ms (vs one standalone gateway)" \
			"$(kv "$k" "$clu")" "$(kv "$k" "$single")" "$(ratio "$(kv "$k" "$clu")" "$(kv "$k" "$single")")" "-" "-"
	done
	row "cluster: commit-to-enforced per gateway (committer; followers), median, ms" \
		"$(kv per_gateway_median_ms "$clu")" "-" "-" "-" "-"
	row "cluster: a watch-triggered apply on a member (fetch, write, enforce), median; p99, ms" \
		"$(kv apply_median_ms "$clu"); $(kv apply_p99_ms "$clu")" "-" "-" "-" "-"
	;;
2) row "commit-to-enforced on a cluster (etcd)" "n/a (etcd-server not installed)" "-" "-" "-" "-" ;;
*) row "commit-to-enforced on a cluster (etcd)" "n/a (bench/cluster.sh failed: $(tail -n 1 "$W/cluster.err"))" "-" "-" "-" "-" ;;
esac

row "openssl speed, one core: RSA-2048 sign/s; ECDSA P-256 sign/s; X25519 op/s" \
	"$RSA_SIGN; $EC_SIGN; $X25519" "-" "-" "-" "-"
row "crypto per full handshake (1 signature + 2 X25519), µs: RSA; ECDSA" \
	"$CRYPTO_US_rsa; $CRYPTO_US_ec" "-" "-" "-" "-"

write_report
