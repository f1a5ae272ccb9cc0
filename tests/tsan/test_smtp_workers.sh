#!/usr/bin/env bash
# tests/tsan: run by `make check-tsan` against the ThreadSanitizer build
# (BUILD=build-tsan). Inbound SMTP on both workers: STARTTLS load on both
# loops, the caps and the spool quota counted over both, commits changing
# listeners and policies, a stop under SMTP load; it fails on any report in
# the daemon's stderr and on TSan's exit status 66 at the stops.
exec bash "$(dirname "$0")/../e2e/test_smtp_workers.sh"
