#!/usr/bin/env bash
# The pre-commit check's prediction against reality: for each combination of
# enabled versions and cipher string committed below, `commitcheck` says how
# many cipher suites each TLS version can use on GUI HTTPS and Inbound SMTP,
# and a real `openssl s_client` offering every suite it knows, limited to one
# version, must complete a handshake exactly when that number is above 0
# ("off" and 0 both mean: refused).
. "$(dirname "$0")/e2e_lib.sh"

home=$(new_home predict)
if ! start_daemon "$home"; then
	not_ok "tlsgated starts"
	done_testing
	exit 1
fi
G='HIGH:MEDIUM:@STRENGTH:!aNULL:!eNULL:!LOW:!DES:!MD5:!EXP:!PSK:!DSS:!RC2:!RC4:!SEED:!ECDSA:!ADH:!IDEA:!3DES:!SSLv2:!SSLv3:!TLSv1:-aNULL:-EXPORT:-IDEA:!DHE-RSA-AES128-CCM:!DHE-RSA-AES256-CCM:!DHE-RSA-AES256-SHA'
O='ECDH+aRSA:ECDH+ECDSA:DHE+DSS+AES:AES128:AES256:!3DES:!IDEA:!SRP:!AESGCM+DH+aRSA:!AESGCM+RSA:!aNULL:!eNULL:!kRSA:@STRENGTH:-aNULL:-EXPORT:-IDEA:!DHE-RSA-AES128-CCM:!DHE-RSA-AES256-CCM'

# Menu selections: 1 TLS v1.3, 2 TLS v1.2, 3 TLS v1.1, 4 TLS v1.0.
combos=(
	"1-4|$G"                           # v1.0/v1.1 enabled, the default string gives them nothing
	"1-4|$O"                           # the outbound default has SHA-1 suites for v1.0/v1.1
	"2-3|ECDHE-ECDSA-AES128-GCM-SHA256" # ECDSA only: the RSA Demo certificate cannot sign it
	"1-2|AES256-SHA256"                # one RSA key-exchange suite for v1.2, v1.3 fixed
	"2-4|AES128-SHA:AES256-SHA"        # CBC-SHA suites for v1.0 to v1.2, v1.3 off
	"1|$G"                             # v1.3 only
)

# prediction SERVICE-TITLE VERSION: the count commitcheck printed ("off" or N).
prediction() {
	sed -n "s/^$1 .*/&/p" "$TEST_TMP/check.out" | grep -o "TLS v$2: [a-z0-9]*" | sed 's/.*: //'
}

for combo in "${combos[@]}"; do
	sel=${combo%%|*} ciphers=${combo#*|}
	for svc in gui inbound; do
		title="GUI HTTPS" port=$HTTPS_PORT mode=
		if [ "$svc" = inbound ]; then
			title="Inbound SMTP" port=$SMTP_PORT mode=smtp
		fi
		if ! commit_sslconfig "$home" "$svc" "$sel" "$ciphers"; then
			not_ok "$svc: commit methods $sel, ciphers ${ciphers:0:40}"
			sed 's/^/# /' "$TEST_TMP/commit.out"
			continue
		fi
		printf 'commitcheck\n' | "$TLSGATE" --home "$home" >"$TEST_TMP/check.out" 2>&1
		for v in 1.0 1.1 1.2 1.3; do
			want=$(prediction "$title" "$v")
			if [ -z "$want" ]; then
				not_ok "$svc $sel: commitcheck gives a figure for TLS v$v"
				sed 's/^/# /' "$TEST_TMP/check.out"
				continue
			fi
			if handshake "$port" "$v" $mode -cipher 'ALL:@SECLEVEL=0'; then got=yes; else got=no; fi
			expect=no
			[ "$want" != off ] && [ "$want" -gt 0 ] && expect=yes
			check_eq "$svc methods $sel ciphers ${ciphers:0:30}: TLS v$v predicted $want, handshake" \
				"$expect" "$got"
		done
	done
done
done_testing
