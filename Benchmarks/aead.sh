#!/usr/bin/env bash
# ChaCha20-Poly1305 throughput of our pure-Swift AEAD (install-bench aead, release build) against
# Python's cryptography package, whose ChaCha20Poly1305 is OpenSSL's (assembly, SIMD), measured in
# the same run on the same machine: seal and open, MB/s of plaintext at 64 B, 1 KiB and 16 KiB
# with 48 bytes of associated data, best of ROUNDS, and the ratio ours / OpenSSL. Python's figure
# includes its call overhead, which dominates small messages. A benchmark, not a test: it prints
# figures and exits 0.
#
#   Benchmarks/aead.sh              # best of 3
#   ROUNDS=5 Benchmarks/aead.sh
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${ROUNDS:-3}

swift build -c release --product install-bench >&2
bench="$(swift build -c release --show-bin-path)/install-bench"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$bench" aead "$rounds" >"$work/ours"

python3 - "$rounds" >"$work/theirs" <<'PY'
import sys, time
import cryptography
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.backends.openssl.backend import backend

rounds = int(sys.argv[1])
aead = ChaCha20Poly1305(bytes(range(32)))
nonce = bytes([7]) * 12
aad = bytes([0xAD]) * 48
for size in (64, 1024, 16 * 1024):
    message = bytes((i * 31) & 0xFF for i in range(size))
    iterations = max(150_000_000 // max(size, 256) // 4, 1000)  # Python is slower per call
    sealed = aead.encrypt(nonce, message, aad)
    best_seal = best_open = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(iterations):
            aead.encrypt(nonce, message, aad)
        best_seal = min(best_seal, time.perf_counter() - start)
        start = time.perf_counter()
        for _ in range(iterations):
            aead.decrypt(nonce, sealed, aad)
        best_open = min(best_open, time.perf_counter() - start)
    print(f"aead seal {size} {size * iterations / 1e6 / best_seal:.1f} MB/s")
    print(f"aead open {size} {size * iterations / 1e6 / best_open:.1f} MB/s")
print(f"version cryptography {cryptography.__version__}, {backend.openssl_version_text()}")
PY

figure() { awk -v op="$2" -v size="$3" '$1 == "aead" && $2 == op && $3 == size { print $4 }' "$1"; }

echo "ChaCha20-Poly1305, MB/s of plaintext (MB = 10^6 bytes), 48 B associated data, best of $rounds"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)  nproc: $(nproc)  cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "reference: $(sed -n 's/^version //p' "$work/theirs")"
printf '  %-8s %12s %12s %12s %12s %10s %10s\n' size "ours seal" "ours open" "OpenSSL seal" "OpenSSL open" \
    "seal ratio" "open ratio"
for size in 64 1024 16384; do
    os=$(figure "$work/ours" seal $size) oo=$(figure "$work/ours" open $size)
    ts=$(figure "$work/theirs" seal $size) to=$(figure "$work/theirs" open $size)
    label=$size
    ((size >= 1024)) && label="$((size / 1024)) KiB" || label="$size B"
    awk -v l="$label" -v os="$os" -v oo="$oo" -v ts="$ts" -v to="$to" 'BEGIN {
        printf "  %-8s %12.1f %12.1f %12.1f %12.1f %9.2fx %9.2fx\n", l, os, oo, ts, to, os / ts, oo / to }'
done
echo "ratio = ours / OpenSSL (through Python's cryptography); above 1 means ours is faster"
