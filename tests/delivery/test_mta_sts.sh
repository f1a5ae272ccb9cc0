#!/usr/bin/env bash
# MTA-STS (RFC 8461) on real deliveries and in tlsverify: `_mta-sts` TXT
# records from a local DNSSEC world (dns_lib.sh), policy files from a local
# HTTPS server (python's http.server with a certificate of the test CA),
# receivers from delivery_lib.sh. enforce (host in the mx list: delivered
# over verified TLS; not in it: deferred; a certificate without the MX name:
# deferred), testing (delivered, logged), no policy, a broken policy (as if
# none), a destination's explicit TLS setting (wins), DANE first.
. "$(dirname "$0")/delivery_lib.sh"
. "$(dirname "$0")/dns_lib.sh"
if ! have_aiosmtpd || ! have_dns_tools; then
	ok "# SKIP python3-aiosmtpd, nsd, unbound or ldnsutils is not installed"
	done_testing
	exit 0
fi
make_certs
DOMAINS="enforce badmx testing nocert explicit both broken"
(
	cd "$CERTS" || exit 1
	sign() { # NAME SAN
		openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$1" 2>/dev/null
		printf 'subjectAltName=%s\n' "$2" >"$1.ext"
		openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
			-extfile "$1.ext" -out "$1.crt" 2>/dev/null
	}
	sign sts 'DNS:mx-good.sts.test'
	san=""
	for d in $DOMAINS; do san+="${san:+,}DNS:mta-sts.$d.sts.test"; done
	sign web "$san"
)
PG=$(free_port) PH=$(free_port)
{
	printf '$ORIGIN sts.test.\n$TTL 300\n@ SOA ns admin 1 3600 600 86400 60\n@ NS ns\nns A 127.0.0.1\n'
	printf 'mx-good A 127.0.0.1\nmx-nocert A 127.0.0.1\nmx-dane A 127.0.0.1\n'
	printf '_%s._tcp.mx-dane TLSA 3 1 1 %s\n' "$PG" "$(tlsa_311 "$CERTS/sts.crt")"
	for d in $DOMAINS; do
		printf 'mta-sts.%s A 127.0.0.1\n_mta-sts.%s TXT "v=STSv1; id=20261130;"\n' "$d" "$d"
	done
	printf 'enforce MX 10 mx-good\nbadmx MX 10 mx-good\ntesting MX 10 mx-good\nnocert MX 10 mx-nocert\n'
	printf 'explicit MX 10 mx-good\nboth MX 10 mx-dane\nbroken MX 10 mx-good\nnone MX 10 mx-good\n'
} >"$TEST_TMP/sts.zone"
zone_add sts.test "$TEST_TMP/sts.zone" signed
check "nsd and a validating unbound start" start_dns sts.test
export TLSGATE_MX_PORT=$PG TLSGATE_MTA_STS_PORT=$PH

# The policy files, by host name.
WWW=$TEST_TMP/www
mkdir -p "$WWW"
policy() { printf 'version: STSv1\r\nmode: %s\r\n%bmax_age: 86400\r\n' "$2" "$3" >"$WWW/mta-sts.$1.sts.test"; }
policy enforce enforce 'mx: mx-good.sts.test\r\n'
policy badmx enforce 'mx: *.elsewhere.test\r\n'
policy testing testing 'mx: other.sts.test\r\n'
policy nocert enforce 'mx: *.sts.test\r\n'
policy explicit enforce 'mx: nomatch.sts.test\r\n'
policy both enforce 'mx: nomatch.sts.test\r\n'
printf 'this is not a policy\n' >"$WWW/mta-sts.broken.sts.test"
cat >"$TEST_TMP/https.py" <<'PY'
import http.server, os, ssl, sys
port, root, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        host = (self.headers.get("Host") or "").split(":")[0]
        path = os.path.join(root, os.path.basename(host))
        if self.path != "/.well-known/mta-sts.txt" or not os.path.isfile(path):
            self.send_error(404)
            return
        body = open(path, "rb").read()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        with open(os.path.join(root, "fetches"), "a") as f:
            f.write(host + "\n")
    def log_message(self, *a):
        pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", port), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
s.socket = ctx.wrap_socket(s.socket, server_side=True)
open(os.path.join(root, "ready"), "w").close()
s.serve_forever()
PY
/usr/bin/python3 "$TEST_TMP/https.py" "$PH" "$WWW" "$CERTS/web.crt" "$CERTS/web.key" 2>"$TEST_TMP/https.err" &
at_exit "kill $!"
check "the HTTPS policy server starts" poll 10 test -f "$WWW/ready"
check "curl fetches a policy from it (the test CA)" bash -c "curl -s --cacert '$CERTS/ca.crt' --resolve mta-sts.enforce.sts.test:$PH:127.0.0.1 https://mta-sts.enforce.sts.test:$PH/.well-known/mta-sts.txt | grep -q 'mode: enforce'"

