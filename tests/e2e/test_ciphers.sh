#!/usr/bin/env bash
# A committed cipher string changes what a TLS 1.2 client can negotiate, on
# GUI HTTPS and on Inbound SMTP (STARTTLS), while TLS 1.3 always offers its
# three fixed suites and nothing else. TLS 1.0/1.1 work when the cipher string
# has suites for them (both default strings do), not with TLS 1.2-only ones.
# The renegotiation setting allows or refuses a client's renegotiation.
. "$(dirname "$0")/e2e_lib.sh"

home=$(new_home ciphers)
if ! start_daemon "$home"; then
	not_ok "tlsgated starts"
	done_testing
	exit 1
fi
# Factory defaults (TLS v1.1 and v1.2, the AsyncOS 15.5 cipher strings): a
# TLS 1.1-only client connects, as it does to AsyncOS (issue 13). The
# strings' "!SSLv3:!TLSv1" exclude protocols, not the suites TLS 1.1 needs.
for v in 1.1 1.2; do
	check "factory defaults: gui: a TLS $v-only client (openssl s_client -tls${v/./_} -cipher DEFAULT:@SECLEVEL=0) connects" \
		handshake "$HTTPS_PORT" "$v"
	check "factory defaults: inbound: a TLS $v-only client connects (STARTTLS)" \
		handshake "$SMTP_PORT" "$v" smtp
done
handshake "$HTTPS_PORT" 1.1
check_eq "factory defaults: TLS 1.1 negotiates an ECDHE suite" ECDHE-RSA-AES256-SHA "$(negotiated_cipher)"
check_fails "factory defaults: TLS 1.0 stays off" handshake "$HTTPS_PORT" 1.0
check_fails "factory defaults: a TLS 1.1 client offering only DHE-RSA-AES256-SHA (excluded by name) is refused" \
	handshake "$HTTPS_PORT" 1.1 -cipher 'DHE-RSA-AES256-SHA:@SECLEVEL=0'
AES128=ECDHE-RSA-AES128-GCM-SHA256
AES256=ECDHE-RSA-AES256-GCM-SHA384
# The spec's defaults (asyncos-cli.md section 2), G for GUI/inbound, O for outbound.
G='HIGH:MEDIUM:@STRENGTH:!aNULL:!eNULL:!LOW:!DES:!MD5:!EXP:!PSK:!DSS:!RC2:!RC4:!SEED:!ECDSA:!ADH:!IDEA:!3DES:!SSLv2:!SSLv3:!TLSv1:-aNULL:-EXPORT:-IDEA:!DHE-RSA-AES128-CCM:!DHE-RSA-AES256-CCM:!DHE-RSA-AES256-SHA'
O='ECDH+aRSA:ECDH+ECDSA:DHE+DSS+AES:AES128:AES256:!3DES:!IDEA:!SRP:!AESGCM+DH+aRSA:!AESGCM+RSA:!aNULL:!eNULL:!kRSA:@STRENGTH:-aNULL:-EXPORT:-IDEA:!DHE-RSA-AES128-CCM:!DHE-RSA-AES256-CCM:!ECDHE-ECDSA-CAMELLIA128-SHA256:!ECDHE-RSA-CAMELLIA128-SHA256:!ECDHE-ECDSA-CAMELLIA256-SHA384:!ECDHE-RSA-CAMELLIA256-SHA384:!ECDHE-ECDSA-AES128-CCM:!ECDHE-ECDSA-AES256-CCM:!DHE-RSA-AES256-SHA'

