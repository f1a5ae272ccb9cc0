#!/usr/bin/env bash
# tlsverify DOMAIN [HOST[:PORT]]: the live, step-by-step outbound TLS test,
# through the delivery code (committed destination controls, routes, the
# outbound context and trust store, the core SMTP client).
. "$(dirname "$0")/delivery_lib.sh"
if ! have_aiosmtpd; then
	ok "# SKIP python3-aiosmtpd is not installed"
	done_testing
	exit 0
fi
make_certs
PP=$(free_port) PV=$(free_port) PS=$(free_port) P13=$(free_port)
check "receivers start" start_receivers plain:"$PP":plain valid:"$PV":tls:valid \
	self:"$PS":tls:self t13:"$P13":tls13:valid
home=$(new_home verify)
printf 'smtproutes\nnew\n.valid.test\n127.0.0.1:%s\nnew\n.self.test\n127.0.0.1:%s\nnew\n.plain.test\n127.0.0.1:%s\n\ndestconfig\nnew\nrv.valid.test\nN\nN\nN\n1\nY\n5\nN\nN\nN\nnew\nrv.self.test\nN\nN\nN\n1\nY\n5\nN\nN\nN\nnew\nreq.plain.test\nN\nN\nN\n1\nY\n3\nN\nN\nN\nnew\npv.self.test\nN\nN\nN\n1\nY\n4\nN\nN\nN\n\ncommit "verify"\n' "$PV" "$PS" "$PP" |
	"$TLSGATE" --home "$home" >"$TEST_TMP/config.out" 2>&1
check "configuration committed" grep -q '^Changes committed' "$TEST_TMP/config.out"
tv() { SSL_CERT_FILE=$CERTS/ca.crt SSL_CERT_DIR=/nonexistent "$TLSGATE" --home "$home" -c "tlsverify $*" 2>&1; }

out=$(tv rv.valid.test)
echo "$out" | sed 's/^/# /'
check "valid: each step is printed" bash -c 'grep -q "^Connecting to 127.0.0.1 (127.0.0.1) port '"$PV"'" <<<"$1" &&
	grep -q "^Server greeting: 220 " <<<"$1" && grep -q "^EHLO: 250 " <<<"$1" &&
	grep -q "^STARTTLS: 220 " <<<"$1" && grep -q "^TLS handshake: TLSv1.2, cipher " <<<"$1" &&
	grep -q "^Certificate subject: /CN=valid receiver" <<<"$1" &&
	grep -q "^Certificate issuer: /CN=tlsgate test CA" <<<"$1"' _ "$out"
check "valid: the certificate verifies" grep -q '^Certificate verification: the chain is trusted and the name matches rv.valid.test.$' <<<"$out"
check "valid, Required (Verify): would be delivered encrypted" \
	grep -q '^Verdict: under its TLS setting (Required (Verify)), mail to rv.valid.test would be delivered encrypted.$' <<<"$out"

out=$(tv rv.self.test)
echo "$out" | sed 's/^/# /'
check "self-signed: verification fails, in words" grep -qE '^Certificate verification failed: self[- ]signed certificate\.$' <<<"$out"
check "self-signed, Required (Verify): would NOT be delivered" \
	grep -q 'mail to rv.self.test would NOT be delivered: a verified certificate is required, and verification failed.$' <<<"$out"
out=$(tv pv.self.test)
check "self-signed, Preferred (Verify): delivered encrypted anyway" grep -q 'would be delivered encrypted, although the certificate could not be verified' <<<"$out"

out=$(tv req.plain.test)
echo "$out" | sed 's/^/# /'
check "no STARTTLS, Required: says so" bash -c 'grep -q "^The server does not offer STARTTLS.$" <<<"$1" &&
	grep -q "would NOT be delivered: TLS is required but could not be negotiated.$" <<<"$1"' _ "$out"

out=$(tv rv.valid.test "127.0.0.1:$P13")
echo "$out" | sed 's/^/# /'
check "explicit HOST:PORT, TLS 1.3-only server: the handshake failure and the version hint" \
	bash -c 'grep -q "^TLS handshake failed: (" <<<"$1" && grep -q "TLS version mismatch could be the failure reason" <<<"$1" &&
	grep -q "would NOT be delivered: TLS is required but could not be negotiated.$" <<<"$1"' _ "$out"
out=$(tv nothing.invalid "127.0.0.1:$(free_port)")
check "an unreachable host: says so" grep -q '^Cannot connect: Connection refused.$' <<<"$out"
check "tlsverify without a domain: You must enter" bash -c '"$1" --home "$2" -c tlsverify | grep -q "^You must enter a domain"' _ "$TLSGATE" "$home"
done_testing
