#!/usr/bin/env bash
# hubspot-install through nginx against a C libfcgi hello world, side by side in one run on one
# machine. A benchmark, not a test: it prints one table and exits 0 (1 if it could
# not measure, e.g. a route answered the wrong status before the load started).
#
#   Benchmarks/http.sh                        # wrk -t2 -c32 -d10s per row, one round
#   DURATION=5 CONNECTIONS=64 Benchmarks/http.sh
#   THREADS=8 ROUNDS=3 Benchmarks/http.sh     # 8 threads per worker; median of 3 rounds
#
# Environment: DURATION (seconds per row, 10), CONNECTIONS (32), WRK_THREADS (2), WORKERS and
# THREADS (our worker processes and threads per worker; default: hubspot-install's own defaults;
# the C hello gets as many threads in all), ROUNDS (1), WARMUP (seconds of unmeasured load before
# each row, 2), NGINX_WORKERS (1). Our RSS and CPU time are the master's and its workers' together.
#
# Rows, each measured alone and in this order: a static file served by nginx itself; the C hello
# (Benchmarks/c-hello/hello.c); our `/`, `/oauth/authorize` and `/healthz`. Everything listens on
# 127.0.0.1 or on unix sockets in a temp directory, and everything started here is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

duration=${DURATION:-10}
duration=${duration%s}
connections=${CONNECTIONS:-32}
wrk_threads=${WRK_THREADS:-2}
threads=${THREADS:-}
workers=${WORKERS:-}
rounds=${ROUNDS:-1}
warmup=${WARMUP:-2}
nginx_workers=${NGINX_WORKERS:-1}
for number in "$duration" "$connections" "$wrk_threads" "$rounds" "$warmup" ${threads:+"$threads"} ${workers:+"$workers"}; do
    [[ "$number" =~ ^[0-9]+$ ]] || { echo "http.sh: not a whole number: $number" >&2; exit 2; }
done

swift build -c release >&2
bin=$(swift build -c release --show-bin-path)

work=$(mktemp -d "${TMPDIR:-/tmp}/hubspot-install-bench.XXXXXX")
started=()
stop_all() {
    local pid
    for pid in "${started[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${started[@]}"; do
        # Bounded: anything that ignores SIGTERM for 10 s is killed.
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    started=()
}
trap 'stop_all; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

wait_until() { # seconds, what, command...
    local deadline=$((SECONDS + $1)) what=$2
    shift 2
    until "$@" >/dev/null 2>&1; do
        if ((SECONDS >= deadline)); then
            echo "http.sh: timed out waiting for $what" >&2
            exit 1
        fi
        sleep 0.05
    done
}

# --- hubspot-install, with a fixed configuration and our own public/ pages ---
key=$("$bin/hubspot-install" keygen)
cat >"$work/ours.env" <<EOF
HUBSPOT_CLIENT_ID=9b4a5e2c-1f3d-4a8b-9c7e-6d5f4e3c2b1a
HUBSPOT_REDIRECT_URI=https://install.example.com/oauth/callback
HUBSPOT_SCOPES=oauth crm.objects.contacts.read
HUBSPOT_OPTIONAL_SCOPES=automation
INSTALL_STATE_KEYS=$key
INSTALL_STATE_DIR=$work/state
INSTALL_TOKEN_HOOK=exec:/bin/true
INSTALL_APP_NAME=Benchmark app
INSTALL_PUBLIC_DIR=$repo/public
EOF
# A clean environment, so nothing in the caller's shell overrides the file. The access log (one
# JSON line per request, part of the product's work) goes to a file, as it would to a journal.
(cd "$work" && exec env -i PATH=/usr/bin:/bin LANG=C.UTF-8 "$bin/hubspot-install" serve \
    --socket "$work/ours.sock" ${threads:+--threads "$threads"} ${workers:+--workers "$workers"} --config "$work/ours.env" \
    2>"$work/ours.log" </dev/null >/dev/null) &
ours_pid=$!
started+=("$ours_pid")
wait_until 20 "hubspot-install to start" grep -q '"started"' "$work/ours.log"
our_threads=$(grep -o '"threads":[0-9]*' "$work/ours.log" | head -1 | cut -d: -f2)
our_workers=$(grep -o '"workers":[0-9]*' "$work/ours.log" | head -1 | cut -d: -f2)
total_threads=$((our_threads * our_workers))
workers_ready() { (($(grep -c '"worker_ready"' "$work/ours.log") >= our_workers)); }
wait_until 20 "hubspot-install's workers" workers_ready

# --- the C hello, with as many threads as ours in all ---
cc -O2 -pthread -o "$work/c-hello" Benchmarks/c-hello/hello.c -lfcgi
"$work/c-hello" "$work/c-hello.sock" "$total_threads" 2>"$work/c-hello.log" </dev/null >/dev/null &
c_pid=$!
started+=("$c_pid")
wait_until 10 "the C hello to start" grep -q started "$work/c-hello.log"

# --- nginx on a free loopback port ---
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
prefix="$work/nginx"
mkdir -p "$prefix/logs" "$prefix/temp" "$work/root"
printf 'Hello, world!\n' >"$work/root/static.txt"
cp /etc/nginx/fastcgi_params "$prefix/"
user_line=""
((EUID == 0)) && user_line="user root;" # workers must reach the sockets (mode 0660, owned by us)
sed -e "s|@PREFIX@|$prefix|g" -e "s|@PORT@|$port|g" -e "s|@ROOT@|$work/root|g" \
    -e "s|@C_SOCKET@|$work/c-hello.sock|g" -e "s|@OUR_SOCKET@|$work/ours.sock|g" \
    -e "s|@WORKERS@|$nginx_workers|g" -e "s|@USER@|$user_line|g" \
    Benchmarks/nginx-bench.conf >"$prefix/nginx.conf"
