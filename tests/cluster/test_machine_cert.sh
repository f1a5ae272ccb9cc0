#!/usr/bin/env bash
# tests/cluster/test_machine_cert.sh: a machine-level certificate
# (cluster_lib.sh). Gateway B, in machine mode, pastes its own certificate
# profile and serves it on its GUI (interfaceconfig is machine-only): B
# serves it, A and C keep the Demo certificate (openssl s_client on each).
# REMOVEMACHINE drops B's machine-level certificate from the cluster (the ESA
# guide: machine-level certificates are lost when a machine leaves): etcd no
# longer holds it anywhere, and the removal says so.
. "$(dirname "${BASH_SOURCE[0]}")/cluster_lib.sh"

subject_of() { # the served GUI certificate's subject
	openssl s_client -connect "127.0.0.1:${HTTPS_OF[$1]}" </dev/null 2>/dev/null |
		openssl x509 -noout -subject 2>/dev/null
}
serves_gwb() { subject_of "$1" | grep -q 'CN *= *gwb.example'; }
serves_other() { local s; s=$(subject_of "$1") && [ -n "$s" ] && ! grep -q gwb.example <<<"$s"; }
doc() { ETCDCTL_API=3 "$ETCDCTL" --endpoints "$ENDPOINTS" get --print-value-only /tlsgate/config; }

openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=gwb.example \
	-keyout "$TEST_TMP/gwb.key" -out "$TEST_TMP/gwb.pem" 2>/dev/null
check "A creates the cluster, B and C join" cluster_up
{
	printf 'clustermode machine gwB\ncertconfig\nCERTIFICATE\nPASTE\ngwbcert\n'
	cat "$TEST_TMP/gwb.pem"
	printf '.\n'
	cat "$TEST_TMP/gwb.key"
	printf '.\nN\n\n\n'
	printf 'interfaceconfig\nCERTIFICATE\n2\n\ncommit "B serves its own certificate"\n'
} | "$TLSGATE" --home "${HOME_OF[B]}" >"$TEST_TMP/out.B" 2>&1
check "B pastes its certificate and assigns it to its GUI, at machine level" \
	grep -q '^Changes committed' "$TEST_TMP/out.B"
check "the commit went to B's machine level" grep -q 'Committed at the machine level (gwB)' "$TEST_TMP/out.B"
check "B serves its own certificate (s_client)" poll 10 serves_gwb B
check "every member holds the same version" poll 10 same_version
for g in A C; do check "gateway $g keeps the Demo certificate" serves_other $g; done
check "etcd holds the certificate at gwB's machine level only" bash -c \
	"$(declare -f doc); ETCDCTL='$ETCDCTL' ENDPOINTS='$ENDPOINTS'; doc | jq -e '.machines.gwB[\"cert.gwbcert\"] and (.rows | has(\"cert.gwbcert\") | not) and (.machines.gwB[\"gui.certificate\"] == \"gwbcert\")' >/dev/null"
has_cert() { sqlite3 "${HOME_OF[$1]}/config.db" "SELECT count(*) FROM config_values WHERE key='cert.gwbcert' AND version=(SELECT max(version) FROM config_versions)"; }
check_eq "A's effective configuration has no such profile" 0 "$(has_cert A)"

tg A 'clusterconfig removemachine gwB'
check "REMOVEMACHINE gwB names the certificate it drops" grep -q 'certificates (gwbcert)' "$TEST_TMP/out.A"
check "etcd no longer holds B's certificate anywhere" bash -c \
	"$(declare -f doc); ETCDCTL='$ETCDCTL' ENDPOINTS='$ENDPOINTS'; ! doc | grep -q gwbcert"
check "B leaves: standalone" poll 10 test ! -e "${HOME_OF[B]}/cluster.conf"
check "B, standalone, keeps serving its last configuration (its certificate)" serves_gwb B

done_testing
