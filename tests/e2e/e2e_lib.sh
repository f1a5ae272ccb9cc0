# tests/e2e/e2e_lib.sh: what the end-to-end tests share (sourced, not run):
# a daemon on free loopback ports, sslconfig commits through the real shell,
# and handshake probes with openssl s_client.
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
LOAD=$TOP/$BUILD/tests/handshake_load
E2E_DIR=$TOP/tests/e2e
# The system interpreter when there is one: version-manager shims cost ~0.4 s a call.
PY=$(command -v /usr/bin/python3 || command -v python3)

# start_daemon HOME [tlsgated options...]: sets HTTPS_PORT, SMTP_PORT and
# DAEMON_PID, and returns once the control socket is there (the daemon
# creates it last, after its listeners).
start_daemon() {
	local home=$1 i
	shift
	HTTPS_PORT=$(free_port)
	SMTP_PORT=$(free_port)
	while [ "$SMTP_PORT" = "$HTTPS_PORT" ]; do SMTP_PORT=$(free_port); done
	"$TLSGATED" --home "$home" --https "127.0.0.1:$HTTPS_PORT" --smtp "127.0.0.1:$SMTP_PORT" \
		"$@" 2>>"$TEST_TMP/daemon.err" &
	DAEMON_PID=$!
	at_exit "kill $DAEMON_PID"
	for i in $(seq 200); do
		[ -S "$home/tlsgated.sock" ] && return 0
		kill -0 "$DAEMON_PID" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# stop_daemon: SIGTERM and wait; returns the daemon's exit status.
stop_daemon() {
	kill -TERM "$DAEMON_PID" 2>/dev/null
	wait "$DAEMON_PID"
}

# commit_sslconfig HOME SERVICE METHODS CIPHERS [RENEGOTIATION]: one sslconfig
# edit (menu numbers as an admin types them; renegotiation Y, N, or left as
# is) committed in batch mode. Fails if the shell fails or the daemon did not
# apply it.
commit_sslconfig() {
	local reneg="${5:-}\\n"
	[ "$2" = outbound ] && reneg=''
	printf "sslconfig\n%s\n%s\n%s\n${reneg}\ncommit\ne2e %s %s\n\n" "$2" "$3" "$4" "$2" "$3" |
		"$TLSGATE" --home "$1" >"$TEST_TMP/commit.out" 2>&1 &&
		grep -q '^Changes committed' "$TEST_TMP/commit.out" &&
		! grep -qE 'did not apply|not running' "$TEST_TMP/commit.out"
}

# check_fails "description" command...  -> ok when the command fails
check_fails() {
	local d=$1
	shift
	if "$@"; then not_ok "$d"; else ok "$d"; fi
}

# tls_flag 1.2 -> -tls1_2
tls_flag() {
	case $1 in
	1.0) echo -tls1 ;;
	1.1) echo -tls1_1 ;;
	1.2) echo -tls1_2 ;;
	1.3) echo -tls1_3 ;;
	esac
}

# handshake PORT VERSION [smtp] [s_client options...]: succeeds when a client
# offering only VERSION completes a handshake; the s_client output is left in
# $TEST_TMP/s_client.out.
handshake() {
	local port=$1 v=$2 extra=()
	shift 2
	if [ "${1:-}" = smtp ]; then
		extra=(-starttls smtp)
		shift
	fi
	timeout 10 openssl s_client -connect "127.0.0.1:$port" "$(tls_flag "$v")" \
		-cipher 'DEFAULT:@SECLEVEL=0' "${extra[@]}" "$@" </dev/null >"$TEST_TMP/s_client.out" 2>&1 &&
		! grep -q 'Cipher is (NONE)' "$TEST_TMP/s_client.out"
}

# negotiated_cipher: the cipher of the last handshake.
negotiated_cipher() {
	sed -n 's/^New, [^,]*, Cipher is //p' "$TEST_TMP/s_client.out" | head -n 1
}

# control HOME REQUEST: one request on the control socket, prints the reply.
control() {
	"$PY" - "$1/tlsgated.sock" "$2" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
data = b""
while not data.endswith(b"\n"):
    chunk = s.recv(1024)
    if not chunk:
        break
    data += chunk
print(data.decode().strip())
EOF
}

# wait_log HOME PATTERN COUNT: waits (bounded) until the mail log has at
# least COUNT lines matching the extended regex PATTERN; prints the count.
wait_log() {
	local n=0 i
	for i in $(seq 100); do
		n=$(grep -cE "$2" "$1/logs/mail_logs")
		[ "$n" -ge "$3" ] && break
		sleep 0.05
	done
	echo "$n"
}

# py_checks DESCRIPTION-PREFIX python-args...: runs a Python check script
# read from stdin; each "PASS text" / "FAIL text" line it prints becomes
# one TAP line; other lines are passed through as TAP comments.
py_checks() {
	local prefix=$1 status line
	shift
	while IFS= read -r line; do
		status=${line%% *}
		case $status in
		PASS) ok "$prefix${line#PASS }" ;;
		FAIL) not_ok "$prefix${line#FAIL }" ;;
		*) echo "# $line" ;;
		esac
	done < <(PYTHONPATH=$E2E_DIR "$PY" - "$@" 2>&1)
}
