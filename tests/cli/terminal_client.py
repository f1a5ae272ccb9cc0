#!/usr/bin/env python3
"""terminal_client: the console on an 80-column pseudo-terminal, driven by
pexpect with the spec's client patterns (asyncos-cli.md 1 and 4), for one
TERM and locale. It renews a certificate profile by PASTE (the overwrite
question; the certificate, then the private key and its "." each sent in ONE
write), answers a method question with a NUL byte (refused, asked again),
takes the long cipher question's default, resizes the terminal at the main
prompt, commits, and leaves. Then it checks the raw bytes the terminal
received: no carriage return but in "\\r\\n", no backspace, no key line.

Prints "PASS what" / "FAIL what: detail" lines; exit status 1 on any FAIL.
"""
import argparse
import os
import re
import sys

import pexpect

OVERWRITE = re.compile(rb"already exists\.\s*Do you want to\s+overwrite with this new one\? \[N\]> ?")
QUESTION = re.compile(rb"\[(.*)\]> $")
PROMPT = re.compile(rb"(?:^|\r?\n)([^\r\n]{1,120}?)> $")

failures = 0


def result(ok, what, detail=""):
    global failures
    if ok:
        print("PASS " + what)
    else:
        failures += 1
        print("FAIL %s: %s" % (what, detail))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tlsgate", required=True)
    ap.add_argument("--home", required=True)
    ap.add_argument("--term", required=True)
    ap.add_argument("--lang", default="C.UTF-8")
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--raw", required=True, help="where to keep the raw output")
    a = ap.parse_args()

    env = dict(os.environ, TERM=a.term, LANG=a.lang, LC_ALL=a.lang)
    env.pop("COLUMNS", None)
    env.pop("LINES", None)
    raw = open(a.raw, "wb")
    c = pexpect.spawn(a.tlsgate, ["--home", a.home, "--user", "admin"], env=env,
                      dimensions=(24, 80), timeout=10)
    c.logfile_read = raw
    cert = open(a.cert).read()
    key = open(a.key).read()
    cipher_default = None
    try:
        c.expect(PROMPT)
        prompt = c.match.group(1) + b"> "
        result(prompt == b"mail.example.com> ", "the prompt is learned as 'mail.example.com> '",
               repr(prompt))
        c.sendline("certconfig")
        c.expect(QUESTION)
        c.sendline("CERTIFICATE")
        c.expect(QUESTION)
        c.sendline("PASTE")
        c.expect(b"Enter a name for this certificate profile:\r\n> ")
        c.sendline("lets_encrypt_mail")
        i = c.expect([OVERWRITE, QUESTION, pexpect.TIMEOUT])
        result(i == 0, "the renewal client's overwrite pattern matches",
               repr(c.before[-200:]))
        seen = c.before[-80:] + (c.after if i == 0 else b"")
        result(b"Do you want to\r\noverwrite with this new one? [N]> " in seen,
               "the overwrite question breaks after 'Do you want to', as AsyncOS", repr(seen))
        c.sendline("Y")
        c.expect(re.escape(b"Paste public certificate in PEM format (end with '.'):\r\n"))
        c.send(cert + ".\n")  # one write
        c.expect(re.escape(b"Paste private key in PEM format (end with '.'):\r\n"))
        c.send(key + ".\n")  # one write: the whole key and its "."
        i = c.expect([rb"intermediate certificate\? \[N\]> ", rb"Invalid[^\r]*", pexpect.TIMEOUT])
        result(i == 0, "a certificate and a key pasted in one write each are accepted",
               repr(c.after if i == 1 else c.before[-300:]))
        c.sendline("N")
        c.expect(QUESTION)
        c.sendline("")
        c.expect(QUESTION)
        c.sendline("")
        c.expect(re.escape(prompt) + b"$")

        c.sendline("sslconfig")
        c.expect(QUESTION)
        c.sendline("INBOUND")
        c.expect(rb"\[2-3\]> $")
        c.send("1\x00-3\r")
        i = c.expect([rb"The answer holds a NUL byte\.\r\n", QUESTION, pexpect.TIMEOUT])
        result(i == 0, "an answer with a NUL byte is refused", repr(c.before[-200:]))
        c.expect(rb"\[2-3\]> $")
        result(True, "... and the question is asked again")
        c.sendline("1-3")
        i = c.expect([QUESTION, pexpect.TIMEOUT])
        if i == 0:
            cipher_default = c.match.group(1)
        result(cipher_default is not None and cipher_default.startswith(b"HIGH:MEDIUM:")
               and cipher_default.endswith(b"!DHE-RSA-AES256-SHA"),
               "the long cipher question arrives whole: \\[(.*)\\]> gives the default",
               repr(cipher_default))
        c.sendline("")
        c.expect(rb"\? \[Y\]> $")
        c.sendline("")
        c.expect(QUESTION)
        c.sendline("")
        c.expect(re.escape(prompt) + b"$")
        # A resize at the prompt: readline must not draw the prompt again.
        c.setwinsize(24, 100)
        c.setwinsize(24, 80)
        c.sendline("commit")
        c.expect(QUESTION)
        c.sendline("renewed lets_encrypt_mail")
        c.expect(rb"\? \[Y\]> $")
        c.sendline("")
        i = c.expect([rb"Changes committed: [^\r]*", pexpect.TIMEOUT])
        result(i == 0, "the commit is done", repr(c.before[-300:]))
        c.expect(re.escape(prompt) + b"$")
        c.sendline("exit")
        c.expect(pexpect.EOF)
    except (pexpect.TIMEOUT, pexpect.EOF) as e:
        result(False, "the session runs to its end", "%s; last output %r"
               % (type(e).__name__, c.before[-400:]))
    raw.close()

    data = open(a.raw, "rb").read()
    stray = [data[max(0, m.start() - 40):m.end() + 20]
             for m in re.finditer(rb"\r(?!\n)|\x08", data)]
    result(not stray, "no carriage return (but in CRLF) and no backspace anywhere in the output",
           repr(stray[:3]))
    result(data.count(prompt) == data.count(b"\n" + prompt) + (1 if data.startswith(prompt) else 0),
           "every main prompt starts a line: none is drawn twice", "")
    key_lines = [l for l in key.splitlines() if l and not l.startswith("-----")]
    shown = [l for l in key_lines if l.encode() in data]
    result(not shown, "no line of the pasted private key was echoed", repr(shown[:1]))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
