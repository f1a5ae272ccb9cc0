#!/usr/bin/env bash
# test_ssh_held: items issue 12's review found held over SSH, kept held:
# the environment a client sends (SetEnv TLSGATE_HOME, LD_PRELOAD, INPUTRC)
# changes nothing, and forwarding (TCP -L, stdio -W, remote -R) is refused,
# for a ForceCommand user and a login-shell user, in the deployment topology
# (deploy_lib.sh: needs root).
. "$(dirname "$0")/deploy_lib.sh"

fc=$(dep_add_user fc)
sh=$(dep_add_user sh "$SSH_DIR/bin/tlsgate")
if dep_start_sshd "$sh"; then ok "sshd runs"; else
	not_ok "sshd runs"
	exit 1
fi
evil=$SSH_DIR/evil-home
for u in "$fc" "$sh"; do
	out=$(ssh_as "$u" -o SetEnv="TLSGATE_HOME=$evil LD_PRELOAD=/nonexistent/evil.so INPUTRC=/etc/shadow" \
		help </dev/null 2>&1)
	check_eq "$u: a session with client-sent TLSGATE_HOME, LD_PRELOAD, INPUTRC exits 0" 0 "$?"
	check "$u: LD_PRELOAD was not honoured" sh -c "! printf '%s' \"\$1\" | grep -qi preload" _ "$out"
	check "$u: the client's TLSGATE_HOME was not used" test ! -e "$evil"
	check "$u: the console ran on the configured home" test -e "$SSH_HOME/config.db"
	port=$(free_port)
	ssh_as "$u" -o ExitOnForwardFailure=yes -N -L "127.0.0.1:$port:127.0.0.1:$SSH_PORT" \
		</dev/null >"$TEST_TMP/fwd.out" 2>&1 &
	fwd=$!
	sleep 1
	if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null &&
		timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port; head -c 4 <&3" 2>/dev/null |
		grep -q SSH; then
		not_ok "$u: -L forwarding is refused"
	else
		ok "$u: -L forwarding is refused"
	fi
	kill "$fwd" 2>/dev/null
	wait "$fwd" 2>/dev/null
	out=$(timeout 15 ssh "${SSH_OPTS[@]}" -p "$SSH_PORT" "$u@127.0.0.1" -W "127.0.0.1:$SSH_PORT" \
		</dev/null 2>&1)
	check "$u: -W stdio forwarding is refused (\"${out:0:60}\")" \
		sh -c "! printf '%s' \"\$1\" | grep -q '^SSH-2.0' &&
			printf '%s' \"\$1\" | grep -qiE 'prohibited|forwarding failed|open failed'" _ "$out"
	out=$(timeout 15 ssh "${SSH_OPTS[@]}" -p "$SSH_PORT" "$u@127.0.0.1" -o ExitOnForwardFailure=yes \
		-N -R "127.0.0.1:$(free_port):127.0.0.1:22" </dev/null 2>&1)
	check_eq "$u: -R remote forwarding is refused (ssh exits 255)" 255 "$?"
done
done_testing
