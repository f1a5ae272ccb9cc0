# shellcheck shell=bash
# tests/cli/tmux.sh: drive the console in a real pseudo-terminal. Source after
# ../lib.sh. One private tmux server per test script (socket in TEST_TMP),
# killed on exit. Waits poll with a timeout; nothing sleeps a fixed time.
TMUX_SOCK=$TEST_TMP/tmux.sock
TMUX_WAIT=${TMUX_WAIT:-10} # seconds any single wait may take
unset TMUX                 # we may be run from inside someone's tmux

tm() { tmux -S "$TMUX_SOCK" -f /dev/null "$@"; }
at_exit "tmux -S '$TMUX_SOCK' kill-server"

# tm_start NAME COMMAND: COMMAND runs (exec'd, so the pane's pid is its pid)
# in a 200x50 terminal with a long scrollback, in directory $TM_CWD.
tm_start() {
	tm start-server \; set-option -g history-limit 100000 \; \
		new-session -d -s "$1" -x 200 -y 50 -c "${TM_CWD:-$TEST_TMP}" "exec $2"
}

# The whole session so far, wrapped lines joined, trailing blanks dropped.
tm_text() { tm capture-pane -p -J -S - -E - -t "$1" 2>/dev/null | sed 's/[[:space:]]*$//'; }
# The last non-empty line on the screen: where the cursor waits.
tm_last() { tm_text "$1" | sed '/^$/d' | tail -n 1; }
# How many lines of the session contain the fixed string.
tm_count() { tm_text "$1" | grep -cF -- "$2"; }
tm_alive() { tm has-session -t "$1" 2>/dev/null; }
tm_pid() { tm display-message -p -t "$1" '#{pane_pid}'; }

_last_matches() { tm_last "$1" | grep -qE -- "$2"; }
_count_above() { [ "$(tm_count "$1" "$2")" -gt "$3" ]; }
_gone() { ! tm_alive "$1"; }

# wait_last NAME REGEX: the cursor's line matches REGEX (extended).
wait_last() { poll "$TMUX_WAIT" _last_matches "$1" "$2"; }
# send_wait NAME TEXT KEYS...: send the keys, then wait until one more line
# than before contains TEXT. Text already on screen does not count.
send_wait() {
	local name=$1 text=$2 before
	shift 2
	before=$(tm_count "$name" "$text")
	tm send-keys -t "$name" "$@"
	poll "$TMUX_WAIT" _count_above "$name" "$text" "$before"
}
# answer NAME LINE TEXT: type LINE literally and Enter, then wait as send_wait.
answer() {
	local name=$1 line=$2 text=$3 before
	before=$(tm_count "$name" "$text")
	[ -n "$line" ] && tm send-keys -t "$name" -l "$line"
	tm send-keys -t "$name" Enter
	poll "$TMUX_WAIT" _count_above "$name" "$text" "$before"
}
wait_gone() { poll "$TMUX_WAIT" _gone "$1"; }

# On failure, show the screen's end in the TAP log.
show_screen() { tm_text "$1" | tail -n "${2:-15}" | sed 's/^/#   | /'; }

# step DESCRIPTION COMMAND...: one TAP line; on failure, the end of the
# screen of session $s.
step() {
	local d=$1
	shift
	if "$@"; then ok "$d"; else
		not_ok "$d"
		show_screen "$s"
	fi
}
