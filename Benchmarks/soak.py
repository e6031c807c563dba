"""The soak run of Benchmarks/soak.sh: the responder (master and workers) behind the nginx site of
deploy/nginx/, as the integration tests start it (Tests/integration/harness.py), under mixed
traffic for SOAK_SECONDS, while a malformed FastCGI record kills a worker every second and a SIGHUP
reloads in the warm-up and then every minute. Prints a line every 30 s and a verdict; exits 1 if
the verdict is a failure.

Traffic, from SOAK_CLIENTS threads as fast as they go: the landing page, /healthz, /oauth/authorize,
full installs (authorize, then the callback with its state and cookie, through an exec hook), and
hostile callbacks (a tampered state, no cookie) that must be refused with 400.

What counts: a legitimate request fails if it gets anything but its expected status. A worker
killed by the malformed record takes the requests in flight on its threads with it (nginx answers
those 502): they are counted apart, and must stay within the killed workers' threads. Pass: no
other failure, those within bound, and the RSS of the master and of the largest worker, after the
warm-up, never more than 10 % above its first sample. (Workers are per process, not added up: during
a reload the old and the new ones overlap for a moment. And with a worker killed every second, a
worker's own leak has little time to show; the master runs throughout.)
"""
import json
import os
import random
import re
import signal
import socket
import struct
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "Tests" / "integration"))

import requests  # noqa: E402

from harness import Stack, _fcgi_record, json_log_lines  # noqa: E402

