#!/usr/bin/env python3
"""sessions: interactive console sessions over `ssh -tt` for the deployment tests,
driven with the automation client (asyncos_client.py). Each scenario prints
TAP-like "# step" lines and ends with "scenario ok" or "scenario FAILED: why";
the shell test checks that line, the exit status and the database.

  sessions.py SCENARIO --port P --identity KEY --user A [--user B]
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from asyncos_client import AsyncOSClient, ClientError  # noqa: E402

DENIED = "You are not in the correct access group to use this command."


def connect(args, user, log):
    argv = ["ssh", "-tt", "-F", "/dev/null", "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
            "-o", "BatchMode=yes", "-i", args.identity, "-p", str(args.port),
            "%s@127.0.0.1" % user]
    c = AsyncOSClient(argv, log=log)
    c.learn_prompt()
    return c


def need(cond, why):
    if not cond:
        raise ClientError(why)


def outbound(c, methods):
    c.run("sslconfig")
    c.expect_question("Choose the operation")
    c.send("OUTBOUND")
    c.expect_question("outbound SMTP SSL method")
    c.send(methods)
    c.expect_question("outbound SMTP ssl cipher")
    c.send("")
    c.leave_menus()


def commit_now(c, comment):
    """commit "comment": the one-line form; returns what it printed."""
    c.run('commit "%s"' % comment)
    return c.expect_prompt()


def interactive(args, log):
    a = connect(args, args.user[0], log)
    # Ctrl-C in the middle of a dialog drops that command's edits only.
    a.run("sslconfig")
    a.expect_question("Choose the operation")
    a.send("GUI")
    a.expect_question("GUI HTTPS SSL method")
    a.child.sendcontrol("c")
    out = a.expect_prompt()
    need("-- Changes not recorded" in out, "Ctrl-C did not abandon the command: %r" % out)
    print("\n# step: Ctrl-C abandoned the GUI dialog")
    a.sslconfig_inbound("1-3")
    a.commit("interactive over ssh")
    print("\n# step: committed INBOUND 1-3")
    st = a.exit()
    need(st == 0, "exit status is not 0: %r %r" % (st, a.child.signalstatus))


def merge(args, log):
    a = connect(args, args.user[0], log)
    b = connect(args, args.user[1], log)
    a.sslconfig_inbound("1-3")
    outbound(b, "1-2")
    print("\n# step: both sessions staged an edit")
    out = commit_now(a, "merge: inbound")
    need("Changes committed" in out, "the first commit failed: %r" % out)
    out = commit_now(b, "merge: outbound")
    need("Changes committed" in out, "the second commit failed: %r" % out)
    print("\n# step: both commits landed")
    need(a.exit() == 0 and b.exit() == 0, "an exit status is not 0")


def conflict(args, log):
    a = connect(args, args.user[0], log)
    b = connect(args, args.user[1], log)
    a.sslconfig_inbound("1-2")
    b.sslconfig_inbound("2")
    print("\n# step: both sessions staged the inbound methods")
    out = commit_now(a, "conflict: first")
    need("Changes committed" in out, "the first commit failed: %r" % out)
    out = commit_now(b, "conflict: second")
    want = "Inbound SMTP method was changed by %s" % args.user[0]
    need("not committed" in out and want in out, "no conflict reported: %r" % out)
    print("\n# step: the second commit was refused: %s" % want)
    b.run("clear")
    b.expect_question("Are you sure you want to clear all changes")
    b.send("Y")
    b.expect_prompt()
    need(a.exit() == 0 and b.exit() == 0, "an exit status is not 0")


def guest(args, log):
    g = connect(args, args.user[0], log)
    g.run("sslconfig")
    out = g.expect_question("Choose the operation")
    need("Inbound SMTP method:" in out, "the settings block is not shown")
    g.send("INBOUND")
    out = g.expect_question("Choose the operation")  # refused, then asked again
    need(DENIED in out, "INBOUND was not refused: %r" % out)
    g.send("VERIFY")
    g.expect_question("Enter the ssl cipher you want to verify.")
    g.send("AES256-SHA")
    out = g.expect_question("Choose the operation")
    need("Kx=RSA" in out, "VERIFY listed nothing: %r" % out)
    g.send("")
    g.expect_prompt()
    for command in ("commit", "sethostname evil.example.com", "userconfig", "clear"):
        g.run(command)
        out = g.expect_prompt()
        need(DENIED in out, "%s was not refused: %r" % (command, out))
    g.run("showchanges")
    out = g.expect_prompt()
    need("No changes have been made" in out, "showchanges: %r" % out)
    print("\n# step: the guest viewed, verified, and was refused every edit")
    need(g.exit() == 0, "exit status is not 0")


SCENARIOS = {"interactive": interactive, "merge": merge, "conflict": conflict,
             "guest": guest}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("scenario", choices=sorted(SCENARIOS))
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--identity", required=True)
    p.add_argument("--user", action="append", required=True)
    args = p.parse_args()
    try:
        SCENARIOS[args.scenario](args, sys.stdout)
    except ClientError as e:
        print("\nscenario FAILED: %s" % e)
        return 1
    print("\nscenario ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
