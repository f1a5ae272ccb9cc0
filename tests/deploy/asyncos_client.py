#!/usr/bin/env python3
"""asyncos_client: AsyncOS CLI automation over SSH, written the way scripts
against real Cisco appliances are: pexpect on `ssh -tt`, the prompt learned
from the output ("up to 120 characters, then '> ' at the end"), questions
recognised by their "[default]> " ending. The deployment tests (tests/deploy) run it unchanged
against tlsgate; it imports nothing from tlsgate.

Flow: log in, sslconfig -> INBOUND (methods, default ciphers, default
renegotiation), commit with a comment answering the rollback question with
Enter, optionally certconfig -> CERTIFICATE -> IMPORT of a PKCS#12 file put in
configuration/ by scp (only when the appliance lists certconfig), optionally
one more edit left uncommitted, then exit, answering N to "? [N]>".
"""
import argparse
import re
import sys

import pexpect

PROMPT_LEARN = re.compile(r"(?:^|\r?\n)([^\r\n]{1,120}?)> $")
QUESTION = re.compile(r"\[(.*)\]> $")
BARE_QUESTION = re.compile(r"\r?\n> $")  # AsyncOS asks some things with a bare "> "
YES_NO_N = re.compile(r"\? \[N\]> $")


class ClientError(Exception):
    pass


class AsyncOSClient:
    def __init__(self, ssh_argv, timeout=30, log=None):
        self.child = pexpect.spawn(ssh_argv[0], ssh_argv[1:], timeout=timeout,
                                   encoding="utf-8", codec_errors="replace",
                                   dimensions=(24, 80))
        self.child.logfile_read = log
        self.prompt = None
        self.prompt_re = None
        self.text = ""  # everything read by the last expect, match included

    def _expect(self, patterns, what):
        try:
            i = self.child.expect(patterns)
        except pexpect.TIMEOUT:
            raise ClientError("timed out waiting for %s; last output: %r"
                              % (what, self.child.before[-400:]))
        except pexpect.EOF:
            raise ClientError("the connection closed waiting for %s; last output: %r"
                              % (what, self.child.before[-400:]))
        after = self.child.after if isinstance(self.child.after, str) else ""
        self.text = self.child.before + after
        return i

    def learn_prompt(self):
        self._expect([PROMPT_LEARN], "the first prompt")
        self.prompt = self.child.match.group(1) + "> "
        self.prompt_re = re.compile(re.escape(self.prompt) + "$")
        return self.prompt

    def expect_prompt(self):
        self._expect([self.prompt_re], "the prompt %r" % self.prompt)
        return self.text

    def expect_question(self, contains=None):
        self._expect([QUESTION], "a question")
        if contains and contains not in self.text:
            raise ClientError("expected a question with %r, got %r" % (contains, self.text[-400:]))
        return self.text

    def expect_bare_question(self, contains):
        self._expect([QUESTION, BARE_QUESTION], "the question %r" % contains)
        if contains not in self.text:
            raise ClientError("expected a question with %r, got %r" % (contains, self.text[-400:]))
        return self.text

    def send(self, line):
        self.child.sendline(line)

    def run(self, command):
        """Type a command at the main prompt."""
        self.send(command)

    def leave_menus(self):
        """Enter at every operation menu until the main prompt is back."""
        while True:
            i = self._expect([self.prompt_re, QUESTION], "a menu or the prompt")
            if i == 0:
                return self.text
            if "Choose the operation" not in self.text:
                raise ClientError("unexpected question: %r" % self.text[-400:])
            self.send("")

    def help_lists(self, command):
        self.run("help")
        return re.search(r"(?m)^%s\s" % re.escape(command), self.expect_prompt()) is not None

    def sslconfig_inbound(self, methods):
        self.run("sslconfig")
        self.expect_question("Choose the operation you want to perform:")
        self.send("INBOUND")
        self.expect_question("inbound SMTP SSL method")
        self.send(methods)
        self.expect_question("inbound SMTP ssl cipher")
        self.send("")
        self.expect_question("TLS Renegotiation for inbound SMTP")
        self.send("")
        self.expect_question("Choose the operation you want to perform:")
        self.send("")
        self.expect_prompt()

    def sslconfig_flag(self, operation):
        self.run("sslconfig")
        self.expect_question("Choose the operation you want to perform:")
        self.send(operation)
        self.expect_question("Choose the operation you want to perform:")
        self.send("ENABLE")
        self.leave_menus()

    def commit(self, comment):
        self.run("commit")
        self.expect_question("Please enter some comments describing your changes:")
        self.send(comment)
        self.expect_question("Do you want to save the current configuration for rollback? [Y]>")
        self.send("")
        out = self.expect_prompt()
        if "Changes committed" not in out:
            raise ClientError("the commit failed: %r" % out[-400:])
        return out

    def certconfig_import(self, name, filename, passphrase):
        self.run("certconfig")
        self.expect_question("Choose the operation you want to perform:")
        self.send("CERTIFICATE")
        self.expect_question("Choose the operation you want to perform:")
        self.send("IMPORT")
        self.expect_bare_question("Enter a name for this certificate profile:")
        self.send(name)
        text = self.expect_bare_question("")
        if "already exists" in text:
            self.send("Y")
            text = self.expect_bare_question("")
        if "Enter the name of the file" not in text:
            raise ClientError("expected the file name question, got %r" % text[-400:])
        self.send(filename)
        self.expect_bare_question("Enter passphrase:")
        self.send(passphrase)
        self.leave_menus()

    def exit(self):
        self.run("exit")
        i = self._expect([YES_NO_N, pexpect.EOF], "the exit question or the end")
        if i == 0:
            self.send("N")
            self._expect([pexpect.EOF], "the end of the session")
        self.child.wait()  # reap ssh: its status is the console's
        return self.child.exitstatus


def ssh_argv(args):
    argv = ["ssh", "-tt", "-F", "/dev/null", "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
            "-o", "BatchMode=yes", "-p", str(args.port)]
    if args.identity:
        argv += ["-i", args.identity]
    return argv + ["%s@%s" % (args.user, args.host)]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=22)
    p.add_argument("--user", required=True)
    p.add_argument("--identity")
    p.add_argument("--methods", default="1-3", help="answer to the INBOUND method question")
    p.add_argument("--comment", default="automation: inbound TLS")
    p.add_argument("--import-file", help="PKCS#12 file in configuration/ to import")
    p.add_argument("--import-name", default="automation")
    p.add_argument("--passphrase", default="")
    p.add_argument("--stage-before-exit", action="store_true",
                   help="leave an edit uncommitted, so exit asks its [N] question")
    args = p.parse_args()

    client = AsyncOSClient(ssh_argv(args), log=sys.stdout)
    try:
        prompt = client.learn_prompt()
        print("\n# client: learned the prompt %r" % prompt)
        client.sslconfig_inbound(args.methods)
        client.commit(args.comment)
        print("\n# client: committed the inbound methods")
        if args.import_file:
            if client.help_lists("certconfig"):
                client.certconfig_import(args.import_name, args.import_file, args.passphrase)
                client.commit(args.comment + " (certificate)")
                print("\n# client: imported %s" % args.import_file)
            else:
                print("\n# client: certconfig is not offered; import not run")
        if args.stage_before_exit:
            client.sslconfig_flag("PEER_CERT_FQDN")
        status = client.exit()
    except ClientError as e:
        print("\n# client: FAILED: %s" % e)
        return 1
    print("\n# client: done, ssh exit status %s" % status)
    return 0 if status == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
