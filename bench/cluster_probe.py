#!/usr/bin/python3
"""cluster_probe: commit-to-enforced on every gateway of a cluster.

N commits are made through the console on the first home, switching the GUI
between "TLS 1.3 only" and "TLS 1.2 and 1.3". For each commit:
  t0       = the moment the console process is started with the whole batch
             (sslconfig answers, then commit) on its stdin
  enforced = per gateway, the first moment a TLS 1.2 handshake probe (Python
             ssl, serial, one thread per gateway, 3 ms between handshakes)
             sees the new policy
The same run against one standalone gateway gives the single-gateway figure.
With --etcd, after each commit the members' own reports (/tlsgate/members/*
in etcd, written by each follower) give the wall time of each watch-triggered
apply (fetch the document, write the local copy, enforce through the control
socket). Prints one line of key=value results."""
import argparse
import base64
import json
import socket
import ssl
import statistics
import subprocess
import threading
import time
import urllib.request


def tls12_accepted(port):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            with ctx.wrap_socket(s):
                return True
    except (ssl.SSLError, OSError):
        return False


def wait_state(port, want12, out, key, deadline):
    while time.monotonic() < deadline:
        if tls12_accepted(port) == want12:
            out[key] = time.monotonic()
            return
        time.sleep(0.003)  # three probers must not starve the machine they measure
    out[key] = None


def etcd_members(endpoint):
    key = base64.b64encode(b"/tlsgate/members/").decode()
    end = base64.b64encode(b"/tlsgate/members0").decode()
    req = urllib.request.Request(endpoint + "/v3/kv/range",
                                 data=json.dumps({"key": key, "range_end": end}).encode())
    with urllib.request.urlopen(req, timeout=3) as r:
        kvs = json.load(r).get("kvs", [])
    return {base64.b64decode(kv["key"]).decode().rsplit("/", 1)[1]:
            json.loads(base64.b64decode(kv["value"])) for kv in kvs}


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tlsgate", required=True)
    ap.add_argument("--home", required=True, help="the home commits are made on")
    ap.add_argument("--ports", required=True, help="comma-separated GUI HTTPS ports")
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--etcd", help="an etcd endpoint: read the members' apply times")
    ap.add_argument("--self", default="", help="the committing machine (its apply is the console's)")
    a = ap.parse_args()
    ports = [int(p) for p in a.ports.split(",")]
    all_ms, per_gw, apply_us, failed = [], {p: [] for p in ports}, [], 0
    for i in range(a.n):
        only13 = i % 2 == 0
        batch = "sslconfig\ngui\n%s\nDEFAULT\n\n\ncommit\nbench %d\n\n" % ("1" if only13 else "1-2", i)
        out = {}
        deadline = time.monotonic() + 15
        threads = [threading.Thread(target=wait_state, args=(p, not only13, out, p, deadline))
                   for p in ports]
        t0 = time.monotonic()
        proc = subprocess.Popen([a.tlsgate, "--home", a.home], stdin=subprocess.PIPE,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for t in threads:
            t.start()
        proc.communicate(batch.encode())
        for t in threads:
            t.join()
        if proc.returncode != 0 or any(out.get(p) is None for p in ports):
            failed += 1
            continue
        for p in ports:
            per_gw[p].append((out[p] - t0) * 1000)
        all_ms.append((max(out.values()) - t0) * 1000)
        if a.etcd:
            time.sleep(0.3)  # the followers' reports follow their apply at once
            for name, r in etcd_members(a.etcd).items():
                if name != a.self and r.get("apply_us"):
                    apply_us.append(r["apply_us"])
    res = {"commits": a.n, "failed": failed}
    if all_ms:
        res["median_ms"] = "%.0f" % statistics.median(all_ms)
        res["p99_ms"] = "%.0f" % pct(all_ms, 99)
        res["per_gateway_median_ms"] = ";".join("%.0f" % statistics.median(v) for v in per_gw.values() if v)
    if apply_us:
        res["apply_median_ms"] = "%.1f" % (statistics.median(apply_us) / 1000)
        res["apply_p99_ms"] = "%.1f" % (pct(apply_us, 99) / 1000)
    print(" ".join("%s=%s" % kv for kv in res.items()))


if __name__ == "__main__":
    main()