for svc in gui inbound; do
	port=$HTTPS_PORT mode=
	if [ "$svc" = inbound ]; then
		port=$SMTP_PORT mode=smtp
	fi
	check "$svc: commit TLS v1.2 only, cipher $AES128" commit_sslconfig "$home" "$svc" 2 "$AES128"
	handshake "$port" 1.2 $mode
	check_eq "$svc: a TLS 1.2 client negotiates $AES128" "$AES128" "$(negotiated_cipher)"
	check_fails "$svc: a TLS 1.2 client offering only $AES256 is refused" \
		handshake "$port" 1.2 $mode -cipher "$AES256"

	check "$svc: commit cipher $AES256" commit_sslconfig "$home" "$svc" 2 "$AES256"
	check "$svc: now a client offering only $AES256 connects" handshake "$port" 1.2 $mode -cipher "$AES256"
	check_eq "$svc: ... and negotiates it" "$AES256" "$(negotiated_cipher)"
	check_fails "$svc: a client offering only $AES128 is refused after the commit" \
		handshake "$port" 1.2 $mode -cipher "$AES128"

	check "$svc: commit TLS v1.2-v1.3 with the same cipher" commit_sslconfig "$home" "$svc" 1-2 "$AES256"
	handshake "$port" 1.3 $mode
	check_eq "$svc: TLS 1.3 uses the first fixed suite" TLS_AES_256_GCM_SHA384 "$(negotiated_cipher)"
	for suite in TLS_CHACHA20_POLY1305_SHA256 TLS_AES_128_GCM_SHA256; do
		handshake "$port" 1.3 $mode -ciphersuites "$suite"
		check_eq "$svc: TLS 1.3 client offering only $suite gets it" "$suite" "$(negotiated_cipher)"
	done
	check_fails "$svc: TLS_AES_128_CCM_SHA256 (not one of the three) is refused" \
		handshake "$port" 1.3 $mode -ciphersuites TLS_AES_128_CCM_SHA256
done

# TLS 1.0 at security level 0 with suites that exist for it.
check "gui: commit TLS v1.0-v1.3 with the outbound default cipher string" \
	commit_sslconfig "$home" gui 1-4 "$O"
check "gui: a TLS 1.0-only client completes a handshake (outbound default string)" \
	handshake "$HTTPS_PORT" 1.0
check "gui: a TLS 1.1-only client completes a handshake (outbound default string)" \
	handshake "$HTTPS_PORT" 1.1
check "gui: commit TLS v1.0-v1.3 with the GUI default cipher string" \
	commit_sslconfig "$home" gui 1-4 "$G"
check "gui: the GUI default string has suites for TLS 1.0 too (its !TLSv1 excludes a protocol)" \
	handshake "$HTTPS_PORT" 1.0
check "gui: ... and TLS 1.2 works" handshake "$HTTPS_PORT" 1.2
check "gui: commit TLS v1.0-v1.3 with ECDHE+AESGCM (TLS 1.2 suites only)" \
	commit_sslconfig "$home" gui 1-4 "ECDHE+AESGCM"
check_fails "gui: ... then TLS 1.0 has no suite and fails" handshake "$HTTPS_PORT" 1.0
check "gui: ... and the shell warned about it" grep -q '^Warning: no cipher suite of this cipher string can be used with TLS v1.1 and TLS v1.0' "$TEST_TMP/commit.out"
# TLS renegotiation (TLS 1.2; s_client's "R" command asks for it).
renegotiated() {
	local extra=()
	[ "${2:-}" = smtp ] && extra=(-starttls smtp)
	(printf 'R\n'; sleep 0.5) | timeout 10 openssl s_client -tls1_2 -connect "127.0.0.1:$1" \
		"${extra[@]}" >"$TEST_TMP/reneg.out" 2>&1
	sed -n '/^RENEGOTIATING/,$p' "$TEST_TMP/reneg.out" | grep -q '^verify return:1' &&
		! grep -q 'no renegotiation' "$TEST_TMP/reneg.out"
}
for svc in gui inbound; do
	port=$HTTPS_PORT mode=
	if [ "$svc" = inbound ]; then
		port=$SMTP_PORT mode=smtp
	fi
	commit_sslconfig "$home" "$svc" 1-2 HIGH Y
	check "$svc: renegotiation enabled: a TLS 1.2 client renegotiates" renegotiated "$port" $mode
	commit_sslconfig "$home" "$svc" 1-2 HIGH N
	check_fails "$svc: renegotiation disabled: refused" renegotiated "$port" $mode
done

check "the mail log names the missing suites" \
	grep -qE "HTTPS CID [0-9]+ TLS failed: \([0-9]+, 'error:0A0000C1:SSL routines::no shared cipher'\)" \
	"$home/logs/mail_logs"
done_testing
