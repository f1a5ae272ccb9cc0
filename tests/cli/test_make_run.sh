#!/usr/bin/env bash
# test_make_run: the README's `make run`, as a user runs it. On a terminal
# (tmux): the engines start, Ctrl-C at the console's prompt gives a fresh
# prompt and does not interrupt make (before: "make: *** [run] Interrupt",
# status 130), exit stops the engines and make exits 0. Without a terminal
# (`make run </dev/null`): builds, starts the engines, runs the console in
# batch mode on the empty input, stops the engines, exits 0.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tmux.sh"
[ -x "$TLSGATE" ] || { not_ok "$TLSGATE is not built"; done_testing; exit 1; }

run_env() { # the make command line, on free ports and a home of its own
	echo "RUN_HOME=$TEST_TMP/$1 RUN_HTTPS=127.0.0.1:$(free_port) RUN_SMTP=127.0.0.1:$(free_port) \
make -s -C '$TOP' run BUILD='$BUILD'"
}
daemon_of() { pgrep -f "tlsgated --home $TEST_TMP/$1 " >/dev/null; }
gone() { ! daemon_of "$1"; }

# ---- no terminal ----
eval "$(run_env batch)" </dev/null >"$TEST_TMP/batch.out" 2>&1
check_eq "make run </dev/null exits 0" 0 "$?"
check "... the engines had started" grep -q '^tlsgated is running on' "$TEST_TMP/batch.out"
check "... and are stopped" poll 5 gone batch

# ---- on a terminal, Ctrl-C at the prompt ----
s=run
TM_CWD=$TOP tm_start "$s" "bash --norc --noprofile"
tm send-keys -t "$s" -l "$(run_env tty); echo make-status=\$?"
tm send-keys -t "$s" Enter
check "make run opens the console" wait_last "$s" '> ?$'
check "the engines run" poll 10 daemon_of tty
prompts() { tm_text "$s" | grep -c '>$'; }
more_prompts() { [ "$(prompts)" -gt "$1" ]; }
before=$(prompts)
tm send-keys -t "$s" C-c
check "Ctrl-C at the console's prompt gives a fresh prompt" \
	poll "$TMUX_WAIT" more_prompts "$before"
check "the engines still run" daemon_of tty
answer "$s" help "sslconfig"
answer "$s" exit "make-status="
check "make is not interrupted: it exits 0 when the console does" \
	bash -c "tmux -S '$TMUX_SOCK' capture-pane -p -J -S - -t '$s' | grep -qx 'make-status=0'"
check "no 'Interrupt' from make" \
	bash -c "! tmux -S '$TMUX_SOCK' capture-pane -p -J -S - -t '$s' | grep -q 'Interrupt'"
check "the engines are stopped" poll 5 gone tty
done_testing
