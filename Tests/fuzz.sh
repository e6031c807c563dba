#!/usr/bin/env bash
# Builds the fuzz harnesses with libFuzzer and AddressSanitizer (scratch path .build-fuzz; optimized,
# which keeps overflow checks and preconditions and runs the inputs several times faster) and runs
# each for a fixed number of inputs from a fixed seed, starting from its seeds
# (Tests/Fuzz/corpus/<harness>) and its past crashes (Tests/Fuzz/regressions/<harness>).
# A crashing input is written to Tests/Fuzz/regressions/<harness>/, where the Swift tests replay it
# from then on. Fails if any harness crashes.
#
#   bash Tests/fuzz.sh                       every harness, FUZZ_RUNS inputs each (default 20000),
#                                            at most FUZZ_SECONDS each (default 20)
#   bash Tests/fuzz.sh responder cookie-header
#   FUZZ_RUNS=-1 FUZZ_SECONDS=600 bash Tests/fuzz.sh state-verification     one harness for ten minutes
#
# Prints one line per harness: "fuzz <harness>: ok, N executions in Ts" (or "CRASH ...").
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${FUZZ_RUNS:-20000}
# A cap per harness so a slow machine cannot stretch CI; 0 means none.
seconds=${FUZZ_SECONDS:-20}

echo "== fuzz build (.build-fuzz)"
mkdir -p .build-fuzz
flags=(-c release --scratch-path .build-fuzz -Xswiftc -DFUZZING -Xswiftc -sanitize=fuzzer,address)
if ! swift build "${flags[@]}" --product install-fuzz >.build-fuzz/build.log 2>&1; then
  grep -E "error" .build-fuzz/build.log | grep -v "Cannot export" | head -20
  echo "fuzz build failed (log: .build-fuzz/build.log)"
  exit 1
fi
binary=$(swift build "${flags[@]}" --show-bin-path)/install-fuzz

if [ $# -gt 0 ]; then
  harnesses=("$@")
else
  mapfile -t harnesses < <(ls Tests/Fuzz/corpus)
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
for harness in "${harnesses[@]}"; do
  seeds=Tests/Fuzz/corpus/$harness
  regressions=Tests/Fuzz/regressions/$harness
  if [ ! -d "$seeds" ]; then echo "fuzz $harness: no seed corpus in $seeds"; failed=1; continue; fi
  mkdir -p "$regressions" "$work/$harness"
  started=$EPOCHREALTIME
  # New inputs the fuzzer finds go to the first (scratch) folder; the committed ones stay as they are.
  # libFuzzer reports a trap itself; Swift's backtracer would run inside the crashing process under ASan.
  SWIFT_BACKTRACE=enable=no FUZZ_HARNESS=$harness "$binary" "$work/$harness" "$seeds" "$regressions" \
    -runs="$runs" -seed=1 -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$regressions/" -print_final_stats=1 >"$work/$harness.log" 2>&1
  status=$?
  elapsed=$(awk "BEGIN { printf \"%.1f\", $EPOCHREALTIME - $started }")
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$harness.log" | tail -1)
  if [ "$status" -eq 0 ]; then
    echo "fuzz $harness: ok, ${executions:-?} executions in ${elapsed}s"
  else
    failed=1
    artifact=$(sed -n 's/.*Test unit written to //p' "$work/$harness.log" | tail -1)
    echo "fuzz $harness: CRASH (exit $status) after ${executions:-?} executions in ${elapsed}s; input: ${artifact:-none}"
    grep -E "Fatal error|ERROR: |SUMMARY: " "$work/$harness.log" | head -5 | sed 's/^/    /'
  fi
done
exit "$failed"
