#!/usr/bin/env python3
# smtp_caps: the SMTP clients of tests/e2e/test_smtp_workers.sh, raw sockets
# on loopback (no retries that would hide a refusal).
#
#   caps ROUNDS HOLD PORTS PROBES [SOURCE]
#       each round: HOLD sessions greeted 220 and held in a transaction
#       (MAIL FROM: never evicted), spread round-robin over PORTS
#       (comma-separated); then PROBES fresh connections, round-robin too,
#       each read for its first reply; then the held sessions quit.
#       Prints "held=N/M refused421=N greeted220=N other=N".
#   evict ROUNDS IDLE PORT
#       each round: IDLE connections that only read the greeting (idle: the
#       first evicted when room is needed), then IDLE newcomers that are
#       greeted and hold a transaction, each taking the room of an idle one;
#       prints "evicted=N/M newcomers220=N/M".
#   across PORT N TLSGATE HOME DIALOG
#       N sessions held in a transaction while the console runs DIALOG
#       (printf escapes), then a NOOP on each; prints
#       "committed=True|False kept=N/M".
#   fresh PORT N greeting|mail
#       N fresh connections one after the other; prints the first reply's
#       codes (greeting), or the reply to MAIL FROM after EHLO (mail), sorted
#       and counted: "220=20" or "554=20", "250=3 530=17".
#   quota PORT N THREADS
#       N messages, each on its own connection, THREADS at once; prints
#       "accepted=N refused452=N other=N".
import collections
import smtplib
import socket
import sys
import threading
import time

HOST = "127.0.0.1"


class Conn:
    def __init__(self, port, source=None):
        self.s = socket.create_connection(
            (HOST, port), timeout=10, source_address=(source, 0) if source else None
        )
        self.f = self.s.makefile("rb")

    def reply(self):
        """The code of the next reply (its last line), 0 on EOF/reset, -1
        on a timeout."""
        try:
            while True:
                line = self.f.readline()
                if not line:
                    return 0
                if line[3:4] != b"-":
                    return int(line[:3])
        except socket.timeout:
            return -1
        except (OSError, ValueError):
            return 0

    def cmd(self, text):
        try:
            self.s.sendall(text.encode() + b"\r\n")
        except OSError:
            return 0
        return self.reply()

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


def hold_one(port, source, retry=True):
    """A session greeted 220, in a transaction; None if refused (retried for
    up to 3 s: the previous round's sessions may still be closing)."""
    deadline = time.time() + 3
    while True:
        c = Conn(port, source)
        if c.reply() == 220 and c.cmd("EHLO hold.example") == 250 and \
                c.cmd("MAIL FROM:<hold@example.com>") == 250:
            return c
        c.close()
        if not retry or time.time() > deadline:
            return None
        time.sleep(0.1)


def caps(rounds, hold, ports, probes, source=None):
    ports = [int(p) for p in ports.split(",")]
    count = collections.Counter()
    held_ok = 0
    for r in range(int(rounds)):
        held = []
        for i in range(int(hold)):
            c = hold_one(ports[i % len(ports)], source)
            if c:
                held.append(c)
        held_ok += len(held)
        for i in range(int(probes)):
            c = Conn(ports[i % len(ports)], source)
            code = c.reply()
            c.close()
            count["refused421" if code == 421 else "greeted220" if code == 220 else "other"] += 1
        for c in held:
            c.cmd("QUIT")
            c.close()
        time.sleep(0.2)
    print("held=%d/%d refused421=%d greeted220=%d other=%d" % (
        held_ok, int(rounds) * int(hold), count["refused421"], count["greeted220"],
        count["other"]))


def evict(rounds, idle, port):
    port, idle = int(port), int(idle)
    newcomers = evicted = 0
    for r in range(int(rounds)):
        idlers = []
        for i in range(idle):
            c = Conn(port)
            if c.reply() == 220:
                idlers.append(c)
        held = []
        for i in range(idle):
            c = hold_one(port, None, retry=False)
            if c:
                held.append(c)
        newcomers += len(held)
        for c in idlers:  # an evicted one has its 421 and EOF waiting
            c.s.settimeout(2)
            evicted += c.reply() in (421, 0)
            c.close()
        for c in held:
            c.cmd("QUIT")
            c.close()
        time.sleep(0.2)
    n = int(rounds) * idle
    print("evicted=%d/%d newcomers220=%d/%d" % (evicted, n, newcomers, n))


def across(port, n, tlsgate, home, dialog):
    import subprocess
    held = [c for c in (hold_one(int(port), None) for i in range(int(n))) if c]
    r = subprocess.run([tlsgate, "--home", home], input=dialog.encode().decode("unicode_escape"),
                       capture_output=True, text=True, timeout=60)
    ok = "Changes committed" in r.stdout and "did not apply" not in r.stdout
    kept = sum(c.cmd("NOOP") == 250 for c in held)
    for c in held:
        c.cmd("QUIT")
        c.close()
    print("committed=%s kept=%d/%d" % (ok, kept, int(n)))


def fresh(port, n, what):
    codes = collections.Counter()
    for i in range(int(n)):
        c = Conn(int(port))
        code = c.reply()
        if what == "mail" and code == 220:
            code = c.cmd("EHLO fresh.example") == 250 and c.cmd("MAIL FROM:<f@example.com>")
        c.cmd("QUIT")
        c.close()
        codes[int(code)] += 1
    print(" ".join("%d=%d" % kv for kv in sorted(codes.items())))


def quota(port, n, threads):
    res = collections.Counter()
    lock = threading.Lock()
    todo = list(range(int(n)))
    body = b"Subject: quota\r\n\r\nover the workers\r\n"

    def worker():
        while True:
            with lock:
                if not todo:
                    return
                todo.pop()
            key = "other"
            try:
                s = smtplib.SMTP(HOST, int(port), timeout=20)
                s.ehlo("quota.example")
                try:
                    s.sendmail("a@example.com", ["b@example.net"], body)
                    key = "accepted"
                except smtplib.SMTPResponseException as e:
                    if e.smtp_code == 452 and b"4.3.1" in e.smtp_error:
                        key = "refused452"
                    else:
                        print("#", e.smtp_code, e.smtp_error, flush=True)
                s.quit()
            except (OSError, smtplib.SMTPException) as e:
                print("#", repr(e), flush=True)
            with lock:
                res[key] += 1

    ts = [threading.Thread(target=worker) for _ in range(int(threads))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    print("accepted=%d refused452=%d other=%d" % (res["accepted"], res["refused452"], res["other"]))


if __name__ == "__main__":
    {"across": across, "caps": caps, "evict": evict, "fresh": fresh, "quota": quota}[sys.argv[1]](*sys.argv[2:])
