#!/usr/bin/env bash
# bench/run.sh: tlsgated side by side with nginx (HTTPS) and Postfix smtpd
# (inbound SMTP), in one run, on loopback, with the same certificates, the
# same protocol settings and the same load client (bench/load). Prints a
# Markdown table and writes it to bench/results/YYYY-MM-DD.md.
# Method: docs/PERFORMANCE.md. Usage: make bench (BENCH_QUICK=1: short run).
# The servers (servers.sh) and each section of the table (memory.sh,
# syscalls.sh, https.sh, workers.sh, smtp.sh, commit.sh, shell.sh) are files
# beside this one that it sources; this file is the driver and the helpers.
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
# descendants' (utime+stime from /proc/PID/stat), then the kernel's part of
# it (stime). Postfix forks smtpd processes that come and go: reaped ones
# land in the master's cutime.
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
        stats[int(d)] = (int(f[1]), int(f[11]) + int(f[12]), int(f[13]) + int(f[14]),
                         int(f[12]), int(f[14]))
root = int(sys.argv[1])
tree, todo = set(), [root]
while todo:
    p = todo.pop()
    tree.add(p)
    todo += [c for c, s in stats.items() if s[0] == p and c not in tree]
ticks = sum(stats[p][1] for p in tree if p in stats) + stats.get(root, (0, 0, 0, 0, 0))[2]
sys_ticks = sum(stats[p][3] for p in tree if p in stats) + stats.get(root, (0, 0, 0, 0, 0))[4]
print(ticks / hz, sys_ticks / hz)
EOF
}
# RSS (kB) of a process tree (a process and its children); FIELD RssAnon:
# only its private memory, not the shared libraries' pages; FILE smaps_rollup
# with FIELD Pss: its proportional share of the pages it maps.
tree_rss() { # PID [FIELD [FILE]]
	local total=0 p
	for p in $1 $(pgrep -P "$1"); do
		total=$((total + $(awk -v f="^${2:-VmRSS}:" '$0 ~ f { print $2 }' "/proc/$p/${3:-status}" 2>/dev/null || echo 0)))
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

# measure ROOT_PID load-args...: runs the load on the client core; sets
# M_RATE, M_FAIL, M_OK, M_US (server CPU µs per session), M_CLI_US.
measure() {
	local root=$1 c0 c1 s0 s1 out
	shift
	read -r c0 s0 < <(tree_cpu "$root")
	out=$(client "$LOAD" "$@" --duration "$DUR")
	read -r c1 s1 < <(tree_cpu "$root")
	M_OK=$(kv ok "$out")
	M_FAIL=$(kv failed "$out")
	M_RATE=$(kv rate "$out")
	M_US=$(calc "($c1 - $c0) * 1e6 / ($M_OK > 0 ? $M_OK : 1)" 0)
	M_SYS_US=$(calc "($s1 - $s0) * 1e6 / ($M_OK > 0 ? $M_OK : 1)" 0)
	M_CLI_US=$(calc "$(kv client_cpu_s "$out") * 1e6 / ($M_OK > 0 ? $M_OK : 1)" 0)
	say "$* -> $out server_us=$M_US kernel_us=$M_SYS_US"
}

TABLE=$W/table.md
row() { echo "| $1 | $2 | $3 | $4 | $5 | $6 |" >>"$TABLE"; }
# verdict VALUE OP LIMIT: "yes"/"**no**".
verdict() { if awk "BEGIN { exit !($1 $2 $3) }"; then echo yes; else echo "**no**"; fi; }
ratio() { if [ "$2" = 0 ] || [ -z "$2" ]; then echo "n/a"; else calc "$1 / $2" 2; fi; }
# The servers and the sections of the table, one file each, sourced: they
# define functions that use the helpers above.
# shellcheck source=bench/servers.sh
. "$TOP/bench/servers.sh"
# shellcheck source=bench/memory.sh
. "$TOP/bench/memory.sh"
# shellcheck source=bench/syscalls.sh
. "$TOP/bench/syscalls.sh"
# shellcheck source=bench/https.sh
. "$TOP/bench/https.sh"
# shellcheck source=bench/workers.sh
. "$TOP/bench/workers.sh"
# shellcheck source=bench/smtp.sh
. "$TOP/bench/smtp.sh"
# shellcheck source=bench/commit.sh
. "$TOP/bench/commit.sh"
# shellcheck source=bench/shell.sh
. "$TOP/bench/shell.sh"
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
memory_section

# ---- system calls per handshake / session (strace -c on the server) ----
syscalls_section

# ---- HTTPS full handshakes: tlsgated vs nginx ----
https_section

# ---- the TLS usage record (issue 17): HTTPS handshakes with recording on
# (the default) and off (--no-usage), alternated, median of 3 runs each ----
usage_section

# ---- HTTPS with N workers (bench/workers.sh) ----
workers_section

# ---- inbound SMTP: tlsgated vs Postfix smtpd (a listener per certificate) ----
smtp_section

# ---- commit-to-enforced and strict consistency ----
commit_section

# ---- what one commit builds (the commit plan: prepare once per process) ----
commit_work_section

# ---- sender-group matching: a host access table of 100,000 patterns ----
hb=$("$TOP/$BUILD/tests/hat_bench" 100000 2>>"$W/hat_bench.err" || true)
hb_ip=$(kv ns_ip "$hb")
row "sender-group match, 100,000 patterns (IP, CIDR, range, .domain), CPU ns per connection: address; with a host name" \
	"${hb_ip:-n/a}; $(kv ns_name "$hb")" "-" "-" "≤ 1000 (address)" \
	"$([ -n "$hb_ip" ] && verdict "$hb_ip" "<=" 1000 || echo n/a)"
row "host access table of 100,000 patterns: parse; compile, ms" \
	"$(kv parse_ms "$hb"); $(kv compile_ms "$hb")" "-" "-" "-" "-"

# ---- failed connections while the policy flips under load ----
underload_section

# ---- the shell ----
shell_section

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
