#!/usr/bin/env bash
# The destconfig TLS level table on real deliveries: the five levels against
# receivers that offer no STARTTLS, a CA-signed certificate, a self-signed
# one, a wrong-name one (aiosmtpd), and tlsgated's own inbound listener (its
# Demo certificate is self-signed). Mail goes in with swaks, out through
# smtproutes; where it arrives, in clear or encrypted, and the mail-log lines
# must match the spec table. Also: the required-TLS alert.
. "$(dirname "$0")/delivery_lib.sh"
if ! have_aiosmtpd; then
	ok "# SKIP python3-aiosmtpd is not installed"
	done_testing
	exit 0
fi
make_certs
P_PLAIN=$(free_port) P_VALID=$(free_port) P_SELF=$(free_port) P_WRONG=$(free_port)
check "receivers start" start_receivers plain:"$P_PLAIN":plain valid:"$P_VALID":tls:valid \
	self:"$P_SELF":tls:self wrong:"$P_WRONG":tls:wrong

rhome=$(new_home receiver)
check "receiving tlsgated starts" start_daemon "$rhome"
P_GATE=$SMTP_PORT

shome=$(new_home sender)
levels="off on require on_verify require_verify"
receivers="plain valid self wrong gate"
{
	echo "[DEFAULT]"
	echo "tls = off"
	for l in $levels; do for r in $receivers; do
		printf '\n[%s.%s.test]\ntls = %s\n' "${l//_/-}" "$r" "$l"
	done; done
} >"$TEST_TMP/levels.ini"
mkdir -p "$shome/configuration" && cp "$TEST_TMP/levels.ini" "$shome/configuration/"
{
	printf 'smtproutes\n'
	for r in plain valid self wrong gate; do
		port_var=P_$(echo $r | tr a-z A-Z)
		printf 'new\n.%s.test\n127.0.0.1:%s\n' "$r" "${!port_var}"
	done
	printf 'new\nalerts.test\n127.0.0.1:%s\n\n' "$P_PLAIN"
	printf 'destconfig\nimport\nlevels.ini\nsetup\n1\nY\nadmin@alerts.test\nN\n\n'
	printf 'commit "levels"\n'
} | "$TLSGATE" --home "$shome" >"$TEST_TMP/config.out" 2>&1
check "routes, 25 destination entries (IMPORT) and the alert are committed" \
	grep -q '^Changes committed' "$TEST_TMP/config.out"
check "sending tlsgated starts with the delivery engine" start_sender "$shome"
SPORT=$SMTP_PORT

for l in $levels; do for r in $receivers; do
	send "$SPORT" "user@${l//_/-}.$r.test" "$l-$r" || not_ok "swaks to ${l//_/-}.$r.test"
done; done

# What the spec table says: clear, TLS, or nothing.
expect() {
	case $1 in
	off) echo clear ;;
	on | on_verify) [ "$2" = plain ] && echo clear || echo tls ;;
	require) [ "$2" = plain ] && echo none || echo tls ;;
	require_verify) [ "$2" = valid ] && echo tls || echo none ;;
	esac
}
# outcome LEVEL RECEIVER: clear, tls or none, as observed.
outcome() {
	local v
	if [ "$2" = gate ]; then
		f=$(grep -l "^X-Test-Id: $1-$2" "$rhome"/spool/[0-9A-F]* 2>/dev/null | head -n 1)
		[ -z "$f" ] && { echo none; return; }
		grep -q '^tls none$' "$f" && echo clear || echo tls
		return
	fi
	v=$(tls_of "$2" "$1-$2")
	case $v in none) echo none ;; clear) echo clear ;; TLS*) echo tls ;; *) echo "?$v" ;; esac
}
expected_delivered=0
for l in $levels; do for r in $receivers; do
	[ "$(expect $l $r)" != none ] && expected_delivered=$((expected_delivered + 1))
done; done
delivered_count() {
	local n=0 l r
	for l in $levels; do for r in $receivers; do
		[ "$(outcome $l $r)" != none ] && n=$((n + 1))
	done; done
	[ "$n" -ge "$expected_delivered" ]
}
check "the $expected_delivered messages the table delivers arrive" poll 40 delivered_count
log=$shome/logs/mail_logs
# The refused ones have been tried (and retried) by now; give one more round.
poll 10 bash -c "[ \$(grep -c 'TLS was required but could not be successfully negotiated' '$log') -ge 6 ]"
for l in $levels; do for r in $receivers; do
	check_eq "level $l, receiver $r: $(expect $l $r)" "$(expect $l $r)" "$(outcome $l $r)"
done; done

for r in plain valid self wrong; do
	check_eq "no message arrived twice at $r" "" \
		"$(sed -n 's/.*"id": "\([^"]*\)".*/\1/p' "$RCV/$r.jsonl" 2>/dev/null | sort | uniq -d)"
done
check "the undelivered ones are still queued at the sender" \
	test "$(grep -l '^X-Test-Id: require' "$shome"/spool/[0-9A-F]* 2>/dev/null | wc -l)" -ge 5
check_eq "TLS 1.2 was negotiated (outbound methods tlsv1_1tlsv1_2)" TLSv1.2 "$(tls_of valid on-valid)"

check "log: New SMTP DCID lines" poll 3 grep -qE "Info: New SMTP DCID [0-9]+ interface 127\.0\.0\.1 address 127\.0\.0\.1 port $P_VALID$" "$log"
check "log: DCID TLS success protocol ... cipher ..." poll 3 grep -qE 'Info: DCID [0-9]+ TLS success protocol TLSv1\.2 cipher [A-Z0-9_-]+$' "$log"
check "log: Delivery start DCID ... MID ... to RID [0]" poll 3 grep -qE 'Info: Delivery start DCID [0-9]+ MID [0-9A-F]+ to RID \[0\]$' "$log"
check "log: Message done DCID ... MID ... to RID [0]" poll 3 grep -qE 'Info: Message done DCID [0-9]+ MID [0-9A-F]+ to RID \[0\]$' "$log"
check "log: TLS was required but could not be successfully negotiated (with IP)" \
	poll 3 grep -qE 'Info: DCID [0-9]+ IP 127\.0\.0\.1 TLS was required but could not be successfully negotiated$' "$log"
check "log: Required (Verify) against a self-signed certificate says why" \
	poll 3 grep -qE 'TLS certificate verification failed: (self-signed certificate|self signed certificate)' "$log"
check "log: a wrong-name certificate fails verification by host name" \
	poll 3 grep -qE 'TLS certificate verification failed: [Hh]ostname mismatch' "$log"
check "log: Preferred (Verify) delivers encrypted despite the failed verification" \
	poll 3 grep -qE 'verification failed: .*; delivering encrypted \(Preferred \(Verify\)\)$' "$log"
check "log: the required-TLS alert" poll 3 grep -qE 'Warning: Alert: DCID [0-9]+ required TLS to [a-z-]+\.[a-z]+\.test failed' "$log"
check "the alert message reaches admin@alerts.test" \
	poll 10 bash -c "grep -q '\"rcpt\": \\[\"admin@alerts.test\"\\].*Alert: required TLS' '$RCV/plain.jsonl'"
done_testing
