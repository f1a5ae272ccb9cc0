#!/usr/bin/env bash
# Network > Certificates NEW makes its key off the event loop (web_keygen.c):
# while an RSA 4096 key is being made, the HTTPS service answers other
# requests; at most two keys at a time, one more is answered "busy" (503) at
# once; a client that hangs up, a session that ends, or a daemon stopped while
# a key is being made neither crashes nor stages anything it should not.
. "$(dirname "${BASH_SOURCE[0]}")/webui_lib.sh"

webui_home keygen
start_daemon "$HOME_DIR" || { not_ok "daemon starts"; done_testing; exit 1; }
URL=https://127.0.0.1:$HTTPS_PORT
LOG=$HOME_DIR/logs/mail_logs
J=(-H 'Accept: application/json')
staged_keys() { sqlite3 "$HOME_DIR/config.db" "SELECT key FROM staged ORDER BY key" | paste -sd ' ' -; }

check_eq "admin logs in" 303 "$(login "$TEST_TMP/adm" admin adminpass1)"
csrf=$(csrf_of "$TEST_TMP/adm")
new_key() { # NAME [CURL OPTIONS...]: POST NEW with an RSA 4096 key; prints the status
	local name=$1
	shift
	curl -sk --max-time 60 "${J[@]}" -b "$TEST_TMP/adm" -o "$TEST_TMP/new-$name" \
		-w '%{http_code}' "$@" -d "csrf=$csrf&name=$name&key=rsa4096&cn=$name.test&days=30" \
		"$URL/certificates/new"
}

# ---- other requests are answered while the key is made ----
# Each GET is a new connection and handshake. The event loop blocked by the
# key (before web_keygen) answers at most one of them before the key's reply.
answered_during() { # NAME: how many GETs came back while NEW was running
	local n=0 t
	new_key "$1" >"$TEST_TMP/code-$1" &
	local pid=$!
	sleep 0.1
	while kill -0 "$pid" 2>/dev/null; do
		t=$(curl -sk --max-time 10 -o /dev/null -w '%{http_code} %{time_total}' \
			-b "$TEST_TMP/adm" "$URL/api/session")
		if kill -0 "$pid" 2>/dev/null && [ "${t%% *}" = 200 ] &&
			awk -v t="${t#* }" 'BEGIN { exit !(t < 0.5) }'; then
			n=$((n + 1))
		fi
	done
	wait "$pid"
	echo "$n"
}
best=0
for try in 1 2 3; do # a key found very fast leaves no time: try again
	n=$(answered_during "big$try")
	[ "$n" -gt "$best" ] && best=$n
	[ "$best" -ge 3 ] && break
done
check "while an RSA 4096 key was made, at least 3 other requests were answered (best $best, each < 0.5 s)" \
	[ "$best" -ge 3 ]
check_eq "... and the key's own request succeeded" 200 "$(cat "$TEST_TMP/code-big$try")"
check_eq "... staged as a profile" 1 \
	"$(sqlite3 "$HOME_DIR/config.db" "SELECT count(*) FROM staged WHERE key = 'cert.big$try'")"

# ---- two at a time; the next is told the appliance is busy ----
pids=()
for i in 1 2 3 4 5; do
	new_key "par$i" >"$TEST_TMP/code-par$i" &
	pids+=($!)
done
wait "${pids[@]}" # (a bare wait would wait for the daemon too)
codes=$(for f in "$TEST_TMP"/code-par*; do cat "$f"; echo; done | sort | uniq -c |
	awk '{ printf "%s:%s ", $2, $1 }')
check "five at once: some made (200), the others refused at once with 503 ($codes)" \
	bash -c "[[ '$codes' =~ 200:[2-5] ]] && [[ '$codes' =~ 503:[1-3] ]]"
check "... 503 says: busy making other keys; try again" \
	grep -qh 'The appliance is busy making other keys; try again in a moment.' "$TEST_TMP"/new-par*
check "... and is logged" poll 3 grep -q "new key refused, 2 keys are being made" "$LOG"
made=$(grep -lx 200 "$TEST_TMP"/code-par* | wc -l)
check_eq "every 200 is a staged profile (par*)" "$made" \
	"$(sqlite3 "$HOME_DIR/config.db" "SELECT count(*) FROM staged WHERE key LIKE 'cert.par%'")"

# ---- a client that hangs up while its key is made ----
code=$(new_key gone --max-time 0.3)
check "a client that gives up after 0.3 s gets no answer (curl: $code)" [ "$code" = 000 ]
gone_staged() { [ "$(sqlite3 "$HOME_DIR/config.db" "SELECT count(*) FROM staged WHERE key = 'cert.gone'")" = 1 ]; }
check "... its key is still made and staged (the reply goes nowhere)" poll 60 gone_staged
check_eq "the daemon lives on and answers" 200 \
	"$(curl -sk --max-time 10 -o /dev/null -w '%{http_code}' -b "$TEST_TMP/adm" "$URL/api/session")"

# ---- the session ends while the key is made: nothing staged ----
check_eq "operator logs in" 303 "$(login "$TEST_TMP/op" op operpass1)"
ocsrf=$(csrf_of "$TEST_TMP/op")
curl -sk --max-time 60 "${J[@]}" -b "$TEST_TMP/op" -o "$TEST_TMP/new-late" -w '%{http_code}' \
	-d "csrf=$ocsrf&name=late&key=rsa4096&cn=late.test&days=30" "$URL/certificates/new" \
	>"$TEST_TMP/code-late" &
pid=$!
sleep 0.1
check_eq "the operator logs out meanwhile" 303 \
	"$(curl -sk --max-time 10 -o /dev/null -w '%{http_code}' -b "$TEST_TMP/op" -d "csrf=$ocsrf" "$URL/logout")"
wait "$pid"
check_eq "the key's answer: 401 (the session is over)" 401 "$(cat "$TEST_TMP/code-late")"
check_eq "... nothing staged for the operator" 0 \
	"$(sqlite3 "$HOME_DIR/config.db" "SELECT count(*) FROM staged WHERE user = 'op'")"
check "... logged" poll 3 grep -q "POST /certificates/new refused for no session .*: session ended while the key was made" "$LOG"

# ---- the daemon stops while a key is made ----
new_key stop >/dev/null &
pid=$!
sleep 0.2
kill -TERM "$DAEMON_PID"
status=0
wait "$DAEMON_PID" || status=$?
check_eq "SIGTERM while a key is made: tlsgated exits 0" 0 "$status"
wait "$pid"
check "no sanitizer or crash report" bash -c "! grep -qiE 'AddressSanitizer|runtime error|Segmentation' '$TEST_TMP/daemon.err'"
done_testing
