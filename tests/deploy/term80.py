#!/usr/bin/env python3
"""term80: the console on an 80-column terminal, as automation meets it
(issue 13 item 1 and 2). pexpect runs `ssh -tt` with dimensions (24, 80) and
the TERM given, and waits only for the client patterns of
../shared/spec/asyncos-cli.md (section 1 and certconfig): the prompt learned
as "up to 120 characters then '> '", questions by "[default]> ", the bare
"> " of certconfig, and the renewal client's overwrite question
    already exists\\.\\s*Do you want to\\s+overwrite with this new one\\? \\[N\\]> ?
Every question and prompt is checked as it arrives: no carriage return that
is not part of a line end, no backspace, no escape sequence inside its text,
and printed once.

  term80.py renewal --term xterm --port P --identity KEY --user U \\
      --name NAME --file first.p12 --renew-file second.p12 --passphrase PW \\
      --methods 1-3 --ciphers EXPECTED_DEFAULT_CIPHER_STRING
  term80.py paste --term vt100 --port P --identity KEY --user U \\
      --name NAME --cert cert.pem --key key.pem

Prints "# step: ..." lines and ends with "scenario ok" or "scenario FAILED: why".
"""
import argparse
import os
import re
import sys

import pexpect

PROMPT_LEARN = re.compile(r"(?:^|\r?\n)([^\r\n]{1,120}?)> $")
QUESTION = re.compile(r"\[(.*)\]> $")
BARE = re.compile(r"\r?\n> $")
OVERWRITE = re.compile(r"already exists\.\s*Do you want to\s+overwrite with this new one\? \[N\]> ?")
# A carriage return not followed by a line feed, a backspace, an escape.
ARTEFACT = re.compile(r"\r(?!\n)|\x08|\x1b")


class Failed(Exception):
    pass


class Term:
    def __init__(self, args, log):
        argv = ["-tt", "-F", "/dev/null", "-o", "StrictHostKeyChecking=no",
                "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
                "-o", "BatchMode=yes", "-i", args.identity, "-p", str(args.port),
                "%s@127.0.0.1" % args.user]
        env = dict(os.environ, TERM=args.term)
        self.c = pexpect.spawn("ssh", argv, timeout=args.timeout, encoding="utf-8",
                               codec_errors="replace", dimensions=(24, 80), env=env)
        self.c.logfile_read = log
        self.prompt = None
        self.text = ""

    def expect(self, pattern, what):
        try:
            self.c.expect([pattern])
        except pexpect.TIMEOUT:
            raise Failed("timed out waiting for %s; last output: %r" % (what, self.c.before[-300:]))
        except pexpect.EOF:
            raise Failed("connection closed waiting for %s; last output: %r"
                         % (what, self.c.before[-300:]))
        after = self.c.after if isinstance(self.c.after, str) else ""
        self.text = self.c.before + after
        return self.c.match

    def clean(self, start, what):
        """The text from the last `start` to the end: one copy, no artefacts."""
        i = self.text.rfind(start)
        if i < 0:
            raise Failed("%s: %r is not in %r" % (what, start, self.text[-300:]))
        q = self.text[i:]
        bad = ARTEFACT.search(q)
        if bad:
            raise Failed("%s: %r inside the question: %r" % (what, bad.group(0), q))
        n = self.text.count(start)
        if n != 1:
            raise Failed("%s: printed %d times: %r" % (what, n, self.text[-400:]))
        return q

    def learn_prompt(self):
        m = self.expect(PROMPT_LEARN, "the first prompt")
        self.prompt = m.group(1) + "> "
        self.prompt_re = re.compile(re.escape(self.prompt) + "$")
        return self.prompt

    def at_prompt(self, what):
        self.expect(self.prompt_re, "the prompt after %s" % what)
        self.clean(self.prompt, "the prompt after %s" % what)
        return self.text

    def question(self, start, what=None):
        self.expect(QUESTION, "the question %r" % start)
        return self.clean(start, what or start)

    def bare(self, start):
        self.expect(BARE, "the question %r" % start)
        return self.clean(start, start)

    def send(self, line):
        self.c.sendline(line)

    def menu(self, op):
        self.question("Choose the operation you want to perform:")
        self.send(op)

    def leave_menus(self, what):
        while True:
            i = self.c.expect([self.prompt_re, QUESTION])
            self.text = self.c.before + self.c.after
            if i == 0:
                self.clean(self.prompt, "the prompt after %s" % what)
                return
            self.clean("Choose the operation you want to perform:", "a menu after %s" % what)
            self.send("")

    def commit(self, comment):
        self.send("commit")
        self.question("Please enter some comments describing your changes:")
        self.send(comment)
        self.question("Do you want to save the current configuration for rollback? [Y]>")
        self.send("")
        out = self.at_prompt("commit")
        if "Changes committed" not in out:
            raise Failed("the commit failed: %r" % out[-400:])

    def import_p12(self, name, filename, passphrase, overwrite):
        self.send("certconfig")
        self.menu("CERTIFICATE")
        self.menu("IMPORT")
        self.bare("Enter a name for this certificate profile:")
        self.send(name)
        if overwrite:
            # The renewal client's own pattern, nothing looser.
            self.expect(OVERWRITE, "the overwrite question (client pattern)")
            self.clean('Certificate profile "%s" already exists.' % name, "the overwrite question")
            print("\n# step: the overwrite question matched the client pattern")
            self.send("Y")
        self.question('Enter the name of the file on machine "', "the file question")
        self.send(filename)
        self.bare("Enter passphrase:")
        self.send(passphrase)
        self.leave_menus("IMPORT")

    def sslconfig_inbound(self, methods, ciphers):
        self.send("sslconfig")
        self.menu("INBOUND")
        self.question("Enter the inbound SMTP SSL method you want to use.")
        self.send(methods)
        q = self.question("Enter the inbound SMTP ssl cipher you want to use.", "the cipher question")
        got = QUESTION.search(q).group(1)
        if got != ciphers:
            raise Failed("the cipher default arrived as %r, not %r" % (got, ciphers))
        print("\n# step: the cipher question arrived whole (%d characters)" % len(got))
        self.send("")
        self.question("Do you want to enable TLS Renegotiation for inbound SMTP?")
        self.send("")
        self.leave_menus("INBOUND")

    def exit(self):
        self.send("exit")
        self.expect(pexpect.EOF, "the end of the session")
        self.c.wait()
        return self.c.exitstatus


