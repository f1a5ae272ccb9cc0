#!/usr/bin/env bash
# commit_work.sh: how much one commit builds — SSL_CTXs created and
# configuration loads (db_load_config calls) — in the console and in the
# daemon's apply, counted with gdb breakpoints on the real binaries. Prints
# one line of key=value results. Needs gdb and ptrace (root).
# Usage: make all && BUILD=build bash tests/tools/commit_work.sh
. "$(dirname "$0")/../e2e/e2e_lib.sh"

command -v gdb >/dev/null || { echo "commit_work: gdb is not installed" >&2; exit 1; }
home=$(new_home work)
cat >"$TEST_TMP/count.gdb" <<'GDB'
set pagination off
set breakpoint pending on
set $ctx = 0
set $load = 0
break SSL_CTX_new_ex
commands
silent
set $ctx = $ctx + 1
continue
end
break db_load_config
commands
silent
set $load = $load + 1
continue
end
GDB
{ cat "$TEST_TMP/count.gdb"; echo run; echo 'printf "ctx=%d load=%d\n", $ctx, $load'; } >"$TEST_TMP/shell.gdb"
{ cat "$TEST_TMP/count.gdb"; echo continue; echo 'printf "ctx=%d load=%d\n", $ctx, $load'; } >"$TEST_TMP/daemon.gdb"

start_daemon "$home" || { echo "tlsgated did not start" >&2; exit 1; }
printf 'sslconfig\ngui\n1-2\n\n\n\n' | "$TLSGATE" --home "$home" >/dev/null
# The daemon under gdb until the commit is applied; SIGINT then ends the
# "continue" and gdb prints its counts.
timeout -s INT 20 gdb -q -batch -x "$TEST_TMP/daemon.gdb" -p "$DAEMON_PID" >"$TEST_TMP/daemon.out" 2>&1 &
gdb_pid=$!
sleep 1.5 # gdb attaches and sets its breakpoints
shell=$(gdb -q -batch -x "$TEST_TMP/shell.gdb" --args "$TLSGATE" --home "$home" -c 'commit "counted"' 2>&1 |
	grep -E '^ctx=')
sleep 0.5
kill -INT "$gdb_pid" 2>/dev/null
wait "$gdb_pid" 2>/dev/null
daemon=$(grep -E '^ctx=' "$TEST_TMP/daemon.out")
[ -n "$shell" ] && [ -n "$daemon" ] || { cat "$TEST_TMP/daemon.out" >&2; exit 1; }
echo "shell_$(echo "$shell" | sed 's/ / shell_/') daemon_$(echo "$daemon" | sed 's/ / daemon_/')"
