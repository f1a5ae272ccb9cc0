#!/usr/bin/env bash
# GUI HTTPS: the SSL Configuration page and its JSON over TLS (curl -k and a
# raw keep-alive client), following each commit; HTTP/1.1 status codes,
# limits, HEAD, keep-alive and the idle timeout; the access lines in the log.
. "$(dirname "$0")/e2e_lib.sh"

home=$(new_home https)
if ! start_daemon "$home" --http-timeout 2; then
	not_ok "tlsgated starts"
	done_testing
	exit 1
fi
URL=https://127.0.0.1:$HTTPS_PORT

# curl_get PATH: body on stdout, "CODE TYPE" in $TEST_TMP/meta.
curl_get() {
	curl -sk --max-time 10 -o - -w '%{http_code} %{content_type}' "$URL$1" >"$TEST_TMP/body" \
		2>/dev/null | tail -c 200 >"$TEST_TMP/meta"
	cat "$TEST_TMP/body"
}
curl -sk --max-time 10 -o "$TEST_TMP/page.html" -w '%{http_code} %{content_type}' "$URL/" >"$TEST_TMP/meta"
check_eq "GET / answers 200 text/html" "200 text/html; charset=utf-8" "$(cat "$TEST_TMP/meta")"
check "GET / is the SSL Configuration page" grep -q '<h1>SSL Configuration</h1>' "$TEST_TMP/page.html"
check "GET / shows the GUI HTTPS methods" \
	grep -qF '<section id="gui">' "$TEST_TMP/page.html"
check_eq "GET / shows the default methods of the three services" 3 \
	"$(grep -c '<td class="methods">TLS v1.1, TLS v1.2</td>' "$TEST_TMP/page.html")"
curl -sk --max-time 10 -o "$TEST_TMP/api.json" -w '%{http_code} %{content_type}' "$URL/api/sslconfig" >"$TEST_TMP/meta"
check_eq "GET /api/sslconfig answers 200 application/json" "200 application/json" "$(cat "$TEST_TMP/meta")"

py_checks "" "$TEST_TMP/api.json" "$(control "$home" status)" <<'EOF'
import json, sys
from tlsgate_e2e import check
doc = json.load(open(sys.argv[1]))
check(doc["version"] == int(sys.argv[2].split()[1]), "JSON version is the applied version", doc["version"])
check(doc["hostname"] == "mail.example.com", "JSON hostname", doc["hostname"])
for svc in ("gui", "inbound", "outbound"):
    check(doc[svc]["methods"] == ["TLSv1.1", "TLSv1.2"], "JSON %s methods are the defaults" % svc, doc[svc]["methods"])
    check(doc[svc]["tls13_ciphersuites"] == ["TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
          "TLS_AES_128_GCM_SHA256"], "JSON %s lists the three TLS 1.3 suites" % svc)
check(doc["gui"]["ciphers"].startswith("HIGH:MEDIUM:@STRENGTH:"), "JSON gui ciphers are the default string")
check(doc["gui"]["renegotiation"] is True and doc["inbound"]["renegotiation"] is True,
      "JSON renegotiation is enabled for gui and inbound")
check("renegotiation" not in doc["outbound"], "JSON outbound has no renegotiation setting")
check(doc["other_client_tlsv10"] is False and doc["peer_cert_fqdn"] is False, "JSON flags")
EOF

# The content follows commits.
commit_sslconfig "$home" gui 1-3 DEFAULT && commit_sslconfig "$home" inbound 2 HIGH
check "two commits applied" test $? -eq 0
curl -sk --max-time 10 "$URL/api/sslconfig" >"$TEST_TMP/api2.json"
py_checks "after the commits: " "$TEST_TMP/api2.json" "$(control "$home" status)" <<'EOF'
import json, sys
from tlsgate_e2e import check
doc = json.load(open(sys.argv[1]))
check(doc["version"] == int(sys.argv[2].split()[1]), "JSON shows the new version", doc["version"])
check(doc["gui"]["methods"] == ["TLSv1.1", "TLSv1.2", "TLSv1.3"], "JSON gui methods", doc["gui"]["methods"])
check(doc["gui"]["ciphers"] == "DEFAULT", "JSON gui ciphers", doc["gui"]["ciphers"])
check(doc["inbound"]["methods"] == ["TLSv1.2"] and doc["inbound"]["ciphers"] == "HIGH",
      "JSON inbound methods and ciphers", doc["inbound"])