check "receivers start" start_receivers good:"$PG":tls:sts
home=$(new_home sender)
mkdir -p "$home/configuration"
# DANE needs a TLS level of its own (dest_check_dane): "both" has one, and its
# policy's mx list (nomatch) would defer if MTA-STS were consulted.
printf '[DEFAULT]\ntls = off\n\n[explicit.sts.test]\ntls = on\n\n[both.sts.test]\ntls = on\ndane = opportunistic\n' >"$home/configuration/sts.ini"
printf 'destconfig\nimport\nsts.ini\nsetup\n1\nN\nY\n\ncommit "mta-sts"\n' | "$TLSGATE" --home "$home" >"$TEST_TMP/config.out" 2>&1
check "destconfig SETUP enables MTA-STS, committed" bash -c 'grep -q "^Changes committed" "$1" &&
	grep -q "Do you want to apply the MTA-STS policies (RFC 8461) of destinations without a TLS setting of their own? \[N\]>" "$1"' _ "$TEST_TMP/config.out"
check "sending tlsgated starts" start_sender "$home"
log=$home/logs/mail_logs
for d in $DOMAINS none; do send "$SMTP_PORT" "user@$d.sts.test" "sts-$d"; done
poll 30 bash -c "[ \$(grep -c 'Message done' '$log') -ge 6 ] && [ \$(grep -c 'delayed' '$log') -ge 2 ]"
sleep 1
sed 's/^/# /' "$log" | grep -E 'MTA-STS|DANE|delayed|verification' | head -40
outcome() { v=$(tls_of good "sts-$1"); case $v in TLS*) echo tls ;; *) echo "$v" ;; esac; }
check "enforce, host in the mx list: delivered over TLS" test "$(outcome enforce)" = tls
check "enforce: the log names the policy and the decision" poll 3 grep -q "MTA-STS for enforce.sts.test: policy 20261130 (mode enforce): host mx-good.sts.test (127.0.0.1): MTA-STS policy in mode enforce: TLS with a verified certificate is required" "$log"
check "enforce, host not in the mx list: deferred" bash -c "[ $(outcome badmx) = none ] &&
	grep -q 'MID [0-9]* delayed: mx-good.sts.test is not in the MTA-STS policy.s mx list (mode enforce); it is not used' '$log'"
check "enforce, certificate without the MX name: deferred" bash -c "[ $(outcome nocert) = none ] &&
	grep -q 'TLS certificate verification failed: hostname mismatch' '$log'"
check "testing, host not in the mx list: delivered under the TLS setting, logged" bash -c "[ $(outcome testing) = clear ] &&
	grep -q 'MTA-STS for testing.sts.test: policy 20261130 (mode testing): host mx-good.sts.test (127.0.0.1): mx-good.sts.test is not in the MTA-STS policy.s mx list (mode testing); delivered under the TLS setting' '$log'"
check "an explicit TLS setting wins over the policy" bash -c "[ $(outcome explicit) = tls ] && ! grep -q 'MTA-STS for explicit' '$log'"
check "DANE first: the TLSA record, not the policy's mx list" bash -c "[ $(outcome both) = tls ] &&
	grep -q 'DCID [0-9]* DANE success: TLSA record 3 1 1' '$log' && ! grep -q 'MTA-STS for both' '$log'"
check "no policy: the TLS setting (clear)" test "$(outcome none)" = clear
check "a broken policy: as if none, and logged" bash -c "[ $(outcome broken) = clear ] &&
	grep -q 'MTA-STS for broken.sts.test: no policy in force: the policy at https://mta-sts.broken.sts.test:$PH/.well-known/mta-sts.txt is not valid' '$log'"
fetched=$(grep -c '^mta-sts.enforce.sts.test$' "$WWW/fetches")
send "$SMTP_PORT" user@enforce.sts.test sts-enforce2
poll 15 bash -c "[ \$(got_count good sts-enforce2 2>/dev/null || grep -c sts-enforce2 '$RCV/good.jsonl') -ge 1 ]"
check "the policy is cached (max_age): fetched once for two deliveries" test "$(grep -c '^mta-sts.enforce.sts.test$' "$WWW/fetches")" = "$fetched"
check "... and the log says cached" poll 3 grep -q "MTA-STS for enforce.sts.test: policy 20261130 (mode enforce, cached)" "$log"

tv() { SSL_CERT_FILE=$CERTS/ca.crt SSL_CERT_DIR=/nonexistent "$TLSGATE" --home "$home" -c "tlsverify $*" 2>&1; }
out=$(tv enforce.sts.test)
echo "$out" | sed 's/^/# /'
check "tlsverify enforce: the policy and the decision" bash -c 'grep -q "^MTA-STS: policy id 20261130, mode enforce, max_age 86400, mx: mx-good.sts.test.$" <<<"$1" &&
	grep -q "^MTA-STS decision for mx-good.sts.test: MTA-STS policy in mode enforce" <<<"$1" &&
	grep -q "and MTA-STS (enforce), mail to enforce.sts.test would be delivered encrypted.$" <<<"$1"' _ "$out"
out=$(tv badmx.sts.test)
check "tlsverify badmx: deferred" grep -q "^Verdict: DANE or MTA-STS allows none of the mail exchangers of badmx.sts.test now" <<<"$out"
out=$(tv explicit.sts.test)
check "tlsverify explicit: not applied" grep -q "^MTA-STS: not applied: the destination has a TLS setting or a route of its own.$" <<<"$out"
done_testing
