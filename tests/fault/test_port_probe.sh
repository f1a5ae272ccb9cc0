#!/usr/bin/env bash
# test_port_probe: tlsverify is not a port scanner (issue 12 item 6). A
# guest cannot name a host (only the domain's committed route or MX hosts);
# an operator may name hosts on the SMTP ports (25, 465, 587) or the hosts
# of the domain's committed route; an administrator anything. Refusals exit
# 1, say why, and are audited in cli_logs. Runs the console as a non-root
# uid (root is always admin) with setpriv, on a home that uid owns.
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
	ok "# SKIP needs root and setpriv to run the console as other users"
	done_testing
	exit 0
fi
home=$TEST_TMP/probe
"$TLSGATE" --home "$home" -c 'sethostname mail.example.com; commit "host"' >/dev/null
# A listener the probe could find: any open port on the host.
open_port=$(free_port)
route_port=$(free_port)
python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16); time.sleep(300)' "$open_port" &
at_exit "kill $!"
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$open_port") 2>/dev/null; }
poll 10 listening || not_ok "the probed listener is up"
printf 'userconfig\nNEW\nadm\n1\nadminpass1\nadminpass1\nNEW\nop\n2\noperpass1\noperpass1\nNEW\ngst\n3\nguestpass1\nguestpass1\n\nsmtproutes\nnew\nrouted.test\n127.0.0.1:%s\n\ncommit "users and route"\n' \
	"$route_port" | "$TLSGATE" --home "$home" --user adm >"$TEST_TMP/setup.out" 2>&1
check "setup: users adm, op, gst and a route for routed.test committed" \
	grep -q '^Changes committed' "$TEST_TMP/setup.out"
chown -R nobody:nogroup "$home"
chmod 755 "$TEST_TMP"
as() {
	local u=$1
	shift
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$TLSGATE" --home "$home" --user "$u" \
		-c "$*" 2>&1
}
logs=$home/logs/cli_logs

out=$(as gst "tlsverify example.com 127.0.0.1:$open_port")
check_eq "guest naming a host: refused, exit 1" 1 "$?"
check "guest: told why, and nothing was probed" \
	sh -c "printf '%s' \"\$1\" | grep -q '^A guest cannot name a host' &&
		! printf '%s' \"\$1\" | grep -q Connect" _ "$out"
check "guest: the attempt is audited" \
	grep -q "access denied: user gst role guest command \"tlsverify 127.0.0.1:$open_port\"" "$logs"
out=$(as gst "tlsverify routed.test")
check_eq "guest without a host: the configured route is tested, exit 0" 0 "$?"
check "guest: it connected to the route's host" \
	sh -c "printf '%s' \"\$1\" | grep -q 'Connecting to 127.0.0.1 (127.0.0.1) port $route_port'" _ "$out"

out=$(as op "tlsverify example.com 127.0.0.1:$open_port")
check_eq "operator naming a non-SMTP port: refused, exit 1" 1 "$?"
check "operator: told why" sh -c "printf '%s' \"\$1\" | grep -q '^An operator may name hosts on the SMTP ports'" _ "$out"
check "operator: the attempt is audited" \
	grep -q "access denied: user op role operator command \"tlsverify 127.0.0.1:$open_port\"" "$logs"
out=$(as op "tlsverify example.com 127.0.0.1:25")
check_eq "operator on port 25: allowed, exit 0" 0 "$?"
out=$(as op "tlsverify routed.test 127.0.0.1:$route_port")
check_eq "operator naming the domain's own route host: allowed" 0 "$?"
out=$(as op "tlsverify other.test 127.0.0.1:$route_port")
check_eq "operator naming another domain's route port: refused" 1 "$?"

out=$(as adm "tlsverify example.com 127.0.0.1:$open_port")
check_eq "administrator: any host and port, exit 0" 0 "$?"
check "administrator: it connected" \
	sh -c "printf '%s' \"\$1\" | grep -q '^Connected'" _ "$out"
echo "$out" | sed 's/^/#   /'
done_testing
