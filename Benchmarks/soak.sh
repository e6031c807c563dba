#!/usr/bin/env bash
# A soak run: hubspot-install (master and workers) behind the nginx site of deploy/nginx/ for
# SOAK_SECONDS (600) at saturation, with mixed traffic (landing, authorize, full installs through an
# exec hook, hostile callbacks), a malformed FastCGI record every second (libfcgi aborts the worker
# that reads it) and a SIGHUP every minute. Every 30 s it prints requests, failures, worker deaths,
# reloads and RSS; at the end a verdict, exit 0 on a pass, 1 otherwise (Benchmarks/soak.py says
# what passes).
#
#   Benchmarks/soak.sh                                  # 10 minutes, release build
#   SOAK_SECONDS=120 SOAK_CLIENTS=8 Benchmarks/soak.sh
#   HUBSPOT_INSTALL_BIN=.build/debug/hubspot-install Benchmarks/soak.sh   # no build
#
# Environment: SOAK_SECONDS (600), SOAK_CLIENTS (client threads, 16), SOAK_WORKERS (2),
# SOAK_THREADS (threads per worker, 4), SOAK_REPORT_SECONDS (30), HUBSPOT_INSTALL_BIN (a binary to
# use instead of building the release one). Everything listens on 127.0.0.1 or unix sockets in a
# temp directory and is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
for name in SOAK_SECONDS SOAK_CLIENTS SOAK_WORKERS SOAK_THREADS SOAK_REPORT_SECONDS; do
    value=${!name:-1}
    [[ "$value" =~ ^[1-9][0-9]*$ ]] || { echo "soak.sh: $name must be a whole number > 0" >&2; exit 2; }
done
if [[ -z "${HUBSPOT_INSTALL_BIN:-}" ]]; then
    swift build -c release --product hubspot-install >&2
    HUBSPOT_INSTALL_BIN="$(swift build -c release --show-bin-path)/hubspot-install"
fi
export HUBSPOT_INSTALL_BIN
exec python3 Benchmarks/soak.py
