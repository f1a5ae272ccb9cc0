#!/usr/bin/python3
"""commit_probe: how fast, and how strictly, a policy change is enforced.

  latency:  a prober (bench/load, one thread, serial TLS 1.2 handshakes,
            traced with wall-clock microseconds) runs while the policy is
            switched N times from "TLS 1.2 and 1.3" to "TLS 1.3 only" (and
            back between runs). For each switch:
              enforced = end of the first refused handshake - t0
              late     = handshakes that started after the change command
                         returned (t1) and still got TLS 1.2 (old policy)
            t0 is, for tlsgate, the moment the final line of a batch
            ("commit ...") is written to the shell's stdin, the dialog before
            it having been consumed; for nginx and Postfix, the start of
            `nginx -s reload` / `postfix reload` (config file already edited).
  underload: a TLS 1.3 load (accepted under both policies) runs while the
            policy flips every INTERVAL seconds; prints the load's result
            line and the number of flips.
Prints one line of key=value results."""
import argparse
import os
import select
import statistics
import subprocess
import sys
import time


def now_us():
    return time.time_ns() // 1000


class Target:
    """How to switch one server between the two policies."""

    def __init__(self, a):
        self.a = a

    def set_policy(self, tls13_only, timed=False):
        """Applies a policy; returns (t0, t1) in wall-clock microseconds."""
        a = self.a
        if a.kind == "tlsgate":
            return self._tlsgate(tls13_only, timed)
        if a.kind == "nginx":
            with open(a.nginx_protocols, "w") as f:
                f.write("ssl_protocols %s;\n" % ("TLSv1.3" if tls13_only else "TLSv1.2 TLSv1.3"))
            cmd = [a.nginx, "-p", a.nginx_prefix, "-c", a.nginx_conf, "-s", "reload"]
        else:
            subprocess.run([a.postconf, "-c", a.postfix_dir, "-e",
                            "smtpd_tls_protocols = >=%s" % ("TLSv1.3" if tls13_only else "TLSv1.2")],
                           check=True)
            cmd = [a.postfix, "-c", a.postfix_dir, "reload"]
        t0 = now_us()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return t0, now_us()

    def _tlsgate(self, tls13_only, timed):
        a = self.a
        dialog = "sslconfig\n%s\n%s\nHIGH:!aNULL\nN\n\n" % (a.service, "1" if tls13_only else "1-2")
        final = b'commit "bench"\n'
        shell = subprocess.Popen([a.tlsgate, "--home", a.home], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        shell.stdin.write(dialog.encode())
        shell.stdin.flush()
        # Wait until the dialog is consumed: the second top-level prompt.
        seen = b""
        deadline = time.monotonic() + 10
        while seen.count(b".com> ") < 2 and time.monotonic() < deadline:
            r, _, _ = select.select([shell.stdout], [], [], 0.5)
            if r:
                chunk = os.read(shell.stdout.fileno(), 65536)
                if not chunk:
                    break
                seen += chunk
        t0 = now_us()
        shell.stdin.write(final)
        shell.stdin.close()
        rest = shell.stdout.read()
        shell.wait()
        t1 = now_us()
        out = seen + rest
        if b"There is no data to commit" in out:
            return t0, t1  # already so
        if shell.returncode != 0 or b"Changes committed" not in out or b"did not apply" in out:
            sys.exit("commit failed:\n" + out.decode(errors="replace")[-2000:])
        return t0, t1


class Trace:
    """Incremental reader of the prober's trace: (start, end, ok, detail)."""

    def __init__(self, path):
        self.path, self.pos, self.rows = path, 0, []

    def poll(self):
        with open(self.path) as f:
            f.seek(self.pos)
            data = f.read()
        cut = data.rfind("\n") + 1
        self.pos += len(data[:cut].encode())
        for line in data[:cut].splitlines():
            parts = line.split(" ", 3)
            self.rows.append((int(parts[0]), int(parts[1]), parts[2] == "ok", parts[3] if len(parts) > 3 else ""))

    def wait_for(self, pred, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.poll()
            if any(pred(r) for r in self.rows):
                return True
            time.sleep(0.005)
        return False


def wait_stable(trace, since, settle):
    """Until the old policy is back everywhere: every handshake of the last
    `settle` seconds (at least 3, all started after `since`) succeeded."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        trace.poll()
        cut = now_us() - int(settle * 1e6)
        recent = [r for r in trace.rows if r[0] > max(since, cut)]
        if cut > since and len(recent) >= 3 and all(r[2] for r in recent):
            return
        time.sleep(0.01)
    sys.exit("the prober never settled on the old policy")


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(len(v) * p))]


def latency(a, target):
    trace_path = a.trace
    prober = subprocess.Popen([a.load, "--connect", a.connect, "--mode", a.mode, "--tls", "1.2",
                               "--threads", "1", "--duration", "3600", "--trace", trace_path],
                              stdout=subprocess.DEVNULL)
    trace = Trace(trace_path)
    enforced, late_counts, late_lag = [], [], []
    try:
        target.set_policy(False)
        for _ in range(a.n):
            wait_stable(trace, now_us(), a.settle)
            t0, t1 = target.set_policy(True, timed=True)
            if not trace.wait_for(lambda r: r[1] >= t0 and not r[2], 10):
                sys.exit("the prober never saw a refusal")
            time.sleep(a.settle)  # let an old worker show itself
            trace.poll()
            first_fail = min(r[1] for r in trace.rows if r[1] >= t0 and not r[2])
            enforced.append((first_fail - t0) / 1000)
            late = [r for r in trace.rows if r[0] > t1 and r[2]]
            late_counts.append(len(late))
            if late:
                late_lag.append((max(r[0] for r in late) - t1) / 1000)
            trace.rows = []
            target.set_policy(False)
            trace.poll()
            trace.rows = []
    finally:
        prober.terminate()
        prober.wait()
    print("n=%d median_ms=%.1f p99_ms=%.1f max_ms=%.1f late_accepts=%d runs_with_late=%d "
          "late_lag_max_ms=%.1f" % (a.n, statistics.median(enforced), pct(enforced, 0.99),
                                    max(enforced), sum(late_counts),
                                    sum(1 for c in late_counts if c), max(late_lag, default=0)))


def underload(a, target):
    load = subprocess.Popen([a.load, "--connect", a.connect, "--mode", a.mode, "--tls", "1.3",
                             "--threads", str(a.threads), "--duration", str(a.duration)],
                            stdout=subprocess.PIPE, text=True)
    flips = 0
    end = time.monotonic() + a.duration - a.interval
    time.sleep(a.interval / 2)
    while time.monotonic() < end:
        target.set_policy(flips % 2 == 0)
        flips += 1
        time.sleep(a.interval)
    out = load.communicate()[0].strip()
    target.set_policy(False)
    print("flips=%d %s" % (flips, out))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("what", choices=["latency", "underload"])
    p.add_argument("--kind", choices=["tlsgate", "nginx", "postfix"], required=True)
    p.add_argument("--load", required=True)
    p.add_argument("--connect", required=True)
    p.add_argument("--mode", default="https")
    p.add_argument("--trace", default="/dev/null")
    p.add_argument("--n", type=int, default=50)
    p.add_argument("--settle", type=float, default=0.1)
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--duration", type=float, default=5)
    p.add_argument("--interval", type=float, default=0.25)
    p.add_argument("--tlsgate")
    p.add_argument("--home")
    p.add_argument("--service", default="gui")
    p.add_argument("--nginx")
    p.add_argument("--nginx-prefix")
    p.add_argument("--nginx-conf")
    p.add_argument("--nginx-protocols")
    p.add_argument("--postfix", default="postfix")
    p.add_argument("--postconf", default="postconf")
    p.add_argument("--postfix-dir")
    a = p.parse_args()
    target = Target(a)
    (latency if a.what == "latency" else underload)(a, target)


if __name__ == "__main__":
    main()