EOF
check "after the commits: the page shows the new GUI methods" \
	bash -c "curl -sk --max-time 10 '$URL/' | grep -qF '<td class=\"methods\">TLS v1.1, TLS v1.2, TLS v1.3</td>'"

# Status codes and limits.
code() { curl -sk --max-time 10 -o /dev/null -w '%{http_code}' "$@"; }
check_eq "unknown path: 404" 404 "$(code "$URL/nope")"
check_eq "POST /: 405" 405 "$(code -X POST -d x=1 "$URL/")"
check "405 carries Allow: GET, HEAD" \
	bash -c "curl -sk --max-time 10 -D - -o /dev/null -X DELETE '$URL/api/sslconfig' | grep -qi '^Allow: GET, HEAD'"
check_eq "a body over the limit: 413" 413 \
	"$(head -c 70000 /dev/zero | code -X POST -H 'Content-Type: application/octet-stream' --data-binary @- "$URL/")"
check_eq "headers over 8 KB: 400 (libevent 2.1 answers 400, not 431)" 400 \
	"$(code -H "X-Big: $(head -c 10000 /dev/zero | tr '\0' a)" "$URL/")"
get_len=$(curl -sk --max-time 10 "$URL/api/sslconfig" | wc -c)
head_out=$(curl -sk --max-time 10 -I "$URL/api/sslconfig" | tr -d '\r')
check_eq "HEAD: 200 with GET's Content-Length" "HTTP/1.1 200 OK|content-length: $get_len" \
	"$(echo "$head_out" | head -n 1)|$(echo "$head_out" | grep -i '^content-length:' | tr 'A-Z' 'a-z')"
check "keep-alive: curl reuses the connection for a second request" \
	bash -c "curl -skv --max-time 10 '$URL/' '$URL/api/sslconfig' -o /dev/null -o /dev/null 2>&1 | grep -q 'Re-using existing connection'"

py_checks "" "$HTTPS_PORT" <<'EOF'
import sys, time
from tlsgate_e2e import Https, check
port = int(sys.argv[1])
c = Https(port)
codes = [c.get(p)[0] for p in ("/", "/api/sslconfig", "/nope", "/api/sslconfig")]
check(codes == [200, 200, 404, 200], "four requests on one connection", codes)
status, headers, _ = c.get("/")
check(headers.get("x-content-type-options") == "nosniff" and headers.get("cache-control") == "no-store",
      "security headers", headers)
t = time.monotonic()
closed = c.closed(6)
idle = time.monotonic() - t
check(closed and 1.5 <= idle <= 5.5, "an idle keep-alive connection is closed after the 2 s timeout", idle)
c = Https(port)
status = c.request(b"GARBAGE\r\n\r\n")[0]
check(status == 400, "a malformed request line: 400", status)
c = Https(port)
c.sock.sendall(b"GET /api/sslconfig HTTP/1.0\r\n\r\n")
data = b""
while True:
    chunk = c.sock.recv(65536)
    if not chunk:
        break
    data += chunk
head, _, body = data.partition(b"\r\n\r\n")
check(head.startswith(b"HTTP/1.0 200") and body.startswith(b'{"version":'),
      "HTTP/1.0 without keep-alive: answered, then closed", head)
EOF

wait_log "$home" 'HTTPS CID [0-9]+ GET /nope 404$' 2 >/dev/null
check "mail log: access line with method, path and status" \
	poll 3 grep -qE 'Info: HTTPS CID [0-9]+ GET /nope 404$' "$home/logs/mail_logs"
check "mail log: access line for the JSON" poll 3 grep -qE 'Info: HTTPS CID [0-9]+ GET /api/sslconfig 200$' "$home/logs/mail_logs"
done_testing
