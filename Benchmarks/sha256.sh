#!/usr/bin/env bash
# SHA-256 throughput of our pure-Swift code against coreutils' sha256sum (scalar C) on the same
# random input, in one run on one machine (target: ours / sha256sum >= 1.0), plus
# OpenSSL as a hardware ceiling (it uses the CPU's SHA extensions; the product never uses it)
# and the cost of one HMAC-SHA256. A benchmark, not a test: it prints figures and exits 0.
#
#   Benchmarks/sha256.sh            # 256 MiB, best of 3 runs of each tool
#   SIZE_MIB=64 RUNS=5 Benchmarks/sha256.sh
set -euo pipefail
cd "$(dirname "$0")/.."

size_mib=${SIZE_MIB:-256}
runs=${RUNS:-3}

swift build -c release --product install-bench >&2
bench="$(swift build -c release --show-bin-path)/install-bench"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
data="$work/data"
head -c $((size_mib * 1024 * 1024)) /dev/urandom >"$data"
bytes=$(stat -c %s "$data")
cat "$data" >/dev/null # every tool reads it from the page cache, none from disk

# Wall time of one command in nanoseconds; its stdout goes to $work/out.
nanoseconds() {
    local start end
    start=$(date +%s%N)
    "$@" >"$work/out"
    end=$(date +%s%N)
    echo $((end - start))
}
megabytes_per_second() { awk -v b="$bytes" -v ns="$1" 'BEGIN { printf "%.1f", b / 1e6 / (ns / 1e9) }'; }

have_openssl=false
command -v openssl >/dev/null && have_openssl=true

best_coreutils=0 best_ours=0 best_openssl=0
expected=""
for ((run = 1; run <= runs; run++)); do
    # Interleaved, so a noisy neighbour hurts every tool alike.
    ns=$(nanoseconds sha256sum "$data")
    expected=$(cut -d' ' -f1 "$work/out")
    ((best_coreutils == 0 || ns < best_coreutils)) && best_coreutils=$ns

    ns=$(nanoseconds "$bench" sha256 --stream "$data")
    got=$(awk '/^sha256 digest/ { print $3 }' "$work/out")
    if [[ "$got" != "$expected" ]]; then
        echo "digest mismatch: install-bench $got, sha256sum $expected" >&2
        exit 1
    fi
    ((best_ours == 0 || ns < best_ours)) && best_ours=$ns

    if $have_openssl; then
        ns=$(nanoseconds openssl dgst -sha256 "$data")
        ((best_openssl == 0 || ns < best_openssl)) && best_openssl=$ns
    fi
done

# Hashing only: the file is read into memory first, best of $runs passes.
"$bench" sha256 "$data" "$runs" >"$work/out"
hashing_only=$(awk '/^sha256 best/ { print $3 }' "$work/out")

coreutils=$(megabytes_per_second "$best_coreutils")
ours=$(megabytes_per_second "$best_ours")

echo "SHA-256 of $size_mib MiB of random data; best of $runs; MB = 10^6 bytes"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)  nproc: $(nproc)  cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
printf '  %-44s %8s MB/s\n' "sha256sum (coreutils $(sha256sum --version | head -1 | awk '{print $NF}'))" "$coreutils"
printf '  %-44s %8s MB/s\n' "install-bench sha256 --stream, whole process" "$ours"
printf '  %-44s %8s MB/s\n' "install-bench sha256, in memory, hashing only" "$hashing_only"
if $have_openssl; then
    printf '  %-44s %8s MB/s   (reference only: SHA-NI, not used)\n' \
        "openssl dgst -sha256 ($(openssl version | cut -d' ' -f1-2))" "$(megabytes_per_second "$best_openssl")"
fi
awk -v o="$ours" -v h="$hashing_only" -v c="$coreutils" 'BEGIN {
    printf "ratio ours / sha256sum: %.2fx whole process, %.2fx hashing only\n", o / c, h / c }'
"$bench" hmac
