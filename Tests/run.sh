#!/usr/bin/env bash
# Runs every test of hubspot-install: the Swift unit tests, then the integration tests against real
# nginx, Apache, spawn-fcgi, systemd-socket-activate and a real browser. Installs what is missing
# (Debian packages, PyPI packages) first. Ends with one line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD

# System packages the tests start for real.
packages=(pkg-config libfcgi-dev libsqlite3-dev libpq-dev postgresql nginx apache2 libapache2-mod-fcgid libapache2-mod-evasive spawn-fcgi systemd chromium chromium-driver default-jre-headless curl strace wrk)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || {
    echo "could not install ${missing[*]}"; echo "0 passed, 1 failed"; exit 1; }
fi
# Debian starts the services it installs where it can; the tests start their own on free ports.
for s in nginx apache2 postgresql; do service "$s" stop >/dev/null 2>&1 || true; done

python3 -m pip install -q --disable-pip-version-check -r Tests/integration/requirements.txt >/dev/null 2>&1 \
  || python3 -m pip install -q --disable-pip-version-check -r Tests/integration/requirements.txt

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

echo "== swift build"
swift build 2>&1 | tail -3
echo "== swift test"
swift test 2>&1 | tee "$results/swift.log" | grep -E "^(✘|✔ Test run with)|error:"
swift_status=${PIPESTATUS[0]}

# ---- Fuzzing and sanitizers (docs/testing.md: "Fuzzing and sanitizers") ----
# Each fuzz harness counts as one test, and so does each sanitizer run of the Swift tests; they
# write "pass NAME" or "fail NAME" lines that the summary below adds up.
echo "== fuzz (Tests/fuzz.sh)"
bash Tests/fuzz.sh | tee "$results/fuzz.log"
fuzz_status=${PIPESTATUS[0]}
sed -n 's/^fuzz \([^:]*\): ok.*/pass fuzz-\1/p; s/^fuzz \([^:]*\): CRASH.*/fail fuzz-\1/p' \
  "$results/fuzz.log" >>"$results/extra"
if [ "$fuzz_status" -ne 0 ] && ! grep -q "^fail" "$results/extra"; then echo "fail fuzz-build" >>"$results/extra"; fi
for run in address:asan thread:tsan; do
  sanitizer=${run%%:*} scratch=.build-${run##*:}
  echo "== swift test --sanitize=$sanitizer --scratch-path $scratch"
  started=$SECONDS
  # Leaks inside the toolchain's runtime libraries only (see the file); ThreadSanitizer needs none.
  LSAN_OPTIONS="suppressions=$root/Tests/lsan.supp" \
    swift test --sanitize="$sanitizer" --scratch-path "$scratch" >"$results/$sanitizer.log" 2>&1
  status=$?
  grep -E "^(✘|✔ Test run with)|error:|WARNING: ThreadSanitizer|ERROR: AddressSanitizer|SUMMARY: " \
    "$results/$sanitizer.log" | head -20
  # The first report in full: its summary line alone names neither the test nor the stack.
  awk '/^WARNING: ThreadSanitizer|^==[0-9]+==ERROR: (Address|Leak)Sanitizer/ { on = 1 }
       on { print; if (++n >= 80 || /^SUMMARY: /) exit }' "$results/$sanitizer.log"
  echo "sanitize=$sanitizer: exit $status in $((SECONDS - started))s"
  if [ "$status" -eq 0 ]; then echo "pass sanitize-$sanitizer"; else echo "fail sanitize-$sanitizer"; fi >>"$results/extra"
done
# ---- end of fuzzing and sanitizers ----

echo "== integration tests"
(cd Tests/integration && python3 -m pytest -q -p no:cacheprovider --junitxml="$results/pytest.xml" .)
pytest_status=$?

# A one-minute soak (Benchmarks/README.md: "Staying up"): workers killed by malformed records every second and a
# reload, under mixed traffic through nginx; one test in the final count.
echo "== soak (Benchmarks/soak.sh, 60 s)"
if SOAK_SECONDS=60 SOAK_REPORT_SECONDS=15 HUBSPOT_INSTALL_BIN="$(swift build --show-bin-path)/hubspot-install" \
  bash Benchmarks/soak.sh; then soak=pass; else soak=fail; fi
echo "$soak soak-60s" >>"$results/extra"

python3 - "$results" "$swift_status" "$pytest_status" <<'PY'
import re, sys, xml.etree.ElementTree as ET
results, swift_status, pytest_status = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
log = open(f"{results}/swift.log", encoding="utf-8", errors="replace").read()
m = re.search(r"Test run with (\d+) tests? in \d+ suites? (passed|failed)", log)
swift_total = int(m.group(1)) if m else 0
swift_failed = len(set(re.findall(r"^✘ Test (\S+?)(?:\(.*?\))? .*failed", log, re.M)))
if swift_status != 0 and swift_failed == 0:
    swift_failed = 1  # the build or the runner itself failed
try:
    suite = ET.parse(f"{results}/pytest.xml").getroot()
    suite = suite if suite.tag == "testsuite" else suite[0]
    py_total = int(suite.get("tests", 0)); py_failed = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
    py_skipped = int(suite.get("skipped", 0))
except Exception:
    py_total, py_failed, py_skipped = 0, 1, 0
if pytest_status != 0 and py_failed == 0:
    py_failed = 1
# Fuzz harnesses, sanitizer runs and the soak, one "pass NAME" / "fail NAME" line each.
try:
    extra = [line.split()[0] for line in open(f"{results}/extra", encoding="utf-8")
             if line.split()[:1] in (["pass"], ["fail"])]
except OSError:
    extra = []
extra_failed = extra.count("fail")
passed = max(0, swift_total - swift_failed) + max(0, py_total - py_failed - py_skipped) + extra.count("pass")
failed = swift_failed + py_failed + extra_failed
print(f"swift test: {swift_total} tests, {swift_failed} failed; integration: {py_total} tests, {py_failed} failed, {py_skipped} skipped")
print(f"fuzz, sanitizers and soak: {len(extra)} runs, {extra_failed} failed")
print(f"{passed} passed, {failed} failed" + (f", {py_skipped} skipped" if py_skipped else ""))
sys.exit(1 if failed else 0)
PY
