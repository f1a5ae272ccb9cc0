# tests/delivery/dns_lib.sh: a private DNSSEC world on loopback for the DANE
# and MTA-STS tests (sourced after delivery_lib.sh). nsd serves the test
# zones, ldns-signzone signs them, unbound validates with their keys as
# trust anchors; tlsgate asks unbound through TLSGATE_DNS. unbound refuses
# every name outside the test zones, so nothing leaves the machine.
DNS=$TEST_TMP/dns

# have_dns_tools: nsd, unbound, ldnsutils (TEST_PKGS).
have_dns_tools() { command -v nsd && command -v unbound && command -v ldns-signzone; } >/dev/null 2>&1

# tlsa_311 CERT: the DANE-EE SPKI SHA2-256 data of a certificate (hex).
tlsa_311() {
	openssl x509 -in "$1" -noout -pubkey | openssl pkey -pubin -outform DER |
		openssl dgst -sha256 -binary | od -An -v -tx1 | tr -d ' \n'
}
# tlsa_201 CERT: the DANE-TA full-certificate SHA2-256 data (hex).
tlsa_201() {
	openssl x509 -in "$1" -outform DER | openssl dgst -sha256 -binary | od -An -v -tx1 | tr -d ' \n'
}

# zone_add NAME FILE [signed|insecure|bogus]: a zone for nsd. signed: its
# key becomes a trust anchor; bogus: signed, but the anchor is another key's,
# so every answer fails validation (SERVFAIL).
zone_add() {
	local name=$1 file=$2 kind=${3:-signed} key other
	mkdir -p "$DNS"
	cp "$file" "$DNS/$name.zone"
	if [ "$kind" != insecure ]; then
		(
			cd "$DNS" || exit 1
			key=$(ldns-keygen -a ECDSAP256SHA256 -k "$name")
			ldns-signzone -n "$name.zone" "$key" >/dev/null 2>&1 || exit 1
			if [ "$kind" = bogus ]; then
				other=$(ldns-keygen -a ECDSAP256SHA256 -k "$name")
				cat "$other.ds" >>anchors
			else
				cat "$key.ds" >>anchors
			fi
		) || return 1
		ZONE_FILE=$name.zone.signed
	else
		ZONE_FILE=$name.zone
	fi
	printf 'zone:\n\tname: "%s"\n\tzonefile: "%s"\n' "$name" "$ZONE_FILE" >>"$DNS/zones.conf"
	printf 'stub-zone:\n\tname: "%s"\n\tstub-addr: 127.0.0.1@NSD_PORT\nlocal-zone: "%s" transparent\n' \
		"$name" "$name" >>"$DNS/stubs.conf"
}

# zone_tamper NAME LINE FROM TO: edits, in the lines matching LINE, a signed
# zone after signing (a record whose signature no longer matches: bogus).
zone_tamper() { sed -i "/$2/ s|$3|$4|I" "$DNS/$1.zone.signed"; }

# start_dns: nsd and unbound on free loopback ports. Sets DNS_PORT and
# exports TLSGATE_DNS for tlsgate and tlsgated.
start_dns() {
	local nsd_port
	nsd_port=$(free_port)
	DNS_PORT=$(free_port)
	touch "$DNS/anchors"
	cat >"$DNS/nsd.conf" <<-CONF
		server:
			ip-address: 127.0.0.1@$nsd_port
			do-ip6: no
			username: ""
			chroot: ""
			zonesdir: "$DNS"
			database: ""
			zonelistfile: "$DNS/zone.list"
			xfrdfile: "$DNS/xfrd.state"
			pidfile: "$DNS/nsd.pid"
			logfile: "$DNS/nsd.log"
			server-count: 1
		remote-control:
			control-enable: no
	CONF
	cat "$DNS/zones.conf" >>"$DNS/nsd.conf"
	cat >"$DNS/unbound.conf" <<-CONF
		server:
			interface: 127.0.0.1
			port: $DNS_PORT
			do-ip6: no
			username: ""
			chroot: ""
			directory: "$DNS"
			pidfile: "$DNS/unbound.pid"
			logfile: "$DNS/unbound.log"
			use-syslog: no
			do-daemonize: no
			num-threads: 1
			do-not-query-localhost: no
			qname-minimisation: no
			trust-anchor-file: "$DNS/anchors"
			val-log-level: 2
			verbosity: 1
			local-zone: "." refuse
	CONF
	sed "s/NSD_PORT/$nsd_port/" "$DNS/stubs.conf" >"$DNS/stubs.port.conf"
	# local-zone lines belong to server:, stub-zone blocks after it.
	grep '^local-zone' "$DNS/stubs.port.conf" | sed 's/^/\t/' >>"$DNS/unbound.conf"
	grep -v '^local-zone' "$DNS/stubs.port.conf" >>"$DNS/unbound.conf"
	nsd -d -c "$DNS/nsd.conf" >"$DNS/nsd.out" 2>&1 &
	at_exit "kill $!"
	unbound -d -c "$DNS/unbound.conf" >"$DNS/unbound.out" 2>&1 &
	at_exit "kill $!"
	export TLSGATE_DNS=127.0.0.1:$DNS_PORT
	poll 10 dig +short +time=1 +tries=1 -p "$nsd_port" @127.0.0.1 SOA "${1:-dane.test}" >/dev/null &&
		poll 10 bash -c "dig +time=1 +tries=1 -p $DNS_PORT @127.0.0.1 SOA ${1:-dane.test} | grep -q NOERROR"
}
