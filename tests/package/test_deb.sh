#!/usr/bin/env bash
# tests/package/test_deb.sh: the Debian package end to end, as root on the CI
# machine. Builds it (`make deb`; TLSGATE_DEB=FILE uses a built one), lints it
# (lintian: no errors; the man pages under mandoc -T lint), installs it with
# dpkg -i and checks the users, group, modes and files, verifies the unit
# (systemd-analyze verify, and security: the "OK" band or better), runs it —
# with systemctl when systemd is PID 1, else the unit's ExecStart with its
# user, group, umask, capability and environment through setpriv, with a
# NOTIFY_SOCKET that must receive READY=1 — and proves it serves TLS with
# openssl s_client on a port below 1024 (CAP_NET_BIND_SERVICE) and with
# STARTTLS on SMTP. Then SIGHUP (reload) keeps it serving; dpkg -r keeps the
# data; dpkg -P removes the data, the user and the group.
# Not in tests/run.sh's default list (building the package takes ~2 min):
# .ci/run runs it as its own step.
. "$(dirname "$0")/../lib.sh"
# skip WHY: a skip, or a failure when PACKAGE_TEST_REQUIRED is set (.ci/run).
skip() {
	if [ -n "${PACKAGE_TEST_REQUIRED:-}" ]; then
		echo "not ok 1 - cannot run: $1"
		exit 1
	fi
	echo "1..0 # SKIP $1"
	exit 0
}

if [ "$(id -u)" != 0 ]; then
	skip "needs root (dpkg -i)"
fi
for tool in dpkg-buildpackage lintian mandoc systemd-analyze setpriv openssl python3 logrotate; do
	command -v "$tool" >/dev/null || skip "$tool missing (make deps-test)"
done
if dpkg-query -W -f='${Status}' tlsgate 2>/dev/null | grep -q 'ok installed' ||
	getent passwd tlsgated >/dev/null || getent group tlsgate >/dev/null; then
	skip "tlsgate is already installed here (or its user/group exist)"
fi

DAEMON_PID=
stop_daemon() {
	[ -n "$DAEMON_PID" ] || return 0
	kill -TERM "$DAEMON_PID" 2>/dev/null
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=
}
at_exit stop_daemon
at_exit "dpkg -P tlsgate"

# 1. Build and lint.
deb=${TLSGATE_DEB:-}
if [ -z "$deb" ]; then
	(cd "$TOP" && make -s deb BUILD="$BUILD") >"$TEST_TMP/build.log" 2>&1 ||
		{ tail -n 30 "$TEST_TMP/build.log"; }
	deb=$(ls "$TOP/$BUILD"/deb/tlsgate_*.deb 2>/dev/null | grep -v dbgsym | tail -n 1)
fi
check "the package is built ($deb)" test -f "$deb"
lintian --tag-display-limit 0 "$deb" >"$TEST_TMP/lintian" 2>&1
sed 's/^/# /' "$TEST_TMP/lintian"
check "lintian reports no errors and no warnings" bash -c "! grep -qE '^[EW]:' '$TEST_TMP/lintian'"
check "mandoc -T lint: the man pages are clean" mandoc -T lint "$TOP/man/tlsgate.1" "$TOP/man/tlsgated.8"

# 2. Install.
DEBIAN_FRONTEND=noninteractive dpkg -i "$deb" >"$TEST_TMP/dpkg-i" 2>&1
check "dpkg -i installs it" test $? -eq 0 || sed 's/^/# /' "$TEST_TMP/dpkg-i"
check "the group tlsgate exists (system group)" \
	bash -c '[ "$(getent group tlsgate | cut -d: -f3)" -lt 1000 ]'
IFS=: read -r _ _ uid gid _ dhome shell < <(getent passwd tlsgated)
check "the user tlsgated is a system user" test "${uid:-1000}" -lt 1000
check_eq "tlsgated's primary group is tlsgate" "$(getent group tlsgate | cut -d: -f3)" "${gid:-}"
check_eq "tlsgated has no login shell" /usr/sbin/nologin "${shell:-}"
check_eq "tlsgated's home" /var/lib/tlsgate "${dhome:-}"
check_eq "/var/lib/tlsgate is root:tlsgate 2770" "2770 root tlsgate" \
	"$(stat -c '%a %U %G' /var/lib/tlsgate 2>&1)"
check_eq "its first configuration: config.db, 0660, group tlsgate" "660 tlsgate" \
	"$(stat -c '%a %G' /var/lib/tlsgate/config.db 2>&1)"
check "the first configuration is version 1" \
	bash -c '[ "$(sqlite3 /var/lib/tlsgate/config.db "SELECT max(version) FROM config_versions")" = 1 ]'
for f in /usr/bin/tlsgate /usr/sbin/tlsgated /lib/systemd/system/tlsgated.service \
	/etc/default/tlsgated /etc/logrotate.d/tlsgate /usr/share/man/man1/tlsgate.1.gz \
	/usr/share/man/man8/tlsgated.8.gz /usr/share/doc/tlsgate/examples/sshd_config.example \
	/usr/share/doc/tlsgate/SSH.md.gz; do
	check "installed: $f" test -f "$f"
done
for m in /usr/share/man/man1/tlsgate.1.gz /usr/share/man/man8/tlsgated.8.gz; do
	check "the installed $m lints clean" bash -c "zcat $m | mandoc -T lint"
done
check "the logrotate snippet parses" bash -c 'logrotate -d /etc/logrotate.d/tlsgate >/dev/null 2>&1'