SECONDS = int(os.environ.get("SOAK_SECONDS", "600"))
CLIENTS = int(os.environ.get("SOAK_CLIENTS", "16"))
WORKERS = int(os.environ.get("SOAK_WORKERS", "2"))
THREADS = int(os.environ.get("SOAK_THREADS", "4"))
REPORT_EVERY = int(os.environ.get("SOAK_REPORT_SECONDS", "30"))
WARMUP = min(60, SECONDS // 5)
RSS_SLACK = 1.10


class Counters:
    def __init__(self):
        self.lock = threading.Lock()
        self.ok = 0
        self.failed = {}  # (kind, status) -> count
        self.lost = 0  # 502s: in flight on a worker that died
        self.busy = 0  # a callback answered "busy, try again" (hook concurrency), state not spent

    def record(self, kind, expected, status):
        with self.lock:
            if status == expected:
                self.ok += 1
            elif status == 502:
                self.lost += 1
            elif kind == "callback" and status == 503:
                self.busy += 1
            else:
                self.failed[(kind, status)] = self.failed.get((kind, status), 0) + 1


def client(base, counters, stop, seed):
    rng = random.Random(seed)
    session = requests.Session()

    def get(kind, path, expected, cookie=None):
        headers = {"Cookie": cookie} if cookie else {}
        try:
            response = session.get(base + path, headers=headers, allow_redirects=False, timeout=60)
            status = response.status_code
        except requests.RequestException as error:
            response, status = None, type(error).__name__
        counters.record(kind, expected, status)
        return response if status == expected else None

    while not stop.is_set():
        roll = rng.random()
        if roll < 0.3:
            get("landing", "/", 200)
        elif roll < 0.5:
            get("healthz", "/healthz", 200)
        elif roll < 0.75:
            get("authorize", "/oauth/authorize", 302)
        else:
            response = get("authorize", "/oauth/authorize", 302)
            if response is None:
                continue
            state = re.search(r"[?&]state=([^&]*)$", response.headers["Location"]).group(1)
            cookie = response.headers["Set-Cookie"].split(";", 1)[0]
            code = "na1-" + os.urandom(12).hex()
            if roll < 0.9:
                get("callback", f"/oauth/callback?code={code}&state={state}", 303, cookie=cookie)
            elif roll < 0.95:
                tampered = state[:30] + ("A" if state[30] != "A" else "B") + state[31:]
                get("hostile", f"/oauth/callback?code={code}&state={tampered}", 400, cookie=cookie)
            else:
                get("hostile", f"/oauth/callback?code={code}&state={state}", 400)


def malformed_records(path, stop, sent):
    """libfcgi aborts on a PARAMS record announcing 0x7ffffff0-byte names: one a second."""
    lengths = struct.pack(">II", 0x7FFFFFF0 | 0x80000000, 0x7FFFFFF0 | 0x80000000)
    record = _fcgi_record(1, 1, struct.pack(">HB5x", 1, 0)) + _fcgi_record(4, 1, lengths + b"x" * 16)
    while not stop.wait(1.0):
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(5)
                s.connect(str(path))
                s.sendall(record)
                while s.recv(4096):
                    pass
            sent[0] += 1
        except OSError:
            sent[0] += 1


def family(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [pid] + [int(child) for child in f.read().split()]
    except OSError:
        return [pid]


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
    except (OSError, StopIteration):
        return 0


def main():
    with tempfile.TemporaryDirectory(prefix="hubspot-install-soak.") as tmp:
        stack = Stack(Path(tmp), workers=WORKERS, threads=THREADS, INSTALL_TOKEN_HOOK="exec:/bin/true",
                      INSTALL_TOKEN_HOOK_TIMEOUT="10")
        master = stack.responder.process.pid
        counters = Counters()
        stop = threading.Event()
        sent = [0]
        threads = [threading.Thread(target=client, args=(stack.nginx.url, counters, stop, n), daemon=True)
                   for n in range(CLIENTS)]
        threads.append(threading.Thread(target=malformed_records, args=(stack.responder.socket_path, stop, sent),
                                        daemon=True))
        print(f"soak: {SECONDS}s, {CLIENTS} clients, {WORKERS} workers x {THREADS} threads, "
              f"warm-up {WARMUP}s, a malformed record every second, SIGHUP in the warm-up and every 60 s", flush=True)
        began = time.monotonic()
        for thread in threads:
            thread.start()
        samples = []  # (elapsed, master KiB, largest worker KiB)
        reloads = 0
        next_report = REPORT_EVERY
        # Once inside the warm-up, so the first RSS sample comes after the master has run every code
        # path it runs (starting, replacing and reloading workers): it drops the code pages start-up
        # ran, and a path run for the first time faults its pages back once, which is not growth.
        # Then every minute; a run of a minute or two (CI's) reloads once more, half-way.
        reload_times = [WARMUP // 2] + list(range(min(60, SECONDS // 2), SECONDS - 10, 60))
        last_ok = 0
        try:
            while (elapsed := time.monotonic() - began) < SECONDS:
                time.sleep(min(1.0, max(0.0, SECONDS - elapsed)))
                elapsed = time.monotonic() - began
                if reload_times and elapsed >= reload_times[0]:
                    reload_times.pop(0)
                    os.kill(master, signal.SIGHUP)
                    reloads += 1
                if elapsed >= next_report or elapsed >= SECONDS:
                    next_report += REPORT_EVERY
                    pids = family(master)
                    master_kib = rss_kib(master)
                    worker_kib = max((rss_kib(pid) for pid in pids[1:]), default=0)
                    if elapsed >= WARMUP:
                        samples.append((elapsed, master_kib, worker_kib))
                    lines = [line for line in json_log_lines(stack.responder.stderr_path.read_text(errors="replace"))
                             if "event" in line]
                    deaths = sum(1 for line in lines if line["event"] == "worker_exited" and line["expected"] == "no")
                    with counters.lock:
                        ok, failed, lost, busy = counters.ok, sum(counters.failed.values()), counters.lost, counters.busy
                    print(f"{elapsed:6.0f}s  ok {ok} ({(ok - last_ok) / REPORT_EVERY:.0f}/s)  failed {failed}  "
                          f"lost-with-killed-worker {lost}  busy {busy}  records {sent[0]}  "
                          f"worker deaths {deaths}  reloads {reloads}  "
                          f"RSS master {master_kib} KiB, largest worker {worker_kib} KiB ({len(pids) - 1} workers)",
                          flush=True)
                    last_ok = ok
        finally:
            stop.set()
            for thread in threads:
                thread.join(90)
            alive = stack.responder.process.poll() is None
            status = stack.stop()

        lines = [line for line in json_log_lines(stack.responder.stderr_path.read_text(errors="replace"))
                 if "event" in line]
        deaths = sum(1 for line in lines if line["event"] == "worker_exited" and line["expected"] == "no")
        refused = [line for line in lines if line["event"] == "reload_refused"]
        verdicts = [
            ("no legitimate request failed (other than in flight on a killed worker)", not counters.failed,
             json.dumps({f"{k} {s}": n for (k, s), n in counters.failed.items()})),
            (f"lost with killed workers <= deaths x threads ({deaths} x {THREADS})", counters.lost <= deaths * THREADS,
             str(counters.lost)),
            ("every malformed record cost a worker, replaced", deaths >= sent[0] * 0.9 and alive, f"{deaths} deaths"),
            ("reloads taken", not refused and sum(1 for l in lines if l["event"] == "reloaded") >= reloads,
             f"{reloads} SIGHUP"),
            ("the master stopped cleanly (exit 0)", status == 0, str(status)),
        ]
        if len(samples) >= 2:
            first = samples[0]
            master_peak = max(s[1] for s in samples)
            worker_peak = max(s[2] for s in samples)
            verdicts.append((f"master RSS flat within 10 % after warm-up ({first[1]} KiB first)",
                             master_peak <= first[1] * RSS_SLACK, f"peak {master_peak} KiB"))
            verdicts.append((f"largest worker's RSS flat within 10 % after warm-up ({first[2]} KiB first)",
                             worker_peak <= first[2] * RSS_SLACK, f"peak {worker_peak} KiB"))
        else:
            verdicts.append(("RSS sampled after warm-up (run longer)", False, f"{len(samples)} samples"))
        print(f"total: ok {counters.ok}, lost-with-killed-worker {counters.lost}, busy {counters.busy}, "
              f"records {sent[0]}, worker deaths {deaths}, reloads {reloads}")
        for what, passed, detail in verdicts:
            print(f"{'PASS' if passed else 'FAIL'}  {what}: {detail}")
        return 0 if all(passed for _, passed, _ in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
