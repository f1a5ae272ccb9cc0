#!/usr/bin/env bash
# TLS-RPT (RFC 8460): the delivery engine counts each domain's TLS outcomes
# for a period (--tls-rpt-interval, a day by default; 4 s here) and, when the
# domain publishes `_smtp._tls` with a mailto: address, mails the JSON report
# through itself to that address (a real receiver here); a domain without
# the record gets none (logged).
. "$(dirname "$0")/delivery_lib.sh"
. "$(dirname "$0")/dns_lib.sh"
if ! have_aiosmtpd || ! have_dns_tools; then
	ok "# SKIP python3-aiosmtpd, nsd, unbound or ldnsutils is not installed"
	done_testing
	exit 0
fi
make_certs
PS=$(free_port) PC=$(free_port)
cat >"$TEST_TMP/rpt.zone" <<ZONE
\$ORIGIN rpt.test.
\$TTL 300
@ SOA ns admin 1 3600 600 86400 60
@ NS ns
ns A 127.0.0.1
mx A 127.0.0.1
good MX 10 mx
bad MX 10 mx
nopub MX 10 mx
_smtp._tls.good TXT "v=TLSRPTv1; rua=https://reports.example/x,mailto:reports@collect.rpt.test"
_smtp._tls.bad TXT "v=TLSRPTv1;rua=mailto:reports@collect.rpt.test"
ZONE
zone_add rpt.test "$TEST_TMP/rpt.zone" insecure
check "nsd and unbound start" start_dns rpt.test
export TLSGATE_MX_PORT=$PS
check "receivers start" start_receivers self:"$PS":tls:self collector:"$PC":plain
home=$(new_home sender)
mkdir -p "$home/configuration"
printf '[DEFAULT]\ntls = off\n\n[good.rpt.test]\ntls = on\n\n[bad.rpt.test]\ntls = require_verify\n\n[nopub.rpt.test]\ntls = on\n' >"$home/configuration/rpt.ini"
printf 'smtproutes\nnew\ncollect.rpt.test\n127.0.0.1:%s\n\ndestconfig\nimport\nrpt.ini\n\ncommit "tls-rpt"\n' "$PC" |
	"$TLSGATE" --home "$home" >"$TEST_TMP/config.out" 2>&1
check "configuration committed" grep -q '^Changes committed' "$TEST_TMP/config.out"
check "sending tlsgated starts (report period 4 s)" start_sender "$home" --tls-rpt-interval 4
log=$home/logs/mail_logs
# Two sessions with good's MX: the second message is sent once the first is
# delivered (two messages queued together leave in one session).
send "$SMTP_PORT" user@good.rpt.test rpt-good1
poll 30 grep -q 'Message done' "$log"
send "$SMTP_PORT" user@good.rpt.test rpt-good2
send "$SMTP_PORT" user@bad.rpt.test rpt-bad
send "$SMTP_PORT" user@nopub.rpt.test rpt-nopub
check "the reports arrive at the collector" poll 30 bash -c "[ \$(cat '$RCV/collector.jsonl' 2>/dev/null | grep -c 'Report Domain') -ge 2 ]"
sed 's/^/# /' "$log" | grep -E 'TLS-RPT' | head
report() { # DOMAIN: the first report for it, as JSON
	"$PY" -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r.get("tlsrpt") and r["tlsrpt"]["policies"][0]["policy"]["policy-domain"] == sys.argv[2]:
        print(json.dumps(r)); break' "$RCV/collector.jsonl" "$1"
}
good=$(report good.rpt.test) bad=$(report bad.rpt.test)
echo "# $good"
echo "# $bad"
field() { "$PY" -c 'import json,sys; r=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"; }
export -f field
export PY
# On a loaded machine the two deliveries may fall into two 4 s periods: the
# sessions are counted over every report for the domain, each report once (a
# report mail delivered twice after a timed-out reply is the same report).
sessions() { # DOMAIN: successful and failed sessions over all its reports
	"$PY" -c 'import json,sys
seen = {}
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r.get("tlsrpt") and r["tlsrpt"]["policies"][0]["policy"]["policy-domain"] == sys.argv[2]:
        seen[r["tlsrpt"]["report-id"]] = r["tlsrpt"]["policies"][0]["summary"]
print(sum(s["total-successful-session-count"] for s in seen.values()),
      sum(s["total-failure-session-count"] for s in seen.values()))' "$RCV/collector.jsonl" "$1"
}
export -f sessions
export RCV
check "good: 2 successful sessions, 0 failed" poll 20 bash -c '[ "$(sessions good.rpt.test)" = "2 0" ]'
grep -E "TLS-RPT|good.rpt.test" "$log" | sed "s/^/# /" | cut -c1-220
check "... each report with the RFC's summary fields" test "$(field "$good" 'sorted(r["tlsrpt"]["policies"][0]["summary"])')" = "['total-failure-session-count', 'total-successful-session-count']"
check "good: the report's subject and addressee (RFC 8460 5.3)" bash -c '[ "$(field "$1" "r[\"rcpt\"]")" = "[$(printf "%s" "'"'"'reports@collect.rpt.test'"'"'")]" ] &&
	field "$1" "r[\"subject\"]" | grep -q "^Report Domain: good.rpt.test Submitter: .* Report-ID: <"' _ "$good"
check "bad: failures, with result type certificate-not-trusted and the MX" bash -c 'd=$(field "$1" "r[\"tlsrpt\"][\"policies\"][0][\"failure-details\"][0]");
	grep -q "certificate-not-trusted" <<<"$d" && grep -q "mx.rpt.test" <<<"$d" &&
	[ "$(field "$1" "r[\"tlsrpt\"][\"policies\"][0][\"summary\"][\"total-failure-session-count\"] >= 1")" = True ]' _ "$bad"
check "the JSON has the RFC 8460 fields" bash -c 'for k in organization-name date-range contact-info report-id policies; do
	[ "$(field "$1" "\"$k\" in r[\"tlsrpt\"]")" = True ] || exit 1; done' _ "$good"
check "nopub: no report, and the log says why" poll 10 grep -q "TLS-RPT for nopub.rpt.test: no report sent: _smtp._tls.nopub.rpt.test publishes no TLSRPTv1 record" "$log"
check "the log names each report sent" poll 3 grep -q "TLS-RPT for good.rpt.test: report .* ([12] successful, 0 failed sessions) sent to <reports@collect.rpt.test>" "$log"
done_testing
