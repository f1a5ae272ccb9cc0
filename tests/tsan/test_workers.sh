#!/usr/bin/env bash
# tests/tsan: run by `make check-tsan` against the ThreadSanitizer build
# (BUILD=build-tsan). The workers' test drives every thread hand-over (loads
# on both loops, commits, WebUI pages lent the daemon, a key made off the
# loop, a stop under load); it fails on any report in the daemon's stderr
# and on TSan's exit status 66 at the stop.
exec bash "$(dirname "$0")/../e2e/test_workers.sh"
