"""tlsgate_e2e: Python helpers for the e2e test scripts: real sockets and real
TLS (the ssl module, i.e. OpenSSL) talking to a running tlsgated. Checks print
"PASS text" or "FAIL text"; e2e_lib.sh's py_checks turns them into TAP."""
import json
import socket
import ssl
import subprocess
import time

VERSIONS = {
    "1.0": ssl.TLSVersion.TLSv1,
    "1.1": ssl.TLSVersion.TLSv1_1,
    "1.2": ssl.TLSVersion.TLSv1_2,
    "1.3": ssl.TLSVersion.TLSv1_3,
}


def check(ok, text, detail=None):
    print(("PASS " if ok else "FAIL ") + text)
    if not ok and detail is not None:
        print("  got: %r" % (detail,))
    return ok


def client_context(version=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    if version:
        ctx.minimum_version = VERSIONS[version]
        ctx.maximum_version = VERSIONS[version]
    return ctx


def commit(tlsgate, home, service, methods, ciphers="DEFAULT"):
    """An sslconfig edit committed through the shell, as an admin would."""
    reneg = "" if service == "outbound" else "\n"
    script = "sslconfig\n%s\n%s\n%s\n%s\ncommit\ne2e\n\n" % (service, methods, ciphers, reneg)
    out = subprocess.run([tlsgate, "--home", home], input=script.encode(),
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
    text = out.stdout.decode()
    return out.returncode == 0 and "Changes committed" in text and "did not apply" not in text


class Smtp:
    """A line-level SMTP client that shows exactly what the server sends."""

    def __init__(self, port, timeout=10):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise EOFError("connection closed; pending %r" % self.buf)
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line.decode("latin-1")

    def reply(self):
        """(code, [lines]) of one possibly multi-line reply."""
        lines = []
        while True:
            line = self._line()
            lines.append(line)
            if len(line) < 4 or line[3] != "-":
                return int(line[:3]), lines

    def send(self, data):
        self.sock.sendall(data.encode("latin-1") if isinstance(data, str) else data)

    def cmd(self, line):
        self.send(line + "\r\n")
        return self.reply()

    def starttls(self, ctx):
        """After a 220 to STARTTLS: nothing else may have come in the clear."""
        pending = self.buf
        self.sock = ctx.wrap_socket(self.sock)
        return pending

    def closed(self, wait):
        """True when the server closes the connection within `wait` seconds."""
        self.sock.settimeout(wait)
        try:
            while True:
                chunk = self.sock.recv(4096)
                if not chunk:
                    return True
                self.buf += chunk
        except (socket.timeout, TimeoutError):
            return False
        except (ConnectionResetError, ssl.SSLError):
            return True

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class Https:
    """One keep-alive HTTP/1.1 connection over TLS."""

    def __init__(self, port, version=None, timeout=10):
        raw = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock = client_context(version).wrap_socket(raw)
        self.buf = b""

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("connection closed")
        self.buf += chunk

    def request(self, raw):
        """Sends raw request bytes; returns (status, headers dict, body)."""
        self.sock.sendall(raw)
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
        length = int(headers.get("content-length", "0"))
        if raw.startswith(b"HEAD "):
            length = 0
        while len(self.buf) < length:
            self._fill()
        body, self.buf = self.buf[:length], self.buf[length:]
        return status, headers, body

    def get(self, path):
        req = "GET %s HTTP/1.1\r\nHost: tlsgate\r\n\r\n" % path
        return self.request(req.encode())

    def version(self):
        return self.sock.version()

    def closed(self, wait):
        self.sock.settimeout(wait)
        try:
            return self.sock.recv(1) == b""
        except (socket.timeout, TimeoutError):
            return False
        except (ConnectionResetError, ssl.SSLError, OSError):
            return True


def sslconfig_json(port):
    conn = Https(port)
    status, _, body = conn.get("/api/sslconfig")
    return status, json.loads(body)


def elapsed(since):
    return time.monotonic() - since
