#!/usr/bin/env bash
# test_commit_load: handshake load on both services while a commit lands
# every 200 ms (12 s here; 60 s under SOAK=1). The policies alternate between
# "TLS 1.3 only" and "TLS 1.2-1.3", which both admit the TLS 1.3 load, so no
# connection may fail; afterwards the daemon holds no more descriptors and
# (within 2 MB) no more memory than after a warm-up under the same load.
. "$(dirname "$0")/../e2e/e2e_lib.sh"

secs=12
[ -n "${SOAK:-}" ] && secs=60
BENCH_LOAD=$TOP/$BUILD/bench/load
home=$(new_home commitload)
if ! start_daemon "$home"; then
	not_ok "tlsgated starts"
	done_testing
	exit 1
fi
fds() { find "/proc/$DAEMON_PID/fd" -mindepth 1 | wc -l; }
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$DAEMON_PID/status"; }
commit_both() { # METHODS
	printf 'sslconfig\nGUI\n%s\nHIGH:!aNULL\nN\nINBOUND\n%s\nHIGH:!aNULL\nN\n\ncommit "load %s"\n' \
		"$1" "$1" "$1" | "$TLSGATE" --home "$home" >"$TEST_TMP/commit.out" 2>&1 &&
		grep -q '^Changes committed' "$TEST_TMP/commit.out" &&
		! grep -qE 'did not apply|not running' "$TEST_TMP/commit.out"
}
load() { # SECONDS PREFIX
	local a b
	"$BENCH_LOAD" --connect "127.0.0.1:$HTTPS_PORT" --mode https --tls 1.3 --threads 2 \
		--duration "$1" >"$TEST_TMP/$2.https" &
	a=$!
	"$BENCH_LOAD" --connect "127.0.0.1:$SMTP_PORT" --mode starttls --tls 1.3 --threads 2 \
		--duration "$1" >"$TEST_TMP/$2.smtp" &
	b=$!
	wait "$a" "$b"
}
commit_both 1-2
# Warm-up: the same load and a few commits, so caches and pools are full.
(for m in 1 1-2 1 1-2; do commit_both "$m"; sleep 0.2; done) &
warm_commits=$!
load 2 warm
wait "$warm_commits"
fds_at_most() { [ "$(fds)" -le "$1" ]; } # read again at every try of a poll
poll 10 fds_at_most 20
fd0=$(fds) rss0=$(rss)

"$BENCH_LOAD" --connect "127.0.0.1:$HTTPS_PORT" --mode https --tls 1.3 --threads 2 \
	--duration "$secs" >"$TEST_TMP/run.https" &
https_load=$!
"$BENCH_LOAD" --connect "127.0.0.1:$SMTP_PORT" --mode starttls --tls 1.3 --threads 2 \
	--duration "$secs" >"$TEST_TMP/run.smtp" &
smtp_load=$!
commits=0 failed_commits=0
end=$((SECONDS + secs - 1))
while [ "$SECONDS" -lt "$end" ]; do
	m=1
	[ $((commits % 2)) = 1 ] && m=1-2
	if commit_both "$m"; then commits=$((commits + 1)); else failed_commits=$((failed_commits + 1)); fi
	sleep 0.2
done
wait "$https_load" "$smtp_load"
echo "# $commits commits; https: $(cat "$TEST_TMP/run.https")"
echo "# smtp: $(cat "$TEST_TMP/run.smtp")"
# A commit every 200 ms after the previous one returned; on a loaded machine a
# commit itself can take longer than that.
check "commits landed back to back, 200 ms apart ($commits in $secs s)" test "$commits" -ge $((secs / 2))
check_eq "no commit failed" 0 "$failed_commits"
for svc in https smtp; do
	line=$(cat "$TEST_TMP/run.$svc")
	okc=$(sed -n 's/.*ok=\([0-9]*\).*/\1/p' <<<"$line")
	failed=$(sed -n 's/.*failed=\([0-9]*\).*/\1/p' <<<"$line")
	check "$svc: handshakes completed under the commits ($okc)" test "${okc:-0}" -gt 100
	check_eq "$svc: no connection failed" 0 "${failed:-x}"
done
check "descriptors back to the warm level ($fd0) once the load ends" poll 30 fds_at_most "$fd0"
rss1=$(rss)
echo "# RSS after warm-up ${rss0} kB, after the run ${rss1} kB"
if [ "$BUILD" = build-san ]; then
	ok "# SKIP memory growth: ASan's quarantine holds freed memory (RSS $rss0 -> $rss1 kB)"
else
	check "memory did not grow (RSS $rss0 -> $rss1 kB, 2 MB allowed)" test "$rss1" -le $((rss0 + 2048))
fi
check_eq "the daemon ends on the latest version" \
	"version $(sqlite3 "$home/config.db" 'SELECT max(version) FROM config_versions')" \
	"$(control "$home" status)"
done_testing
