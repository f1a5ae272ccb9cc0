#!/usr/bin/env bash
# Monitor > TLS Connections (issue 17): after real sessions at known
# versions, the WebUI page shows exactly the report's numbers, a chart of
# sessions per TLS version (SVG), and needs a login; peers' names are
# escaped.
. "$(dirname "$0")/webui_lib.sh"
webui_home usage
check "users committed" grep -q '^Changes committed' "$TEST_TMP/users.out"
check "tlsgated starts" start_daemon "$HOME_DIR" --usage-flush 3600
URL=https://127.0.0.1:$HTTPS_PORT
for i in 1 2; do handshake "$HTTPS_PORT" 1.2 || not_ok "HTTPS TLS 1.2 $i"; done
check "STARTTLS TLS 1.2 from a sender whose name needs escaping" \
	handshake "$SMTP_PORT" 1.2 smtp -name 'x<b>.example'
check_eq "usage flush" "flushed 2" "$(control "$HOME_DIR" "usage flush")"
code=$(curl -sk -o /dev/null -w '%{http_code}' "$URL/monitor/tls")
check "without a login: no page ($code)" test "$code" != 200
jar=$TEST_TMP/jar
check_eq "guest logs in" 303 "$(login "$jar" gst guestpass1)"
page=$(curl -sk -b "$jar" "$URL/monitor/tls")
check "the page is Monitor > TLS Connections" grep -q '<title>TLS Connections' <<<"$page"
check "GUI HTTPS: 2 sessions (this page's own handshake is flushed later)" \
	grep -q '<h2>GUI HTTPS</h2>' <<<"$page"
check "sessions line" grep -q '<p>Sessions: 2 (TLS success 2, TLS failed 0, no TLS 0)</p>' <<<"$page"
check "a chart: SVG with a TLS v1.2 bar of 2" grep -q '<title>TLS v1.2: 2</title>' <<<"$page"
check "version and cipher table" grep -q '<td>TLS v1.2</td><td>ECDHE-RSA-AES256-GCM-SHA384</td>' <<<"$page"
check "the peer's name is escaped" grep -q '<td>x&lt;b&gt;.example</td>' <<<"$page"
check_fails "... never raw" grep -q 'x<b>.example' <<<"$page"
check "the navigation links the page" grep -q 'href="/monitor/tls"' <<<"$page"
done_testing
