# tests/ssh/sshd_lib.sh: a throw-away OpenSSH server for the ssh tests. Source
# it after nothing else (it sources tests/lib.sh). It needs root: it creates a
# group and test users (useradd), runs /usr/sbin/sshd on a free loopback port
# with a generated host key and an authorized key generated now, and removes
# all of it at exit. Console users get tlsgate as an sshd ForceCommand on a
# group-shared home (mode 2770); one user instead has tlsgate as login shell.
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

if [ "$(id -u)" != 0 ]; then
	echo "# SKIP: the ssh tests need root (to run sshd and add test users); CI runs as root."
	echo "1..0 # SKIP not root"
	exit 0
fi
for tool in /usr/sbin/sshd ssh scp ssh-keygen useradd userdel groupadd groupdel; do
	if ! command -v "$tool" >/dev/null; then
		not_ok "$tool is installed (make deps-test installs openssh-server, openssh-client)"
		exit 1
	fi
done
PYTHON=python3
[ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3 # Debian's, with python3-pexpect

# Test users must reach this folder and the tlsgate copy in it: not TEST_TMP (0700).
SSH_DIR=$(mktemp -d /tmp/tlsgate-ssh.XXXXXX)
chmod 0755 "$SSH_DIR"
SSH_ID=$(printf '%04x%02x' "$RANDOM" "$((RANDOM % 256))")
SSH_GROUP=tg${SSH_ID}
SSH_PORT=$(free_port)
SSH_HOME=$SSH_DIR/console # the console home every SSH user shares
SSH_PID=

# Users are listed in a file: ssh_add_user runs in $(...), a subshell.
ssh_cleanup() {
	local u pid
	[ -n "$SSH_PID" ] && kill "$SSH_PID" 2>/dev/null && wait "$SSH_PID" 2>/dev/null
	for u in $(cat "$SSH_DIR/users.list" 2>/dev/null); do
		# Sessions left by a failed test: the test users' own processes.
		for pid in $(ps -o pid= -u "$u" 2>/dev/null); do kill "$pid" 2>/dev/null; done
		userdel "$u" 2>/dev/null
	done
	groupdel "$SSH_GROUP" 2>/dev/null
	rm -rf "$SSH_DIR"
}
at_exit ssh_cleanup

mkdir -p "$SSH_DIR/bin" "$SSH_DIR/keys" "$SSH_DIR/users"
install -m 0755 "$TLSGATE" "$SSH_DIR/bin/tlsgate"
ssh-keygen -q -t ed25519 -N '' -f "$SSH_DIR/host_key" -C "tlsgate test host"
ssh-keygen -q -t ed25519 -N '' -f "$SSH_DIR/client_key" -C "tlsgate test client"
groupadd "$SSH_GROUP"
install -d -m 2770 -o root -g "$SSH_GROUP" "$SSH_HOME"

# ssh_add_user SUFFIX [SHELL]: a Unix user in the console group with the test
# key; prints its name. The password "*" is unusable but not "locked" (sshd
# without PAM refuses locked accounts).
ssh_add_user() {
	local name=tg${SSH_ID}$1 shell=${2:-/bin/sh}
	useradd -M -d "$SSH_DIR/users/$name" -s "$shell" -g "$SSH_GROUP" -p '*' "$name" || return 1
	echo "$name" >>"$SSH_DIR/users.list"
	install -d -m 0700 -o "$name" -g "$SSH_GROUP" "$SSH_DIR/users/$name"
	install -m 0644 "$SSH_DIR/client_key.pub" "$SSH_DIR/keys/$name"
	echo "$name"
}

# ssh_start FORCED_USERS... [-- LOGIN_SHELL_USERS...]: writes sshd_config and
# starts sshd; returns when it accepts connections.
ssh_start() {
	local forced=() login=() u
	while [ $# -gt 0 ] && [ "$1" != -- ]; do forced+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	login=("$@")
	{
		echo "Port $SSH_PORT"
		echo "ListenAddress 127.0.0.1"
		echo "HostKey $SSH_DIR/host_key"
		echo "PidFile $SSH_DIR/sshd.pid"
		echo "AuthorizedKeysFile $SSH_DIR/keys/%u"
		echo "AllowUsers ${forced[*]} ${login[*]}"
		echo "PubkeyAuthentication yes"
		echo "PasswordAuthentication no"
		echo "KbdInteractiveAuthentication no"
		echo "UsePAM no"
		echo "PermitRootLogin no"
		echo "StrictModes no"
		echo "PermitUserEnvironment no"
		echo "AllowTcpForwarding no"
		echo "AllowAgentForwarding no"
		echo "AllowStreamLocalForwarding no"
		echo "X11Forwarding no"
		echo "PermitTunnel no"
		echo "PrintMotd no"
		echo "PrintLastLog no"
		# As docs/sshd_config.example: run through the login shell or the
		# ForceCommand, so tlsgate sees (and refuses) it.
		echo "Subsystem sftp /usr/lib/openssh/sftp-server"
		echo "LogLevel VERBOSE"
		if [ ${#forced[@]} -gt 0 ]; then
			echo "Match User $(IFS=,; echo "${forced[*]}")"
			# exec: no sh left as parent, which a Ctrl-C would kill at exit
			echo "	ForceCommand exec $SSH_DIR/bin/tlsgate --home $SSH_HOME"
		fi
		if [ ${#login[@]} -gt 0 ]; then
			echo "Match User $(IFS=,; echo "${login[*]}")"
			echo "	SetEnv TLSGATE_HOME=$SSH_HOME"
		fi
	} >"$SSH_DIR/sshd_config"
	mkdir -p /run/sshd # Debian's sshd wants its privilege separation folder
	/usr/sbin/sshd -t -f "$SSH_DIR/sshd_config" || return 1
	/usr/sbin/sshd -D -f "$SSH_DIR/sshd_config" -E "$SSH_DIR/sshd.log" &
	SSH_PID=$!
	for _ in $(seq 1 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$SSH_PORT") 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

SSH_OPTS=(-F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o LogLevel=ERROR -o BatchMode=yes -o IdentitiesOnly=yes -o ConnectTimeout=10
	-i "$SSH_DIR/client_key")

# ssh_as USER [ssh arguments...]: ssh to the test server as USER.
ssh_as() {
	local user=$1
	shift
	ssh "${SSH_OPTS[@]}" -p "$SSH_PORT" "$user@127.0.0.1" "$@"
}

# scp_as ARGS...: scp to the test server; remote paths as USER@127.0.0.1:PATH.
scp_as() {
	scp "${SSH_OPTS[@]}" -P "$SSH_PORT" "$@"
}

# The console's own database, read as root.
console_sql() { sqlite3 "$SSH_HOME/config.db" "$1"; }
latest_value() { # KEY
	console_sql "SELECT value FROM config_values WHERE key = '$1' AND
		version = (SELECT max(version) FROM config_versions)"
}
latest_version() { console_sql "SELECT max(version) FROM config_versions"; }
staged_dump() { console_sql "SELECT user, key, value FROM staged ORDER BY 1, 2"; }

# A new console home, as new_home makes one, but shared by the group.
"$TLSGATE" --home "$SSH_HOME" -c 'sethostname mail.example.com; commit "test host"' >/dev/null
