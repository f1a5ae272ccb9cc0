# tests/deploy/deploy_lib.sh: the documented multi-user deployment, built for
# one test script and removed at its exit (README, docs/SSH.md,
# docs/sshd_config.example). Source it after nothing else (it sources
# tests/lib.sh). It needs root and skips otherwise. deploy_up builds:
#   - a console group and Unix users in it: the first admin ($ADM), a second
#     admin ($ADM2), an operator ($OP) and a guest ($GST), plus any asked for;
#   - the shared console home $SSH_HOME: mode 2770, owned root:group, empty;
#   - tlsgated running as ITS OWN Unix user ($DAEMON_USER, in the console
#     group, not root, started with setpriv) on free loopback ports
#     $HTTPS_PORT and $SMTP_PORT, started FIRST on the fresh home (so the
#     daemon creates config.db and logs/, as on a real machine where the
#     service starts before anyone logs in);
#   - a private loopback sshd on $SSH_PORT whose "Match Group" block runs
#     "ForceCommand exec tlsgate --home HOME", as docs/sshd_config.example;
#   - the roles: $ADM logs in first (so is admin), sets the host name and adds
#     the others with userconfig over ssh, in one commit.
# Tests then drive it with ssh_as (exec and piped answers), scp_as, and the
# pexpect clients in this folder (ssh -tt on an 80-column pty).
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

if [ "$(id -u)" != 0 ]; then
	echo "# SKIP: the deployment tests need root (to run sshd and add users); CI runs as root."
	echo "1..0 # SKIP not root"
	exit 0
fi
for tool in /usr/sbin/sshd ssh scp ssh-keygen useradd userdel groupadd groupdel setpriv \
	openssl sqlite3; do
	if ! command -v "$tool" >/dev/null; then
		not_ok "$tool is installed (make deps-test installs TEST_PKGS)"
		exit 1
	fi
