#!/usr/bin/env bash
# DANE (RFC 7672) per destination, against a real DNSSEC world on loopback
# (tests/delivery/dns_lib.sh: nsd serving signed zones, unbound validating
# with their keys): DNSSEC-validated MX and TLSA lookups, OpenSSL's DANE
# matching, Opportunistic and Mandatory outcomes (delivered; deferred with
# the right mail-log line), DANE-EE without a name check, an insecure zone,
# a bogus signature (a whole zone, and one tampered TLSA record), a route,
# and tlsverify's explanation.
. "$(dirname "$0")/delivery_lib.sh"
. "$(dirname "$0")/dns_lib.sh"
if ! have_aiosmtpd || ! have_dns_tools; then
	ok "# SKIP python3-aiosmtpd, nsd, unbound or ldnsutils is not installed"
	done_testing
	exit 0
fi
make_certs
(
	cd "$CERTS" || exit 1
	openssl req -newkey rsa:2048 -nodes -keyout dane.key -out dane.csr -subj '/CN=dane receiver' 2>/dev/null
	printf 'subjectAltName=DNS:*.dane.test,DNS:*.insecure.test\n' >dane.ext
	openssl x509 -req -in dane.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
		-extfile dane.ext -out dane.leaf 2>/dev/null
	cat dane.leaf ca.crt >dane.crt # the chain: DANE-TA(2) needs the CA in it
)
PG=$(free_port) PP=$(free_port) PW=$(free_port)
GOOD=$(tlsa_311 "$CERTS/dane.leaf") WRONG=$(tlsa_311 "$CERTS/wrong.crt") CA=$(tlsa_201 "$CERTS/ca.crt")
check "the TLSA data are SHA2-256 digests" test ${#GOOD} = 64 -a ${#WRONG} = 64 -a ${#CA} = 64

cat >"$TEST_TMP/dane.zone" <<ZONE
\$ORIGIN dane.test.
\$TTL 300
@ SOA ns admin 1 3600 600 86400 60
@ NS ns
ns A 127.0.0.1
mx-good A 127.0.0.1
_$PG._tcp.mx-good TLSA 3 1 1 $GOOD
mx-ta A 127.0.0.1
_$PG._tcp.mx-ta TLSA 2 0 1 $CA
mx-bad A 127.0.0.1
_$PG._tcp.mx-bad TLSA 3 1 1 $WRONG
mx-none A 127.0.0.1
mx-unusable A 127.0.0.1
_$PG._tcp.mx-unusable TLSA 1 1 1 $GOOD
mx-tamper A 127.0.0.1
_$PG._tcp.mx-tamper TLSA 3 1 1 $GOOD
mx-plain A 127.0.0.1
_$PP._tcp.mx-plain TLSA 3 1 1 $GOOD
mx-noname A 127.0.0.1
_$PW._tcp.mx-noname TLSA 3 1 1 $WRONG
good MX 10 mx-good
m-good MX 10 mx-good
ta MX 10 mx-ta
bad MX 10 mx-bad
n-bad MX 10 mx-bad
none MX 10 mx-none
m-none MX 10 mx-none
unusable MX 10 mx-unusable
m-unusable MX 10 mx-unusable
tamper MX 10 mx-tamper
mixed MX 10 mx-none
mixed MX 20 mx-good
ZONE
printf '$ORIGIN insecure.test.\n$TTL 300\n@ SOA ns admin 1 3600 600 86400 60\n@ NS ns\nns A 127.0.0.1\nmx A 127.0.0.1\n_%s._tcp.mx TLSA 3 1 1 %s\ngood MX 10 mx\nm-good MX 10 mx\n' \
	"$PG" "$GOOD" >"$TEST_TMP/insecure.zone"
printf '$ORIGIN bogus.test.\n$TTL 300\n@ SOA ns admin 1 3600 600 86400 60\n@ NS ns\nns A 127.0.0.1\n@ MX 10 mx\nmx A 127.0.0.1\n' >"$TEST_TMP/bogus.zone"
zone_add dane.test "$TEST_TMP/dane.zone" signed
zone_add insecure.test "$TEST_TMP/insecure.zone" insecure
zone_add bogus.test "$TEST_TMP/bogus.zone" bogus
zone_tamper dane.test "mx-tamper.*TLSA" "$GOOD" "$WRONG"
check "nsd and a validating unbound start" start_dns dane.test
check "unbound validates the signed zone (AD)" bash -c "dig +dnssec -p $DNS_PORT @127.0.0.1 MX good.dane.test | grep -q 'flags:.* ad'"
check "unbound refuses the tampered TLSA record (SERVFAIL)" bash -c "dig -p $DNS_PORT @127.0.0.1 TLSA _$PG._tcp.mx-tamper.dane.test | grep -q SERVFAIL"
export TLSGATE_MX_PORT=$PG

check "receivers start" start_receivers good:"$PG":tls:dane plain:"$PP":plain wrong:"$PW":tls:wrong
home=$(new_home sender)
mkdir -p "$home/configuration"
{
	printf '[DEFAULT]\ntls = off\n'
	for d in good.dane.test ta.dane.test bad.dane.test none.dane.test unusable.dane.test \
		tamper.dane.test plain.dane.test good.insecure.test bogus.test; do
		printf '\n[%s]\ntls = on\ndane = opportunistic\n' "$d"
	done
	for d in m-good.dane.test m-none.dane.test m-unusable.dane.test mixed.dane.test \
		r-good.dane.test m-good.insecure.test noname.dane.test; do
		printf '\n[%s]\ntls = on\ndane = mandatory\n' "$d"
	done
	printf '\n[n-bad.dane.test]\ntls = on\ndane = off\n'
} >"$home/configuration/dane.ini"
printf 'smtproutes\nnew\nplain.dane.test\nmx-plain.dane.test:%s\nnew\nr-good.dane.test\nmx-good.dane.test:%s\nnew\nnoname.dane.test\nmx-noname.dane.test:%s\n\ndestconfig\nimport\ndane.ini\n\ncommit "dane"\n' "$PP" "$PG" "$PW" |
	"$TLSGATE" --home "$home" >"$TEST_TMP/config.out" 2>&1
check "routes and DANE destinations committed" grep -q '^Changes committed' "$TEST_TMP/config.out"
check "sending tlsgated starts" start_sender "$home"
log=$home/logs/mail_logs

cases="good:tls ta:tls bad:none n-bad:tls none:tls m-good:tls m-none:none unusable:tls m-unusable:none tamper:none mixed:tls r-good:tls"
for c in $cases; do send "$SMTP_PORT" "user@${c%%:*}.dane.test" "dane-${c%%:*}"; done
send "$SMTP_PORT" user@plain.dane.test dane-plain
send "$SMTP_PORT" user@noname.dane.test dane-noname
send "$SMTP_PORT" user@good.insecure.test dane-insecure
send "$SMTP_PORT" user@m-good.insecure.test dane-m-insecure
send "$SMTP_PORT" user@bogus.test dane-bogus
poll 30 bash -c "[ \$(grep -c 'Message done' '$log') -ge 10 ] && [ \$(grep -c 'delayed' '$log') -ge 7 ]"
sleep 1
sed 's/^/# /' "$log" | grep -E 'DANE|delayed|Cannot|TLS' | head -80

for c in $cases; do
	d=${c%%:*} want=${c#*:}
	got=$(tls_of good "dane-$d")
	case $got in TLS*) got=tls ;; esac
	check "$d.dane.test ($want): $got" test "$got" = "$want"
done
check "good: the log names the TLSA record that matched" \
	poll 3 grep -q "DANE success: TLSA record 3 1 1 $GOOD matched the server certificate" "$log"
check "ta: a DANE-TA(2) record matched the trust anchor" \
	poll 3 grep -q "DANE success: TLSA record 2 0 1 $CA matched the trust anchor" "$log"
check "bad: deferred, and the log says no TLSA record matched" bash -c "grep -q 'DANE failed: no TLSA record matched the server.s certificate chain (_$PG._tcp.mx-bad.dane.test)' '$log' &&
	grep -qE 'MID [0-9]+ delayed: TLS was required but could not be successfully negotiated' '$log'"
check "none, Opportunistic: DANE does not apply, TLS setting used" \
	poll 3 grep -q "DANE for none.dane.test: host mx-none.dane.test (127.0.0.1): DANE does not apply: _$PG._tcp.mx-none.dane.test publishes no TLSA records (validated); the TLS setting (Preferred) is used" "$log"
check "m-none, Mandatory: the host is not used, the message deferred" bash -c "grep -q 'DANE for m-none.dane.test: host mx-none.dane.test (127.0.0.1): DANE is Mandatory but _$PG._tcp.mx-none.dane.test publishes no TLSA records' '$log' &&
	grep -qE 'delayed: DANE is Mandatory but _$PG._tcp.mx-none' '$log'"
check "unusable, Opportunistic: encrypted, unauthenticated" \
	poll 3 grep -q "none of the 1 TLSA records of _$PG._tcp.mx-unusable.dane.test is usable: TLS is required" "$log"
check "tamper: the failed TLSA lookup defers" poll 3 grep -q "DANE for tamper.dane.test: host mx-tamper.dane.test (127.0.0.1): the TLSA lookup of _$PG._tcp.mx-tamper.dane.test failed (SERVFAIL or no answer" "$log"
check "mixed, Mandatory: the MX without TLSA is skipped, the next one used" \
	test "$(got_count good dane-mixed)" = 1
check "plain (route): DANE requires STARTTLS, deferred" bash -c "[ $(tls_of plain dane-plain) = none ] &&
	grep -q 'DANE for plain.dane.test: host mx-plain.dane.test (127.0.0.1): _$PP._tcp.mx-plain.dane.test has 1 usable TLSA record' '$log' &&
	grep -q 'TLS failed: STARTTLS not offered' '$log'"
check "DANE-EE: no name check (RFC 7672 3.1.1): a certificate for wrong.example matches by key" bash -c "[ $(tls_of wrong dane-noname) != none ] &&
	grep -q 'DANE success: TLSA record 3 1 1 $WRONG matched the server certificate' '$log'"
check "insecure zone, Opportunistic: delivered under the TLS setting" bash -c "[ $(tls_of good dane-insecure) != none ] &&
	grep -q 'DANE for good.insecure.test: host mx.insecure.test (127.0.0.1): DANE does not apply: the MX records are not DNSSEC-validated' '$log'"
check "insecure zone, Mandatory: deferred" bash -c "[ $(tls_of good dane-m-insecure) = none ] &&
	grep -q 'DANE for m-good.insecure.test: host mx.insecure.test (127.0.0.1): DANE is Mandatory but the MX records are not DNSSEC-validated' '$log'"
check "bogus zone: the MX lookup fails, deferred" bash -c "[ $(tls_of good dane-bogus) = none ] &&
	grep -q 'Cannot deliver to bogus.test: .*SERVFAIL' '$log'"

tv() { SSL_CERT_FILE=$CERTS/ca.crt SSL_CERT_DIR=/nonexistent "$TLSGATE" --home "$home" -c "tlsverify $*" 2>&1; }
out=$(tv good.dane.test)
echo "$out" | sed 's/^/# /'
check "tlsverify good: each DANE step" bash -c 'grep -q "^DANE Support: Opportunistic.$" <<<"$1" &&
	grep -q "^DNSSEC: the MX answer for good.dane.test is validated (secure).$" <<<"$1" &&
	grep -q "^TLSA records at _$2._tcp.mx-good.dane.test: found, validated.$" <<<"$1" &&
	grep -q "^  TLSA 3 1 1 $3$" <<<"$1" &&
	grep -q "^DANE verification: TLSA record 3 1 1 $3 matched the server certificate at depth 0.$" <<<"$1" &&
	grep -q "and DANE, mail to good.dane.test would be delivered encrypted, DANE-authenticated" <<<"$1"' _ "$out" "$PG" "$GOOD"
out=$(tv bad.dane.test)
echo "$out" | sed 's/^/# /'
check "tlsverify bad: DANE verification fails, not delivered" bash -c 'grep -q "^DANE verification failed: no TLSA record matched" <<<"$1" &&
	grep -q "would NOT be delivered: DANE requires a certificate matching the TLSA records" <<<"$1"' _ "$out"
out=$(tv m-none.dane.test)
check "tlsverify m-none: Mandatory, no TLSA: deferred" bash -c 'grep -q "^TLSA records at .*: none (the validated answer says there are none).$" <<<"$1" &&
	grep -q "^Verdict: DANE or MTA-STS allows none of the mail exchangers of m-none.dane.test now (DANE is Mandatory but .*); mail would be deferred.$" <<<"$1"' _ "$out"
out=$(tv good.insecure.test)
check "tlsverify insecure: the MX answer is not validated" grep -q "^DNSSEC: the MX answer for good.insecure.test is not validated (insecure).$" <<<"$out"
out=$(tv tamper.dane.test)
check "tlsverify tamper: the TLSA lookup failed" grep -q "^TLSA records at _$PG._tcp.mx-tamper.dane.test: the lookup failed: SERVFAIL or no answer" <<<"$out"

# The destconfig dialog: DANE Support after a TLS level, DETAIL and EXPORT.
printf 'destconfig\nnew\nd.example.com\nN\nN\nN\n1\nY\n2\nY\n3\nN\nN\ndetail\nd.example.com\nexport\nd.ini\n\n' |
	"$TLSGATE" --home "$home" >"$TEST_TMP/dialog.out" 2>&1
check "destconfig NEW asks for DANE Support and DETAIL shows it" bash -c 'grep -q "Do you wish to configure DANE Support for this domain? \[N\]>" "$1" &&
	grep -q "^Please choose a DANE option:" "$1" && grep -q "^3. Mandatory" "$1" && grep -q "^  DANE Support: Mandatory$" "$1"' _ "$TEST_TMP/dialog.out"
check "EXPORT writes the dane key" grep -q '^dane = mandatory$' "$home/configuration/d.ini"
done_testing