# 3. The unit.
unit=/lib/systemd/system/tlsgated.service
systemd-analyze verify "$unit" >"$TEST_TMP/verify" 2>&1
check "systemd-analyze verify: no complaint" bash -c "[ ! -s '$TEST_TMP/verify' ]" ||
	sed 's/^/# /' "$TEST_TMP/verify"
sec=$(systemd-analyze security --offline=true "$unit" 2>&1 | grep 'Overall exposure level')
echo "# $sec"
check "systemd-analyze security: exposure in the OK band or better" \
	bash -c "echo '$sec' | grep -Eq ': [0-4]\.[0-9] (OK|SAFE)'"

# 4. Run it as the unit says.
https_port=
for p in $(shuf -i 600-1000 -n 40); do
	python3 -c "import socket,sys; s=socket.socket(); s.bind(('127.0.0.1',$p))" 2>/dev/null &&
		https_port=$p && break
done
smtp_port=$(free_port)
sed -i "s/^TLSGATED_OPTS=.*/TLSGATED_OPTS=\"--https 127.0.0.1:$https_port --smtp 127.0.0.1:$smtp_port\"/" \
	/etc/default/tlsgated
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload
	systemctl restart tlsgated.service
	check "systemctl start: the service is active (Type=notify: READY=1 arrived)" \
		systemctl is-active --quiet tlsgated.service
	DAEMON_PID=$(systemctl show -p MainPID --value tlsgated.service)
else
	exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
	check_eq "the unit's ExecStart" '/usr/sbin/tlsgated --home /var/lib/tlsgate $TLSGATED_OPTS' "$exec_start"
	chmod 0755 "$TEST_TMP"
	python3 - "$TEST_TMP/notify" >"$TEST_TMP/notified" <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o777)
s.settimeout(20)
print(s.recv(4096).decode(), flush=True)
PY
	notify_pid=$!
	poll 5 test -S "$TEST_TMP/notify"
	(
		set -a
		TLSGATED_OPTS=
		. /etc/default/tlsgated
		set +a
		umask 0007
		cd / && exec env NOTIFY_SOCKET="$TEST_TMP/notify" setpriv --reuid=tlsgated \
			--regid=tlsgate --init-groups --no-new-privs --inh-caps=-all,+net_bind_service \
			--ambient-caps=-all,+net_bind_service --bounding-set=-all,+net_bind_service \
			-- /usr/sbin/tlsgated --home /var/lib/tlsgate $TLSGATED_OPTS
	) >"$TEST_TMP/tlsgated.log" 2>&1 &
	DAEMON_PID=$!
	wait "$notify_pid"
	check_eq "tlsgated sent READY=1 to NOTIFY_SOCKET" READY=1 "$(cat "$TEST_TMP/notified")"
fi
check "tlsgated runs as tlsgated" bash -c "[ \"\$(ps -o user= -p $DAEMON_PID)\" = tlsgated ]"
check "it listens on port $https_port (< 1024: CAP_NET_BIND_SERVICE)" \
	poll 10 bash -c "(exec 3<>/dev/tcp/127.0.0.1/$https_port) 2>/dev/null"
has() { grep -Eq "$2" <<<"$1"; }
s_client() {
	timeout 10 openssl s_client -connect "127.0.0.1:$1" "${@:2}" </dev/null 2>&1
}
out=$(s_client "$https_port")
check "openssl s_client: a TLS session on the GUI HTTPS port" \
	has "$out" 'New, TLSv1\.[23], Cipher is [A-Z]'
check "the certificate is the Demo one the first start seeded" \
	has "$out" 'CN *= *tlsgate Demo Certificate'
out=$(s_client "$smtp_port" -starttls smtp)
check "openssl s_client -starttls smtp: a TLS session on inbound SMTP" \
	has "$out" 'New, TLSv1\.[23], Cipher is [A-Z]'
check_eq "its files are group tlsgate, 0660 (UMask=0007)" "660 tlsgate" \
	"$(stat -c '%a %G' /var/lib/tlsgate/logs/mail_logs 2>&1)"
kill -HUP "$DAEMON_PID"
sleep 0.3
check "after SIGHUP (reload) it still serves" \
	bash -c "s=\$(timeout 10 openssl s_client -connect 127.0.0.1:$https_port </dev/null 2>&1); echo \"\$s\" | grep -q 'Cipher is [A-Z]'"
if [ -d /run/systemd/system ]; then
	systemctl stop tlsgated.service
else
	stop_daemon
fi

# 5. Remove keeps the data; purge removes it with the user and the group.
dpkg -r tlsgate >"$TEST_TMP/dpkg-r" 2>&1
check "dpkg -r removes the package" bash -c '! test -e /usr/sbin/tlsgated'
check "remove keeps /var/lib/tlsgate/config.db" test -f /var/lib/tlsgate/config.db
check "remove keeps the user tlsgated" bash -c 'getent passwd tlsgated >/dev/null'
dpkg -P tlsgate >"$TEST_TMP/dpkg-P" 2>&1
check "purge removes /var/lib/tlsgate" bash -c '! test -e /var/lib/tlsgate'
check "purge removes the user tlsgated" bash -c '! getent passwd tlsgated'
check "purge removes the (empty) group tlsgate" bash -c '! getent group tlsgate'
check "purge removes /etc/default/tlsgated" bash -c '! test -e /etc/default/tlsgated'
done_testing
