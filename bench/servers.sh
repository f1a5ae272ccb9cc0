# shellcheck shell=bash
# bench/servers.sh: the private servers of bench/run.sh, sourced by it (uses
# its helpers: free_port, die, server, ...): the tlsgated homes and daemons,
# nginx, and a Postfix instance, each under $W on free loopback ports.

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
