#!/usr/bin/python3
"""smtp_receiver: real SMTP servers on loopback for the delivery tests
(aiosmtpd, with or without STARTTLS). Each --server NAME:PORT:MODE[:CERT:KEY]
listens on 127.0.0.1:PORT; MODE is plain (no STARTTLS), tls (STARTTLS with
CERT/KEY) or tls13 (STARTTLS, TLS 1.3 only). Every accepted message becomes a
JSON line in OUT/NAME.jsonl: {"id": X-Test-Id, "tls": version or null,
"cipher", "rcpt": [...], "from", "subject"}. RCPT commands are appended to
OUT/NAME.events before the reply. Recipients starting with "reject" get 550,
"later" gets 451 on its first try. --rcpt-delay slows every RCPT (so a test
can kill the sender mid-transaction). OUT/ready appears once all listen."""
import argparse, asyncio, email, json, os, ssl, sys, time
from aiosmtpd.controller import Controller


class Handler:
    def __init__(self, name, out, delay):
        self.name, self.out, self.delay, self.seen_later = name, out, delay, set()

    def event(self, text):
        with open(os.path.join(self.out, self.name + ".events"), "a") as f:
            f.write(text + "\n")

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.event("rcpt " + address)
        if self.delay:
            await asyncio.sleep(self.delay)
        local = address.split("@")[0]
        if local.startswith("reject"):
            return "550 5.1.1 <%s>: Recipient address rejected: no such user" % address
        if local.startswith("later") and address not in self.seen_later:
            self.seen_later.add(address)
            return "451 4.3.0 <%s>: try again later" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content)
        tls = cipher = None
        if session.ssl:
            obj = session.ssl.get("ssl_object")
            tls = obj.version() if obj else "TLS"
            cipher = obj.cipher()[0] if obj else None
        rec = {"id": msg.get("X-Test-Id"), "tls": tls, "cipher": cipher,
               "rcpt": envelope.rcpt_tos, "from": envelope.mail_from,
               "subject": msg.get("Subject")}
        if msg.get_content_type() == "application/tlsrpt+json":  # TLS-RPT reports
            rec["tlsrpt"] = json.loads(msg.get_payload(decode=True))
        with open(os.path.join(self.out, self.name + ".jsonl"), "a") as f:
            f.write(json.dumps(rec) + "\n")
            f.flush()
            os.fsync(f.fileno())
        return "250 2.0.0 Ok: stored"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--server", action="append", default=[])
    ap.add_argument("--rcpt-delay", type=float, default=0)
    a = ap.parse_args()
    controllers = []
    for spec in a.server:
        parts = spec.split(":")
        name, port, mode = parts[0], int(parts[1]), parts[2]
        ctx = None
        if mode in ("tls", "tls13"):
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(parts[3], parts[4])
            if mode == "tls13":
                ctx.minimum_version = ssl.TLSVersion.TLSv1_3
            else:
                ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        c = Controller(Handler(name, a.out, a.rcpt_delay), hostname="127.0.0.1", port=port,
                       tls_context=ctx, server_hostname=name + ".receiver.test",
                       ready_timeout=10)
        c.start()
        controllers.append(c)
    open(os.path.join(a.out, "ready"), "w").close()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        for c in controllers:
            c.stop()


if __name__ == "__main__":
    main()