def renewal(args, t):
    t.import_p12(args.name, args.file, args.passphrase, overwrite=False)
    t.commit("certificate %s" % args.name)
    print("\n# step: imported and committed %s" % args.name)
    t.import_p12(args.name, args.renew_file, args.passphrase, overwrite=True)
    t.commit("renewal of %s" % args.name)
    print("\n# step: renewed (overwritten) and committed %s" % args.name)
    t.sslconfig_inbound(args.methods, args.ciphers)
    t.commit("inbound TLS methods %s" % args.methods)
    print("\n# step: committed the sslconfig INBOUND edit")


def paste(args, t):
    with open(args.cert) as f:
        cert = f.read()
    with open(args.key) as f:
        key = f.read()
    t.send("certconfig")
    t.menu("CERTIFICATE")
    t.menu("PASTE")
    t.bare("Enter a name for this certificate profile:")
    t.send(args.name)
    t.expect(re.compile(r"Paste public certificate in PEM format \(end with '\.'\):\s*$"),
             "the certificate paste question")
    t.c.send(cert + ".\n")  # ONE write, as a terminal paste arrives
    t.expect(re.compile(r"Paste private key in PEM format \(end with '\.'\):\s*$"),
             "the private key paste question")
    t.c.send(key + ".\n")  # ONE write
    t.question("Do you want to add an intermediate certificate? [N]>",
               "the intermediate question after the pasted key")
    if "PRIVATE KEY" in t.text:
        raise Failed("the pasted private key was echoed: %r" % t.text[-400:])
    print("\n# step: the key pasted in one write was accepted, nothing echoed")
    t.send("N")
    t.leave_menus("PASTE")
    t.commit("pasted %s" % args.name)


SCENARIOS = {"renewal": renewal, "paste": paste}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("scenario", choices=sorted(SCENARIOS))
    p.add_argument("--term", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--identity", required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--file")
    p.add_argument("--renew-file")
    p.add_argument("--passphrase", default="")
    p.add_argument("--ciphers")
    p.add_argument("--methods", default="1-3", help="answer to the INBOUND method question")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--timeout", type=int, default=8)
    args = p.parse_args()
    t = Term(args, sys.stdout)
    try:
        prompt = t.learn_prompt()
        print("\n# step: learned the prompt %r" % prompt)
        if prompt != "mail.example.com> ":
            raise Failed("the prompt is %r, not 'mail.example.com> '" % prompt)
        SCENARIOS[args.scenario](args, t)
        status = t.exit()
        if status != 0:
            raise Failed("ssh exit status %r" % status)
    except Failed as e:
        print("\nscenario FAILED: %s" % e)
        return 1
    print("\nscenario ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
