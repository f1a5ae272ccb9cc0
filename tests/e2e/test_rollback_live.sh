#!/usr/bin/env bash
# rollbackconfig against the running engines: commit three versions, roll
# back to the first of them, and prove with openssl s_client that HTTPS and
# STARTTLS enforce that version's policy again, with no daemon restart, and
# that history shows the rollback as a fourth commit.
. "$(dirname "$0")/e2e_lib.sh"

home=$(new_home rollback)
if ! start_daemon "$home"; then
	not_ok "tlsgated starts"
	done_testing
	exit 1
fi
versions() { sqlite3 "$home/config.db" "SELECT count(*) FROM config_versions"; }
G='HIGH:MEDIUM:@STRENGTH:!aNULL:!eNULL:!LOW:!DES:!MD5:!EXP:!PSK:!DSS:!RC2:!RC4:!SEED:!ECDSA:!ADH:!IDEA:!3DES:!SSLv2:!SSLv3:!TLSv1:-aNULL:-EXPORT:-IDEA:!DHE-RSA-AES128-CCM:!DHE-RSA-AES256-CCM:!DHE-RSA-AES256-SHA'

# Menu: 1 TLS v1.3, 2 TLS v1.2. First: TLS v1.3 only on both listeners.
check "version A: GUI TLS v1.3 only" commit_sslconfig "$home" gui 1 "$G"
check "version A: inbound TLS v1.3 only" commit_sslconfig "$home" inbound 1 "$G"
first=$(sqlite3 "$home/config.db" "SELECT max(version) FROM config_versions")
check "version B: GUI TLS v1.2 only" commit_sslconfig "$home" gui 2 "$G"
check "version C: inbound TLS v1.2 only" commit_sslconfig "$home" inbound 2 "$G"
check_fails "before the rollback: GUI refuses TLS 1.3" handshake "$HTTPS_PORT" 1.3
check_fails "before the rollback: inbound refuses TLS 1.3" handshake "$SMTP_PORT" 1.3 smtp
before=$(versions)

# ROLLBACK lists newest first: 1 = the version before C, 2 = before that (A).
list=$(printf '\n' | "$TLSGATE" --home "$home" -c rollbackconfig)
pick=$(sed -nE "s/^ +([0-9]+)\. .* $first +.*/\1/p" <<<"$list" | head -n 1)
check "version A ($first) is offered" test -n "$pick"
out=$(printf 'rollback\n%s\ny\ny\n\n' "$pick" | "$TLSGATE" --home "$home" -c rollbackconfig)
check "the rollback is committed" grep -q '^Changes committed: ' <<<"$out"
applied=yes; grep -qE 'did not apply|not running' <<<"$out" && applied=no
check_eq "and applied by the running daemon" yes "$applied"
check_eq "history: one more commit" "$((before + 1))" "$(versions)"

check "after the rollback: GUI accepts TLS 1.3" handshake "$HTTPS_PORT" 1.3
check_fails "after the rollback: GUI refuses TLS 1.2" handshake "$HTTPS_PORT" 1.2
check "after the rollback: inbound accepts TLS 1.3" handshake "$SMTP_PORT" 1.3 smtp
check_fails "after the rollback: inbound refuses TLS 1.2" handshake "$SMTP_PORT" 1.2 smtp
check "the daemon never restarted" kill -0 "$DAEMON_PID"
done_testing
