#!/usr/bin/env bash
# WebUI without a browser (curl): every refusal answers an error and is
# logged — a POST without a valid CSRF token, a guest's POST, a crafted
# non-contiguous POST, an expired session, wrong passwords (the throttle),
# the session cookie over plain HTTP; cookie flags and the CSP; an open
# page over a GUI HTTPS commit keeps working.
. "$(dirname "${BASH_SOURCE[0]}")/webui_lib.sh"

webui_home sec
start_daemon "$HOME_DIR" || { not_ok "daemon starts"; done_testing; exit 1; }
URL=https://127.0.0.1:$HTTPS_PORT
LOG=$HOME_DIR/logs/mail_logs
code() { curl -sk --max-time 10 -o "$TEST_TMP/body" -w '%{http_code}' "$@"; }
staged() { curl -sk --max-time 10 -H 'Accept: application/json' -b "$1" "$URL/api/changes" | sed -n 's/.*"count":\([0-9]*\).*/\1/p'; }

# Cookies and headers.
token=$(curl -sk -c "$TEST_TMP/pre" "$URL/login" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p')
curl -sk -D "$TEST_TMP/hdr" -o /dev/null -b "$TEST_TMP/pre" --data-urlencode "csrf=$token" \
	-d 'username=admin&password=adminpass1' "$URL/login"
check "session cookie: Secure; HttpOnly; SameSite=Strict" \
	grep -qiE '^Set-Cookie: tlsgate_session=[0-9a-f]{64}; Path=/; Secure; HttpOnly; SameSite=Strict' "$TEST_TMP/hdr"
check "CSP: scripts only from the server, no inline" \
	bash -c "grep -i '^Content-Security-Policy:' '$TEST_TMP/hdr' | grep -q \"script-src 'self';\" && ! grep -i '^Content-Security-Policy:' '$TEST_TMP/hdr' | grep -q unsafe"
check_eq "a login without the login form's CSRF cookie: 403" 403 \
	"$(code -d "csrf=$token&username=admin&password=adminpass1" "$URL/login")"
check "... logged" poll 3 grep -q 'login refused (address 127.0.0.1): no valid CSRF token' "$LOG"

check_eq "admin logs in: 303" 303 "$(login "$TEST_TMP/adm" admin adminpass1)"
check "the Commit Changes page of a standalone machine: commit at machine level" bash -c \
	"curl -sk --max-time 10 -b '$TEST_TMP/adm' '$URL/commit' | grep -q 'id=\"commit-level\">Commit at machine level'"
csrf=$(csrf_of "$TEST_TMP/adm")
check "the session has a CSRF token" test ${#csrf} = 64
ciphers=$(sqlite3 "$HOME_DIR/config.db" "SELECT value FROM config_values WHERE key='gui.ciphers' AND version=(SELECT max(version) FROM config_versions)")
form=(--data-urlencode "ssl_inbound_ciphers=$ciphers"
	--data-urlencode "ssl_outbound_ciphers=$ciphers" -d ssl_inbound_method_tlsv1_2=1 -d ssl_outbound_method_tlsv1_2=1)
gui=(--data-urlencode "ssl_gui_ciphers=$ciphers")
check_eq "POST without a CSRF token: 403" 403 \
	"$(code -b "$TEST_TMP/adm" "${form[@]}" "${gui[@]}" -d ssl_gui_method_tlsv1_2=1 "$URL/sslconfig")"
check_eq "POST with another token: 403" 403 \
	"$(code -b "$TEST_TMP/adm" "${form[@]}" "${gui[@]}" -d ssl_gui_method_tlsv1_2=1 -d "csrf=$(echo "$csrf" | tr 0-9a-f 1-9a-f0)" "$URL/sslconfig")"
check "... logged" poll 3 grep -q 'POST /sslconfig refused for user admin (address 127.0.0.1): no valid CSRF token' "$LOG"
check_eq "crafted non-contiguous POST (TLS v1.3 + v1.1): 400" 400 \
	"$(code -b "$TEST_TMP/adm" "${form[@]}" "${gui[@]}" -d ssl_gui_method_tlsv1_3=1 -d ssl_gui_method_tlsv1_1=1 -d "csrf=$csrf" "$URL/sslconfig")"
check "... the spec's Error banner and a field error" \
	bash -c "grep -q 'id=\"action-results-title\">Error<' '$TEST_TMP/body' && grep -q 'class=\"error\" id=\"error-ssl_gui_method\">TLS protocols can be enabled only in sequence.' '$TEST_TMP/body'"
check_eq "crafted bad cipher string: 400" 400 \
	"$(code -b "$TEST_TMP/adm" "${form[@]}" -d ssl_gui_method_tlsv1_2=1 --data-urlencode "ssl_gui_ciphers=NOSUCHCIPHER" -d "csrf=$csrf" "$URL/sslconfig")"
check "... named on the ciphers field" grep -q 'id="error-ssl_gui_ciphers"' "$TEST_TMP/body"
check "... the form comes back as submitted: TLS v1.2 only, the bad ciphers kept" \
	bash -c "grep -q 'id=\"ssl_gui_method_tlsv1_2\" value=\"1\" [^>]* checked>' '$TEST_TMP/body' && ! grep -q 'id=\"ssl_gui_method_tlsv1_3\" value=\"1\" [^>]* checked>' '$TEST_TMP/body' && grep -q 'id=\"ssl_gui_ciphers\" maxlength=\"[0-9]*\" value=\"NOSUCHCIPHER\"' '$TEST_TMP/body'"
check_eq "a hostile cipher string: 400" 400 \
	"$(code -b "$TEST_TMP/adm" "${form[@]}" -d ssl_gui_method_tlsv1_2=1 --data-urlencode 'ssl_gui_ciphers=HIGH"><script>alert(1)</script>' -d "csrf=$csrf" "$URL/sslconfig")"
check "... comes back escaped, never as markup" \
	bash -c "grep -qF 'value=\"HIGH&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\"' '$TEST_TMP/body' && ! grep -qF '<script>alert' '$TEST_TMP/body'"
check_eq "nothing was staged by the refused POSTs" 0 "$(staged "$TEST_TMP/adm")"

check_eq "guest logs in" 303 "$(login "$TEST_TMP/gst" gst guestpass1)"
gcsrf=$(csrf_of "$TEST_TMP/gst")
check_eq "guest views SSL Configuration" 200 "$(code -b "$TEST_TMP/gst" "$URL/sslconfig")"
check "... without Edit Settings" bash -c "! grep -q edit-settings '$TEST_TMP/body'"
check_eq "guest POST /sslconfig (valid CSRF): 403" 403 \
	"$(code -b "$TEST_TMP/gst" "${form[@]}" "${gui[@]}" -d ssl_gui_method_tlsv1_2=1 -d "csrf=$gcsrf" "$URL/sslconfig")"
check_eq "guest POST /commit: 403" 403 "$(code -b "$TEST_TMP/gst" -d "csrf=$gcsrf&comment=x" "$URL/commit")"
check "... logged" poll 3 grep -q 'POST /sslconfig refused for user gst (address 127.0.0.1): role too low' "$LOG"
check_eq "guest staged nothing" 0 "$(staged "$TEST_TMP/gst")"

# Staging is shared with the console: staged here, seen and committed there.
check_eq "admin stages TLS v1.2 only for the GUI" 200 \
	"$(code -b "$TEST_TMP/adm" "${form[@]}" "${gui[@]}" -d ssl_gui_method_tlsv1_2=1 -d gui_tls_renegotiation=1 -d inbound_tls_renegotiation=1 -d "csrf=$csrf" "$URL/sslconfig")"
check "the console's showchanges lists the WebUI's edit" \
	bash -c "'$TLSGATE' --home '$HOME_DIR' --user admin -c showchanges | grep -A2 'GUI HTTPS method' | grep -q 'new: tlsv1_2'"

# An open page over a GUI HTTPS commit: the same connection keeps working.
cookie=$(awk '$6=="tlsgate_session"{print $7}' "$TEST_TMP/adm")
"$PY" - "$HTTPS_PORT" "$cookie" "$TLSGATE" "$HOME_DIR" >"$TEST_TMP/live.out" 2>&1 <<'PYEOF'
import http.client, ssl, subprocess, sys
port, cookie, tlsgate, home = sys.argv[1:5]
ctx = ssl._create_unverified_context()
c = http.client.HTTPSConnection("127.0.0.1", int(port), context=ctx, timeout=10)
h = {"Cookie": "tlsgate_session=" + cookie}
c.request("GET", "/sslconfig", headers=h); r = c.getresponse(); r.read()
sock, proto = c.sock, c.sock.version()
out = subprocess.run([tlsgate, "--home", home, "--user", "admin", "-c", 'commit "gui 1.2 only"'],
                     capture_output=True, text=True).stdout
c.request("GET", "/sslconfig", headers=h); r2 = c.getresponse(); body = r2.read().decode()
print("first", r.status, "second", r2.status, "same", c.sock is sock, proto, c.sock.version(),
      "committed" if "Changes committed" in out else "not-committed",
      "new" if 'id="gui-methods">TLS v1.2<' in body else "old")
PYEOF
check "a page load on the open connection after the commit: 200 on the same TLS connection" \
	grep -q '^first 200 second 200 same True TLSv1.2 TLSv1.2 committed new$' "$TEST_TMP/live.out"
grep -q '^first' "$TEST_TMP/live.out" || sed 's/^/#   /' "$TEST_TMP/live.out"

# The session cookie over plain HTTP: no TLS, no answer, a log line.
curl -s --max-time 5 -o /dev/null -H "Cookie: tlsgate_session=$cookie" "http://127.0.0.1:$HTTPS_PORT/sslconfig"
check_fails "plain HTTP with the session cookie gets no page" \
	curl -s --max-time 5 -o /dev/null -H "Cookie: tlsgate_session=$cookie" "http://127.0.0.1:$HTTPS_PORT/sslconfig"
check "... logged as a failed TLS handshake" poll 3 grep -qE 'HTTPS CID [0-9]+ TLS failed' "$LOG"

# Logout ends the session on the server.
check_eq "logout" 303 "$(code -b "$TEST_TMP/adm" -d "csrf=$csrf" "$URL/logout")"
check_eq "the old cookie is refused after logout" 401 \
	"$(code -H 'Accept: application/json' -b "$TEST_TMP/adm" "$URL/api/session")"

# Expiry and the throttle: a second appliance with a 2 s session timeout.
stop_daemon
webui_home short
start_daemon "$HOME_DIR" --webui-timeout 2 || { not_ok "second daemon starts"; done_testing; exit 1; }
URL=https://127.0.0.1:$HTTPS_PORT
LOG=$HOME_DIR/logs/mail_logs
check_eq "op logs in" 303 "$(login "$TEST_TMP/op" op operpass1)"
check_eq "the session works" 200 "$(code -H 'Accept: application/json' -b "$TEST_TMP/op" "$URL/api/session")"
sleep 3
check_eq "after 3 s idle (timeout 2 s): 401" 401 "$(code -H 'Accept: application/json' -b "$TEST_TMP/op" "$URL/api/session")"
check "... logged as expired" poll 3 grep -q 'session expired (address 127.0.0.1)' "$LOG"
check_eq "a page after expiry redirects to the login" 303 "$(code -b "$TEST_TMP/op" "$URL/sslconfig")"
for i in 1 2 3 4 5; do
	c=$(login "$TEST_TMP/bad$i" op "wrongpass$i")
	check_eq "wrong password $i: 401" 401 "$c"
done
check_eq "then even the right password is refused: 429" 429 "$(login "$TEST_TMP/op2" op operpass1)"
check "... logged: failures and the refusal" \
	bash -c "[ \$(grep -c 'login failed for op (address 127.0.0.1)' '$LOG') = 5 ] && grep -q 'login refused for op (address 127.0.0.1): too many failed attempts' '$LOG'"
check "no password or hash in the logs" bash -c "! grep -qE 'wrongpass|operpass1|\\\$y\\\$' '$LOG' '$HOME_DIR/logs/cli_logs'"
done_testing
