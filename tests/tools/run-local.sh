#!/usr/bin/env bash
# run-local.sh: what `make run` does. Starts tlsgated on ./run-home (created
# if missing) with the default ports, waits for its control socket, opens the
# console on the same home in the foreground, and stops the daemon when the
# console exits, with the console's status. BUILD (default: build) says
# where the binaries are.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
# (RUN_HOME, RUN_HTTPS, RUN_SMTP: for tests/cli/test_make_run.sh)
HOME_DIR=${RUN_HOME:-$PWD/run-home}
HTTPS_ADDR=${RUN_HTTPS:-127.0.0.1:8443}
SMTP_ADDR=${RUN_SMTP:-127.0.0.1:2525}

mkdir -p "$HOME_DIR" && chmod 700 "$HOME_DIR"
log=$HOME_DIR/tlsgated.stderr
: >"$log"
# Its own session: Ctrl-C at the console must not reach the daemon.
setsid "$BUILD/tlsgated" --home "$HOME_DIR" --https "$HTTPS_ADDR" --smtp "$SMTP_ADDR" 2>>"$log" &
daemon=$!
stop_daemon() {
	kill -TERM "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
}
trap stop_daemon EXIT
trap 'exit 129' HUP
trap 'exit 143' TERM

# It prints "... applied; ..." once its listeners and control socket are up.
for _ in $(seq 200); do
	grep -q ' applied; ' "$log" && break
	if ! kill -0 "$daemon" 2>/dev/null; then
		echo "tlsgated did not start:" >&2
		cat "$log" >&2
		exit 1
	fi
	sleep 0.05
done
grep -q ' applied; ' "$log" || { echo "tlsgated did not start within 10 s" >&2; exit 1; }

cat <<EOF
tlsgated is running on $HOME_DIR (mail log: $HOME_DIR/logs/mail_logs)
  GUI HTTPS     https://$HTTPS_ADDR/   try: openssl s_client -connect $HTTPS_ADDR
                                            curl -k https://$HTTPS_ADDR/api/sslconfig
  Inbound SMTP  $SMTP_ADDR        try: openssl s_client -starttls smtp -connect $SMTP_ADDR
                                            swaks --server $SMTP_ADDR --tls --to you@example.com
Commits in this console apply to it at once; it stops when the console exits.
EOF
# On a terminal the console runs as a job of its own (job control, set -m):
# the terminal's Ctrl-C reaches it alone, which handles it ("-- Changes not
# recorded" or a fresh prompt), not make or this script (before, make died
# with "*** [run] Interrupt", status 130). With no terminal (make run
# </dev/null, CI) the console runs in batch mode on that input and exits.
[ -t 0 ] && set -m
"$BUILD/tlsgate" --home "$HOME_DIR"
status=$?
set +m
exit "$status"