nginx -p "$prefix/" -e "$prefix/logs/error.log" -c "$prefix/nginx.conf" </dev/null >/dev/null 2>&1 &
started+=("$!")
base="http://127.0.0.1:$port"
wait_until 10 nginx curl -sf -o /dev/null "$base/static.txt"

# --- the rows ---
# name|path|expected status|pid whose RSS and CPU time are sampled (nginx's static row: none)
rows=(
    "static file (nginx)|/static.txt|200|"
    "C hello|/c-hello|200|$c_pid"
    "ours /|/|200|$ours_pid"
    "ours /oauth/authorize|/oauth/authorize|302|$ours_pid"
    "ours /healthz|/healthz|200|$ours_pid"
)
for row in "${rows[@]}"; do
    IFS='|' read -r name path status _ <<<"$row"
    got=$(curl -s -o /dev/null -w '%{http_code}' "$base$path")
    if [[ "$got" != "$status" ]]; then
        echo "http.sh: $name ($path) answered $got, expected $status; not measuring" >&2
        exit 1
    fi
done

# A process and its children (our master and its workers): CPU time, with that of children that
# have exited (a worker replaced meanwhile), and the sum of peak RSS.
family() { [[ -n "$1" ]] && echo "$1" $(cat "/proc/$1/task/$1/children" 2>/dev/null); }
cpu_ticks() {
    local total=0 pid
    for pid in $(family "$1"); do total=$((total + $(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$pid/stat"))); done
    echo "$total"
}
peak_kib() {
    local total=0 pid
    for pid in $(family "$1"); do total=$((total + $(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status"))); done
    echo "$total"
}
# RSS now (not the peak since start): what the processes hold, start-up's peak left behind.
rss_kib() {
    local total=0 pid
    for pid in $(family "$1"); do total=$((total + $(awk '/^Rss:/ { print $2 }' "/proc/$pid/smaps_rollup"))); done
    echo "$total"
}
# RSS counts the shared libraries again in every process; PSS shares them out: the family's real cost.
pss_kib() {
    local total=0 pid
    for pid in $(family "$1"); do total=$((total + $(awk '/^Pss:/ { print $2 }' "/proc/$pid/smaps_rollup"))); done
    echo "$total"
}
load1() { cut -d' ' -f1 /proc/loadavg; }
# RSS under load: while a row runs, the family's RSS is summed every 0.25 s and the largest sum
# kept in file $2 (0 for the row without a responder).
sample_rss() {
    local most=0 now
    echo 0 >"$2"
    [[ -n "$1" ]] || return 0
    while :; do
        now=$(rss_kib "$1")
        if ((now > most)); then most=$now; echo "$most" >"$2"; fi
        sleep 0.25
    done
}

meta="$work/rows.tsv"
printf 'round\tname\tpath\twrk_output\tpeak_kib\trss_kib\tpss_kib\tcpu_ticks\tload_before\tload_after\n' >"$meta"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
for ((round = 1; round <= rounds; round++)); do
    index=0
    for row in "${rows[@]}"; do
        IFS='|' read -r name path status pid <<<"$row"
        index=$((index + 1))
        echo "round $round/$rounds: $name" >&2
        if ((warmup > 0)); then
            timeout $((warmup + 30)) wrk -t"$wrk_threads" -c"$connections" -d"${warmup}s" "$base$path" >/dev/null
        fi
        before_load=$(load1)
        before_cpu=$(cpu_ticks "$pid")
        out="$work/wrk-$round-$index.txt"
        sample_rss "$pid" "$work/rss-under-load" &
        sampler=$!
        timeout $((duration + 30)) wrk -t"$wrk_threads" -c"$connections" -d"${duration}s" --timeout 5s \
            --latency "$base$path" >"$out"
        after_cpu=$(cpu_ticks "$pid")
        kill "$sampler" 2>/dev/null || true # the row without a responder has no sampler left
        wait "$sampler" 2>/dev/null || true
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$name" "$path" "$out" "$(peak_kib "$pid")" \
            "$(cat "$work/rss-under-load")" "$(pss_kib "$pid")" \
            $((after_cpu - before_cpu)) "$before_load" "$(load1)" >>"$meta"
    done
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# Still alive and well after the load?
for pid in "$ours_pid" "$c_pid"; do
    kill -0 "$pid" 2>/dev/null || { echo "http.sh: a responder died under load" >&2; exit 1; }
done

"$bin/install-bench" state >"$work/in-process.txt"

{
    echo "date: $(date -u +%Y-%m-%dT%H:%MZ)  nproc: $(nproc)  cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
    echo "versions: $(swift --version 2>&1 | head -1 | sed 's/ (.*//'); $(nginx -v 2>&1 | cut -d: -f2 | sed 's/^ *//');" \
        "$(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2); libfcgi $(dpkg-query -W -f='${Version}' libfcgi0ldbl 2>/dev/null || echo '?');" \
        "$(cc --version | head -1); kernel $(uname -r)"
    echo "load: $load_start before, $load_end after (1/5/15 min)"
    echo "setup: wrk -t$wrk_threads -c$connections -d${duration}s --latency, ${warmup}s warm-up per row, $rounds round(s);" \
        "nginx worker_processes $nginx_workers, access_log off, fastcgi_keep_conn off;" \
        "responder threads: ours $our_workers workers x $our_threads, C hello $total_threads"
} >"$work/header.txt"

python3 Benchmarks/http_report.py --header "$work/header.txt" --rows "$meta" --in-process "$work/in-process.txt" \
    --clock-ticks "$(getconf CLK_TCK)" --workers "$our_workers"
