#!/usr/bin/env bash
# hubspot-install as a plain CGI program against a C CGI hello, side by side in one run: the CPU
# time (user + sys, from each child's rusage) that one request costs. A benchmark, not a test: it
# prints one table and exits 0 (1 if a program could not answer).
#
#   Benchmarks/cgi.sh                          # 300 runs of each row, interleaved
#   ITERATIONS=1000 Benchmarks/cgi.sh
#   BASELINE=/path/to/old/hubspot-install Benchmarks/cgi.sh   # adds rows for another build
#
# Rows: the C hello (Benchmarks/c-hello/cgi-hello.c, the reference of the ratio); the release
# responder's GET /healthz and GET /oauth/authorize, configured with the built-in hubspot hook
# (which a CGI request never runs: it costs nothing until a callback). Then the idle RSS of
# `hubspot-install serve` (and of BASELINE), from /proc/PID/smaps_rollup after its start.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
iterations=${ITERATIONS:-300}
[[ "$iterations" =~ ^[0-9]+$ ]] || { echo "cgi.sh: not a whole number: $iterations" >&2; exit 2; }

swift build -c release --product hubspot-install >&2
swift build -c release --product hubspot-install-tokens >&2
bin=$(swift build -c release --show-bin-path)

work=$(mktemp -d "${TMPDIR:-/tmp}/hubspot-install-cgi-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
cc -O2 -o "$work/cgi-hello" Benchmarks/c-hello/cgi-hello.c

echo "benchmark-only-secret" >"$work/client-secret"
chmod 600 "$work/client-secret"
cat >"$work/ours.env" <<CONF
HUBSPOT_CLIENT_ID=9b4a5e2c-1f3d-4a8b-9c7e-6d5f4e3c2b1a
HUBSPOT_REDIRECT_URI=https://install.example.com/oauth/callback
HUBSPOT_SCOPES=oauth crm.objects.contacts.read
HUBSPOT_OPTIONAL_SCOPES=automation
INSTALL_STATE_KEYS=$("$bin/hubspot-install" keygen)
INSTALL_STATE_DIR=$work/state
INSTALL_TOKEN_HOOK=hubspot
HUBSPOT_CLIENT_SECRET_FILE=$work/client-secret
INSTALL_TOKEN_DB=$work/tokens.sqlite3
INSTALL_APP_NAME=Benchmark app
INSTALL_PUBLIC_DIR=$repo/public
CONF
# The token database exists, as it would after the first FastCGI start or install.
"$bin/hubspot-install-tokens" check-hook --create-store --config "$work/ours.env"

rows=("C CGI hello|$work/cgi-hello|/"
      "hubspot-install GET /healthz|$bin/hubspot-install|/healthz"
      "hubspot-install GET /oauth/authorize|$bin/hubspot-install|/oauth/authorize")
if [ -n "${BASELINE:-}" ]; then
    rows+=("baseline GET /healthz|$BASELINE|/healthz" "baseline GET /oauth/authorize|$BASELINE|/oauth/authorize")
fi

echo "CGI, $iterations runs per row, $(nproc) cores, $(date -u +%Y-%m-%d)"
cd "$work"
env -i PATH=/usr/bin:/bin LANG=C.UTF-8 HUBSPOT_INSTALL_CONFIG="$work/ours.env" \
    python3 "$repo/Benchmarks/cgi_bench.py" "$iterations" "${rows[@]}"

idle_rss() { # name, program
    local socket="$work/idle-$RANDOM.sock" pid
    env -i PATH=/usr/bin:/bin LANG=C.UTF-8 "$2" serve --socket "$socket" --threads 4 --config "$work/ours.env" \
        2>>"$work/serve.log" &
    pid=$!
    for _ in $(seq 200); do [ -S "$socket" ] && break; sleep 0.05; done
    sleep 1
    printf '%-40s %s\n' "$1" "$(awk '/^Rss:/ {printf "%.1f MiB", $2 / 1024}' "/proc/$pid/smaps_rollup")"
    kill -TERM "$pid"
    wait "$pid" || true
}
echo
echo "idle RSS after start (serve --threads 4)"
idle_rss "hubspot-install" "$bin/hubspot-install"
if [ -n "${BASELINE:-}" ]; then idle_rss "baseline" "$BASELINE"; fi
