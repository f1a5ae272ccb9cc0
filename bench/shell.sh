# shellcheck shell=bash
# bench/shell.sh: the console rows of bench/run.sh, sourced by it (uses its
# helpers: row, verdict, say, ...): exec to first prompt, a 1,000-command
# batch, destconfig IMPORT of 10,000 domains, loadconfig/saveconfig.

shell_section() {
	shell_home=$W/tg-shell
	"$TLSGATE" --home "$shell_home" -c 'sethostname bench.example.com; commit "bench"' >/dev/null
	start_ms=$("$PY" - "$TLSGATE" "$shell_home" <<'EOF'
import os, statistics, subprocess, sys, time
runs = []
for _ in range(30):
    t = time.monotonic()
    p = subprocess.Popen([sys.argv[1], "--home", sys.argv[2]], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE)
    seen = b""
    while b"> " not in seen:
        chunk = os.read(p.stdout.fileno(), 4096)
        if not chunk:
            break
        seen += chunk
    runs.append((time.monotonic() - t) * 1000)
    p.stdin.close()
    p.wait()
print("%.1f" % statistics.median(runs))
EOF
	)
	row "shell: exec to first prompt, ms (median of 30)" "$start_ms" "-" "-" "≤ 10" \
		"$(verdict "$start_ms" "<=" 10)"
	{
		for i in $(seq 999); do echo "sethostname h$i.example.com"; done
		echo 'commit "1,000-command batch"'
	} >"$W/batch.in"
	t0=$(date +%s%N)
	"$TLSGATE" --home "$shell_home" <"$W/batch.in" >"$W/batch.out" 2>&1 || say "the batch failed"
	batch_ms=$(((($(date +%s%N) - t0)) / 1000000))
	row "shell: 1,000-command batch (999 sethostname + commit), ms" "$batch_ms" "-" "-" "-" "-"
	if "$TLSGATE" --home "$shell_home" -c help 2>/dev/null | grep -qi destconfig; then
		mkdir -p "$shell_home/configuration"
		{
			printf '[DEFAULT]\ntls = on\n'
			for i in $(seq 10000); do printf '\n[d%05d.example.com]\ntls = on\n' "$i"; done
		} >"$shell_home/configuration/bench-domains.ini"
		t0=$(date +%s%N)
		printf 'destconfig\nIMPORT\nbench-domains.ini\n\ncommit "10k domains"\n' |
			"$TLSGATE" --home "$shell_home" >"$W/import.out" 2>&1 || say "the import failed"
		import_ms=$(((($(date +%s%N) - t0)) / 1000000))
		rm -f "$shell_home/configuration/bench-domains.ini"
		row "destconfig IMPORT of 10,000 domains + commit, ms" "$import_ms" "-" "-" "≤ 2000" \
			"$(verdict "$import_ms" "<=" 2000)"
	else
		row "destconfig IMPORT of 10,000 domains + commit, ms" "n/a (destconfig not built)" "-" "-" \
			"≤ 2000" "-"
	fi

	# saveconfig / loadconfig: 10,000 destinations and 50 certificate profiles
	# (ECDSA, made by the openssl command line), loaded from a file and
	# committed on a fresh home, then saved again.
	if "$TLSGATE" --home "$shell_home" -c help 2>/dev/null | grep -q loadconfig; then
		cfg_home=$W/tg-config
		"$TLSGATE" --home "$cfg_home" -c 'sethostname bench.example.com; commit "h"' >/dev/null 2>&1
		mkdir -p "$cfg_home/configuration"
		{
			printf '<config>\n<passphrases option="plain"/>\n<settings>\n'
			# The file lists the profiles whole (Demo goes): the services use its own.
			for svc in gui inbound outbound; do
				printf '<setting name="%s.certificate">p01</setting>\n' "$svc"
			done
			printf '</settings>\n<entries kind="cert">\n'
			for i in $(seq 50); do
				openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
					-keyout "$W/p.key" -out "$W/p.pem" -days 30 -subj "/CN=p$i.example.com" \
					>/dev/null 2>&1
				printf '<entry name="p%02d">' "$i"
				cat "$W/p.pem"
				openssl pkey -in "$W/p.key" 2>/dev/null | sed '1s/^/<secret>/'
				printf '</secret></entry>\n'
			done
			printf '</entries>\n<entries kind="dest">\n'
			for i in $(seq 10000); do
				printf '<entry name="d%05d.example.com">tls=on\n</entry>\n' "$i"
			done
			printf '</entries>\n</config>\n'
		} >"$cfg_home/configuration/bench.xml"
		t0=$(date +%s%N)
		printf '2\nbench.xml\n' | "$TLSGATE" --home "$cfg_home" -c 'loadconfig; commit "bench"' \
			>"$W/loadconfig.out" 2>&1 || say "loadconfig failed: $(tail -n 2 "$W/loadconfig.out")"
		load_ms=$(((($(date +%s%N) - t0)) / 1000000))
		t0=$(date +%s%N)
		"$TLSGATE" --home "$cfg_home" -c 'saveconfig 3' >"$W/saveconfig.out" 2>&1 ||
			say "saveconfig failed"
		save_ms=$(((($(date +%s%N) - t0)) / 1000000))
		row "loadconfig (file) + commit of 10,000 destinations and 50 certificate profiles, ms" \
			"$load_ms" "-" "-" "≤ 2000" "$(verdict "$load_ms" "<=" 2000)"
		row "saveconfig (plain) of the same, ms" "$save_ms" "-" "-" "≤ 2000" \
			"$(verdict "$save_ms" "<=" 2000)"
	else
		row "loadconfig + commit / saveconfig of 10,000 destinations, 50 profiles, ms" \
			"n/a (not built)" "-" "-" "≤ 2000" "-"
	fi
}
