#!/usr/bin/env bash
# sslconfig PEER_CERT_X509 / PEER_CERT_FQDN on real deliveries and in
# tlsverify (docs/CLI.md, "Peer certificate validation"): each setting off
# and on, against aiosmtpd receivers with certificates made here — a good
# chain with the right name (valid), a good chain with the wrong name
# (wrong), a self-signed one with the right name (self) — at the levels
# Preferred, Required, Preferred (Verify) and Required (Verify). Four phases
# (none, X509, FQDN, both enabled), each with its own recipient domains so
# a message deferred in one phase cannot be mistaken for one of the next.
. "$(dirname "$0")/delivery_lib.sh"
if ! have_aiosmtpd; then
	ok "# SKIP python3-aiosmtpd is not installed"
	done_testing
	exit 0
fi
make_certs
P_VALID=$(free_port) P_SELF=$(free_port) P_WRONG=$(free_port)
check "receivers start" start_receivers valid:"$P_VALID":tls:valid self:"$P_SELF":tls:self \
	wrong:"$P_WRONG":tls:wrong

phases="none x509 fqdn both"
levels="on require on_verify require_verify"
receivers="valid wrong self"
home=$(new_home sender)
{
	echo "[DEFAULT]"
	echo "tls = off"
	for p in $phases; do for l in $levels; do for r in $receivers; do
		printf '\n[%s-%s.%s.test]\ntls = %s\n' "$p" "${l//_/-}" "$r" "$l"
	done; done; done
} >"$TEST_TMP/levels.ini"
mkdir -p "$home/configuration" && cp "$TEST_TMP/levels.ini" "$home/configuration/"
{
	printf 'smtproutes\n'
	for r in $receivers; do
		port_var=P_$(echo $r | tr a-z A-Z)
		printf 'new\n.%s.test\n127.0.0.1:%s\n' "$r" "${!port_var}"
	done
	printf '\ndestconfig\nimport\nlevels.ini\n\ncommit "levels"\n'
} | "$TLSGATE" --home "$home" >"$TEST_TMP/config.out" 2>&1
check "routes and the 48 destination entries are committed" grep -q '^Changes committed' "$TEST_TMP/config.out"
check "sending tlsgated starts" start_sender "$home"
SPORT=$SMTP_PORT
log=$home/logs/mail_logs

# set_validation X509 FQDN (enabled|disabled each): sslconfig, committed live.
set_validation() {
	local cur in=''
	for s in X509:$1 FQDN:$2; do
		cur=$("$TLSGATE" --home "$home" -c sslconfig </dev/null 2>&1 |
			sed -n "s/^Peer certificate ${s%%:*} validation: //p")
		[ "${cur,,}" = "${s#*:}" ] && continue
		in+="PEER_CERT_${s%%:*}\n$([ "${s#*:}" = enabled ] && echo ENABLE || echo DISABLE)\n"
	done
	[ -z "$in" ] && return 0
	printf "sslconfig\n${in}\ncommit\npeer validation %s %s\n\n" "$1" "$2" |
		"$TLSGATE" --home "$home" >"$TEST_TMP/commit.out" 2>&1 &&
		grep -q '^Changes committed' "$TEST_TMP/commit.out" &&
		! grep -qE 'did not apply|not running' "$TEST_TMP/commit.out"
}

# expect PHASE LEVEL RECEIVER: tls (delivered encrypted) or none; never clear.
expect() {
	local x509=no fqdn=no chain=yes name=yes
	case $1 in x509 | both) x509=yes ;; esac
	case $1 in fqdn | both) fqdn=yes ;; esac
	[ "$3" = self ] && chain=no
	[ "$3" = wrong ] && name=no
	if [ $x509 = yes ] && [ $chain = no ]; then echo none; return; fi
	if [ $fqdn = yes ] && [ $name = no ]; then echo none; return; fi
	if [ "$2" = require_verify ] && { [ $chain = no ] || [ $name = no ]; }; then
		echo none
		return
	fi
	echo tls
}
outcome() { # PHASE LEVEL RECEIVER
	local v
	v=$(tls_of "$3" "$1-$2-$3")
	case $v in none) echo none ;; clear) echo clear ;; TLS*) echo tls ;; *) echo "?$v" ;; esac
}
tv() { SSL_CERT_FILE=$CERTS/ca.crt SSL_CERT_DIR=/nonexistent "$TLSGATE" --home "$home" -c "tlsverify $*" 2>&1; }