done
PYTHON=python3
[ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3 # Debian's, with python3-pexpect
DEPLOY=$TOP/tests/deploy
DENIED="You are not in the correct access group to use this command."

# Users must reach this folder and the binaries in it: not TEST_TMP (0700).
SSH_DIR=$(mktemp -d /tmp/tlsgate-deploy.XXXXXX)
chmod 0755 "$SSH_DIR"
SSH_ID=$(printf '%04x%02x' "$RANDOM" "$((RANDOM % 256))")
SSH_GROUP=tg${SSH_ID}
SSH_PORT=$(free_port)
SSH_HOME=$SSH_DIR/console # the console home every user and the daemon share
SSH_PID=
DAEMON_PID=
DAEMON_USER=
HTTPS_PORT=
SMTP_PORT=
DEP_DAEMON_ARGS=() # more tlsgated options for deploy_up's daemon (--workers 2)

# Users are listed in a file: dep_add_user runs in $(...), a subshell.
dep_cleanup() {
	local u pid
	[ -n "$SSH_PID" ] && kill "$SSH_PID" 2>/dev/null && wait "$SSH_PID" 2>/dev/null
	[ -n "$DAEMON_PID" ] && kill "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID" 2>/dev/null
	for u in $(cat "$SSH_DIR/users.list" 2>/dev/null); do
		# Sessions left by a failed test: the test users' own processes.
		for pid in $(ps -o pid= -u "$u" 2>/dev/null); do kill "$pid" 2>/dev/null; done
		userdel "$u" 2>/dev/null
	done
	groupdel "$SSH_GROUP" 2>/dev/null
	rm -rf "$SSH_DIR"
}
at_exit dep_cleanup

mkdir -p "$SSH_DIR/bin" "$SSH_DIR/keys" "$SSH_DIR/users"
install -m 0755 "$TLSGATE" "$SSH_DIR/bin/tlsgate"
install -m 0755 "$TLSGATED" "$SSH_DIR/bin/tlsgated"
ssh-keygen -q -t ed25519 -N '' -f "$SSH_DIR/host_key" -C "tlsgate test host"
ssh-keygen -q -t ed25519 -N '' -f "$SSH_DIR/client_key" -C "tlsgate test client"
groupadd "$SSH_GROUP"
install -d -m 2770 -o root -g "$SSH_GROUP" "$SSH_HOME"

# dep_add_user SUFFIX [SHELL]: a Unix user in the console group with the test
# key; prints its name. The password "*" is unusable but not "locked" (sshd
# without PAM refuses locked accounts).
dep_add_user() {
	local name=tg${SSH_ID}$1 shell=${2:-/bin/sh}
	useradd -M -d "$SSH_DIR/users/$name" -s "$shell" -g "$SSH_GROUP" -p '*' "$name" || return 1
	echo "$name" >>"$SSH_DIR/users.list"
	install -d -m 0700 -o "$name" -g "$SSH_GROUP" "$SSH_DIR/users/$name"
	install -m 0644 "$SSH_DIR/client_key.pub" "$SSH_DIR/keys/$name"
	echo "$name"
}
ssh_add_user() { dep_add_user "$@"; }

# dep_start_sshd [LOGIN_SHELL_USERS...]: writes sshd_config and starts sshd;
# returns when it accepts connections. Every member of the console group gets
# the ForceCommand of docs/sshd_config.example ("Match Group"), except the
# users named here, who have tlsgate as their login shell and the home from
# SetEnv (docs/SSH.md: never both styles for the same user).
dep_start_sshd() {
	local login=("$@") except=''
	[ $# -gt 0 ] && except=",!$(IFS=,; echo "$*" | sed 's/,/,!/g')"
	{
		echo "Port $SSH_PORT"
		echo "ListenAddress 127.0.0.1"
		echo "HostKey $SSH_DIR/host_key"
		echo "PidFile $SSH_DIR/sshd.pid"
		echo "AuthorizedKeysFile $SSH_DIR/keys/%u"
		echo "AllowGroups $SSH_GROUP"
		echo "PubkeyAuthentication yes"
		echo "PasswordAuthentication no"
		echo "KbdInteractiveAuthentication no"
		echo "UsePAM no"
		echo "PermitRootLogin no"
		echo "StrictModes no"
		echo "PermitUserEnvironment no"
		echo "PrintMotd no"
		echo "PrintLastLog no"
		echo "Subsystem sftp /usr/lib/openssh/sftp-server"
		echo "LogLevel VERBOSE"
		echo "Match Group $SSH_GROUP User *$except"
		echo "	ForceCommand exec $SSH_DIR/bin/tlsgate --home $SSH_HOME"
		echo "	AllowTcpForwarding no"
		echo "	AllowStreamLocalForwarding no"
		echo "	AllowAgentForwarding no"
		echo "	X11Forwarding no"
		echo "	PermitTunnel no"
		echo "	PermitUserRC no"
		if [ ${#login[@]} -gt 0 ]; then
			echo "Match User $(IFS=,; echo "${login[*]}")"
			echo "	SetEnv TLSGATE_HOME=$SSH_HOME"
			echo "	AllowTcpForwarding no"
			echo "	AllowAgentForwarding no"
			echo "	X11Forwarding no"
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

# dep_start_daemon [tlsgated options...]: tlsgated as $DAEMON_USER (its own
# Unix user, member of the console group only), through setpriv: no root
# left, no capabilities. Returns when both listeners accept connections.
dep_start_daemon() {
	local uid gid i
	[ -n "$DAEMON_USER" ] || DAEMON_USER=$(dep_add_user d /usr/sbin/nologin) || return 1
	uid=$(id -u "$DAEMON_USER")
	gid=$(getent group "$SSH_GROUP" | cut -d: -f3)
	HTTPS_PORT=$(free_port)
	SMTP_PORT=$(free_port)
	while [ "$SMTP_PORT" = "$HTTPS_PORT" ]; do SMTP_PORT=$(free_port); done
	(cd "$SSH_DIR" && exec setpriv --reuid="$uid" --regid="$gid" --init-groups \
		--inh-caps=-all --bounding-set=-all -- "$SSH_DIR/bin/tlsgated" --home "$SSH_HOME" \
		--https "127.0.0.1:$HTTPS_PORT" --smtp "127.0.0.1:$SMTP_PORT" "$@") \
		>>"$SSH_DIR/tlsgated.log" 2>&1 &
	DAEMON_PID=$!
	for i in $(seq 200); do
		kill -0 "$DAEMON_PID" 2>/dev/null || return 1
		(exec 3<>"/dev/tcp/127.0.0.1/$HTTPS_PORT") 2>/dev/null &&
			(exec 3<>"/dev/tcp/127.0.0.1/$SMTP_PORT") 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# dep_stop_daemon: SIGTERM and wait.
dep_stop_daemon() {
	[ -n "$DAEMON_PID" ] || return 0
	kill -TERM "$DAEMON_PID" 2>/dev/null
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=
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

# pexpect_args USER...: the options every pexpect script here takes.
pexpect_args() {
	local u
	printf '%s\n' --port "$SSH_PORT" --identity "$SSH_DIR/client_key"
	for u in "$@"; do printf '%s\n' --user "$u"; done
}

# The console's own database, read as root (read only: never written here).
console_sql() { sqlite3 -readonly "$SSH_HOME/config.db" "$1"; }
# A user entry's password hash is left out of what the checks compare
# ("role=admin;hash=$y$..." reads "role=admin"); password_set checks it.
no_hash() { sed 's/;hash=[^ |]*//g'; }
latest_value() { # KEY
	console_sql "SELECT value FROM config_values WHERE key = '$1' AND
		version = (SELECT max(version) FROM config_versions)" | no_hash
}
latest_version() { console_sql "SELECT max(version) FROM config_versions"; }
latest_user() { console_sql "SELECT user FROM config_versions ORDER BY version DESC LIMIT 1"; }
# A digest of the committed configuration (history and snapshots): to prove
# that nothing was written, without printing private keys into test logs.
committed_sum() { committed_dump "$SSH_HOME" | sha256sum | cut -c1-16; }
staged_dump() { console_sql "SELECT user, key, value FROM staged ORDER BY 1, 2" | no_hash; }
users_dump() { # the committed user list, "NAME=ROLE ..." sorted
	console_sql "SELECT key || '=' || value FROM config_values WHERE key LIKE 'user.%' AND
		version = (SELECT max(version) FROM config_versions) ORDER BY key" | no_hash |
		tr '\n' ' '
}
password_set() { # USER: "yes" when their committed entry holds a yescrypt hash
	console_sql "SELECT value FROM config_values WHERE key = 'user.$1' AND
		version = (SELECT max(version) FROM config_versions)" |
		grep -q ';hash=\$y\$' && echo yes || echo no
}
said() { grep -qE -- "$1" "${2:-$TEST_TMP/out}"; } # said REGEX [FILE]
said_f() { grep -qF -- "$1" "${2:-$TEST_TMP/out}"; } # said_f STRING [FILE]

# s_proto PORT OPENSSL_ARGS...: the protocol a handshake with GUI HTTPS
# negotiates, or "" when refused. s_smtp: the same with inbound STARTTLS.
s_proto() {
	local port=$1
	shift
	timeout 10 openssl s_client -connect "127.0.0.1:$port" "$@" </dev/null 2>&1 |
		sed -n 's/^New, \(TLSv1[.0-9]*\), Cipher is .*/\1/p' | head -n 1
}
s_gui() { s_proto "$HTTPS_PORT" "$@"; }
s_smtp() { s_proto "$SMTP_PORT" -starttls smtp "$@"; }

# deploy_up [LOGIN_SHELL_USERS...]: the whole topology (see the top), the
# first admin's setup session left in $SSH_DIR/setup.out. Fails (not_ok and
# exit) when any part of it cannot be built: nothing after it could mean
# anything.
ADM=$(dep_add_user adm)
ADM2=$(dep_add_user adm2)
OP=$(dep_add_user op)
GST=$(dep_add_user gst)
deploy_up() {
	if ! dep_start_daemon "${DEP_DAEMON_ARGS[@]}"; then
		not_ok "tlsgated starts as its own user ($DAEMON_USER) on the fresh shared home"
		sed 's/^/#   /' "$SSH_DIR/tlsgated.log"
		exit 1
	fi
	# Its own user (real, effective, saved and fs uid), the console group, no
	# capabilities: no part of the topology passes because something is root.
	check_eq "tlsgated runs as $DAEMON_USER, in the console group, no capabilities" \
		"$(id -u "$DAEMON_USER") $(getent group "$SSH_GROUP" | cut -d: -f3) 0000000000000000" \
		"$(awk '/^Uid:/ { u = $2 $3 $4 $5 == $2 $2 $2 $2 ? $2 : "mixed" }
			/^Gid:/ { g = $2 } /^CapEff:/ { c = $2 } END { print u, g, c }' \
			"/proc/$DAEMON_PID/status")"
	if ! dep_start_sshd "$@"; then
		not_ok "sshd starts on 127.0.0.1:$SSH_PORT"
		sed 's/^/#   /' "$SSH_DIR/sshd.log"
		exit 1
	fi
	printf 'NEW\n%s\n1\nadminpass2\nadminpass2\nNEW\n%s\n2\noperpass1\noperpass1\nNEW\n%s\n3\nguestpass1\nguestpass1\n\n' "$ADM2" "$OP" "$GST" |
		ssh_as "$ADM" 'sethostname mail.example.com; userconfig; commit "deployment"' \
			>"$SSH_DIR/setup.out" 2>&1
	local status=$?
	if [ "$status" != 0 ] || [ "$(users_dump)" != "user.$ADM=role=admin user.$ADM2=role=admin \
user.$GST=role=guest user.$OP=role=operator " ]; then
		not_ok "the first admin set up the console users over ssh (exit $status)"
		sed 's/^/#   /' "$SSH_DIR/setup.out"
		exit 1
	fi
	check_eq "the users added with NEW have a password, the first admin (added for them) none" \
		"no yes yes yes" \
		"$(password_set "$ADM") $(password_set "$ADM2") $(password_set "$OP") $(password_set "$GST")"
	check "no password is in the setup session's output" \
		sh -c "! grep -qE 'adminpass2|operpass1|guestpass1' '$SSH_DIR/setup.out'"
	ok "topology: tlsgated as $DAEMON_USER (pid $DAEMON_PID), sshd on $SSH_PORT, $ADM admin," \
		"$ADM2 admin, $OP operator, $GST guest"
}