for p in $phases; do
	case $p in
	none) check "phase none: both validations disabled" set_validation disabled disabled ;;
	x509) check "phase x509: X509 enabled, FQDN disabled" set_validation enabled disabled ;;
	fqdn) check "phase fqdn: FQDN enabled, X509 disabled" set_validation disabled enabled ;;
	both) check "phase both: both enabled" set_validation enabled enabled ;;
	esac
	want=0
	for l in $levels; do for r in $receivers; do
		send "$SPORT" "user@$p-${l//_/-}.$r.test" "$p-$l-$r" || not_ok "swaks to $p-${l//_/-}.$r.test"
		[ "$(expect $p $l $r)" = tls ] && want=$((want + 1))
	done; done
	arrived() {
		local n=0 l r
		for l in $levels; do for r in $receivers; do
			[ "$(outcome $p $l $r)" != none ] && n=$((n + 1))
		done; done
		[ "$n" -ge "$want" ]
	}
	check "phase $p: the $want messages it delivers arrive" poll 40 arrived
	for l in $levels; do for r in $receivers; do
		check_eq "phase $p, level $l, receiver $r" "$(expect $p $l $r)" "$(outcome $p $l $r)"
		[ "$(expect $p $l $r)" = none ] || continue
		# Not delivered because it was tried and refused, not because it
		# was never tried: its MID has been delayed for that reason.
		mid=$(sed -n 's/.*250 2\.0\.0 Ok: queued as \([0-9]*\).*/\1/p' "$TEST_TMP/swaks-$p-$l-$r.out" | tail -n 1)
		case $l in
		require*) why='TLS was required but could not be successfully negotiated' ;;
		*) why='the peer certificate failed validation: ' ;;
		esac
		check "phase $p, level $l, receiver $r: MID $mid was tried and delayed ($why)" \
			poll 15 grep -qE "Info: MID $mid delayed: $why" "$log"
	done; done

	# tlsverify says the same, before any message is sent.
	for l in on on_verify; do for r in wrong self; do
		d=$p-${l//_/-}.$r.test
		out=$(tv "$d")
		if [ "$(expect $p $l $r)" = none ]; then
			check "tlsverify $d: refused by the sslconfig validation" bash -c 'grep -q "^Certificate verification failed: .*(required by the sslconfig peer certificate validation)\.$" <<<"$1" &&
				grep -q "mail to '"$d"' would be deferred: the certificate failed the peer certificate validation enabled in sslconfig" <<<"$1"' _ "$out"
		else
			check "tlsverify $d: would be delivered encrypted" \
				grep -q "mail to $d would be delivered encrypted" <<<"$out"
		fi
	done; done
	d=$p-require.self.test
	out=$(tv "$d")
	if [ "$(expect $p require self)" = none ]; then
		check "tlsverify $d (Required): would NOT be delivered" \
			grep -q "mail to $d would NOT be delivered: the certificate failed the peer certificate validation enabled in sslconfig.$" <<<"$out"
	else
		check "tlsverify $d (Required): would be delivered encrypted" \
			grep -q "mail to $d would be delivered encrypted.$" <<<"$out"
	fi
done

out=$(tv none-on.wrong.test)
check "tlsverify shows each check and the settings" bash -c 'grep -q "^Certificate chain (X.509): trusted.$" <<<"$1" &&
	grep -q "^Certificate name (FQDN): hostname mismatch for none-on.wrong.test or 127.0.0.1.$" <<<"$1" &&
	grep -q "^Peer certificate validation in sslconfig: X509 enabled, FQDN enabled.$" <<<"$1"' _ "$out"
check "log: a refusal by the sslconfig validation says so" grep -qE \
	'Info: DCID [0-9]+ IP 127\.0\.0\.1 TLS certificate verification failed: self-signed certificate; refused by the sslconfig peer certificate validation$' "$log"
check "log: a refused Preferred message is delayed, with the reason" grep -qE \
	'MID [0-9]+ delayed: the peer certificate failed validation: hostname mismatch; next attempt' "$log"
check "log: a refused Required message: TLS was required" grep -qE \
	'Info: DCID [0-9]+ IP 127\.0\.0\.1 TLS was required but could not be successfully negotiated$' "$log"
for r in $receivers; do
	check_eq "no message arrived twice at $r" "" \
		"$(sed -n 's/.*"id": "\([^"]*\)".*/\1/p' "$RCV/$r.jsonl" 2>/dev/null | sort | uniq -d)"
	check_eq "no message arrived in clear at $r" "" \
		"$(grep -v '"tls": "TLS' "$RCV/$r.jsonl" 2>/dev/null)"
done
done_testing
