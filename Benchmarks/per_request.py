#!/usr/bin/env python3
"""Instructions and system calls per request, for hubspot-install and the C hello of http.sh,
each behind a real nginx: figures that do not depend on the machine's load, unlike req/s.

    python3 Benchmarks/per_request.py [--bin DIR] [--requests N] [--tool callgrind|strace|both]
                                      [--keep DIR]

One responder thread each: a hubspot-install worker (`serve --worker --threads 1`, handed a
listening socket on fd 0 and a readiness pipe on fd 3 the way its master hands them) and the C
hello with 1 thread, each run under `valgrind --tool=callgrind` (user-space instructions: the
counters are dumped after a warm-up and again after N requests of one route, so start-up is left
out) or `strace -f -c` (system calls: strace attached to every thread after the warm-up and detached
after N requests). A benchmark, not a test: it prints one table.
"""
import argparse
import http.client
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ROUTES = [("C hello", "/c-hello", 200), ("ours /", "/", 200), ("ours /oauth/authorize", "/oauth/authorize", 302),
          ("ours /healthz", "/healthz", 200)]


def wait_for(predicate, what, timeout=60.0):
    deadline = time.time() + timeout
    while not predicate():
        if time.time() > deadline:
            raise SystemExit(f"per_request.py: timed out waiting for {what}")
        time.sleep(0.05)


def listening_socket(path: Path) -> socket.socket:
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o117)
    listener.bind(str(path))
    os.umask(old)
    listener.listen(1024)
    # What the master sets: a blocked accept returns every 0.5 s, so the stop is seen.
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, struct.pack("ll", 0, 500_000))
    return listener


class Setup:
    def __init__(self, bindir: Path, work: Path):
        self.bin = bindir.resolve() / "hubspot-install"
        self.work = work
        key = subprocess.run([str(self.bin), "keygen"], check=True, capture_output=True, text=True).stdout.strip()
        self.config = work / "ours.env"
        self.config.write_text(
            "HUBSPOT_CLIENT_ID=9b4a5e2c-1f3d-4a8b-9c7e-6d5f4e3c2b1a\n"
            "HUBSPOT_REDIRECT_URI=https://install.example.com/oauth/callback\n"
            "HUBSPOT_SCOPES=oauth crm.objects.contacts.read\n"
            "HUBSPOT_OPTIONAL_SCOPES=automation\n"
            f"INSTALL_STATE_KEYS={key}\n"
            f"INSTALL_STATE_DIR={work}/state\n"
            "INSTALL_TOKEN_HOOK=exec:/bin/true\n"
            "INSTALL_APP_NAME=Benchmark app\n"
            f"INSTALL_PUBLIC_DIR={REPO}/public\n")
        self.c_hello = work / "c-hello"
        subprocess.run(["cc", "-O2", "-pthread", "-o", str(self.c_hello), str(REPO / "Benchmarks/c-hello/hello.c"),
                        "-lfcgi"], check=True)
        self.our_socket = work / "ours.sock"
        self.c_socket = work / "c-hello.sock"
        self.nginx = None
        self.port = None

    def start_nginx(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        prefix = self.work / "nginx"
        (prefix / "logs").mkdir(parents=True, exist_ok=True)
        (prefix / "temp").mkdir(exist_ok=True)
        root = self.work / "root"
        root.mkdir(exist_ok=True)
        shutil.copy("/etc/nginx/fastcgi_params", prefix)
        text = (REPO / "Benchmarks/nginx-bench.conf").read_text()
        for name, value in {"@PREFIX@": str(prefix), "@PORT@": str(self.port), "@ROOT@": str(root),
                            "@C_SOCKET@": str(self.c_socket), "@OUR_SOCKET@": str(self.our_socket),
                            "@WORKERS@": "1", "@USER@": "user root;" if os.geteuid() == 0 else ""}.items():
            text = text.replace(name, value)
        (prefix / "nginx.conf").write_text(text)
        self.nginx = subprocess.Popen(["nginx", "-p", f"{prefix}/", "-e", str(prefix / "logs/error.log"), "-c",
                                       str(prefix / "nginx.conf")], stdin=subprocess.DEVNULL,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: self._answers(), "nginx")

    def _answers(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return True
        except OSError:
            return False

    def stop(self):
        if self.nginx:
            self.nginx.terminate()
            self.nginx.wait(10)

    def start(self, which: str, wrapper: list, log: Path) -> subprocess.Popen:
        """Starts one responder thread under `wrapper` (valgrind or strace); returns its process."""
        environment = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "SWIFT_BACKTRACE": "enable=no"}
        err = open(log, "wb")
        if which == "ours":
            if self.our_socket.exists():
                self.our_socket.unlink()
            listener = listening_socket(self.our_socket)
            ready_read, ready_write = os.pipe()

            def hand_over():
                os.dup2(ready_write, 3)

            process = subprocess.Popen(
                wrapper + [str(self.bin), "serve", "--worker", "--threads", "1", "--config", str(self.config)],
                stdin=listener.fileno(), stdout=subprocess.DEVNULL, stderr=err, env=environment, cwd=self.work,
                close_fds=False, preexec_fn=hand_over)
            listener.close()
            os.close(ready_write)
            # The worker writes its pid into the pipe once its thread accepts.
            os.set_blocking(ready_read, True)
            data = os.read(ready_read, 4)
            os.close(ready_read)
            if len(data) != 4:
                raise SystemExit(f"per_request.py: the worker did not start; see {log}")
            return process
        if self.c_socket.exists():
            self.c_socket.unlink()
        process = subprocess.Popen(wrapper + [str(self.c_hello), str(self.c_socket), "1"], stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=err, env=environment, cwd=self.work)
        wait_for(lambda: b"started" in log.read_bytes(), "the C hello")
        return process

    def send(self, path: str, status: int, count: int):
        """`count` GETs through nginx on one kept-alive connection, one after another."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        for _ in range(count):
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            if response.status != status:
                raise SystemExit(f"per_request.py: {path} answered {response.status}, expected {status}")
        connection.close()


def stop(process: subprocess.Popen):
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def callgrind(setup: Setup, name: str, path: str, status: int, count: int, warmup: int, keep: Path) -> float:
    which = "c" if path == "/c-hello" else "ours"
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    out = setup.work / f"callgrind.{slug}"
    log = setup.work / f"{slug}.callgrind.log"
    process = setup.start(which, ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}.%p"], log)
    setup.send(path, status, warmup)
    subprocess.run(["callgrind_control", "-d", "warm", str(process.pid)], check=True, capture_output=True)
    setup.send(path, status, count)
    subprocess.run(["callgrind_control", "-d", "measured", str(process.pid)], check=True, capture_output=True)
    stop(process)
    dumps = sorted(setup.work.glob(f"callgrind.{slug}.{process.pid}.*"))
    measured = None
    for dump in dumps:
        text = dump.read_text(errors="replace")
        if re.search(r"^desc: Trigger: .*\bmeasured$", text, re.M):
            measured = dump
    if measured is None:
        raise SystemExit(f"per_request.py: no callgrind dump for {name}; see {log}")
    total = int(re.search(r"^summary: (\d+)", measured.read_text(errors="replace"), re.M).group(1))
    if keep:
        keep.mkdir(parents=True, exist_ok=True)
        shutil.copy(measured, keep / f"callgrind.{slug}")
    return total / count


def strace_counts(setup: Setup, name: str, path: str, status: int, count: int, warmup: int, keep: Path) -> dict:
    """strace attached to every thread of the responder after the warm-up, detached after N requests."""
    which = "c" if path == "/c-hello" else "ours"
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    out = setup.work / f"strace.{slug}"
    process = setup.start(which, [], setup.work / f"{slug}.strace.log")
    setup.send(path, status, warmup)
    tracer_log = setup.work / f"{slug}.strace.attach"
    with open(tracer_log, "wb") as sink:
        tracer = subprocess.Popen(["strace", "-f", "-c", "-o", str(out), "-p", str(process.pid)], stderr=sink)
    wait_for(lambda: b"attached" in tracer_log.read_bytes(), "strace to attach")
    setup.send(path, status, count)
    tracer.send_signal(signal.SIGINT)
    tracer.wait(60)
    stop(process)
    if keep:
        keep.mkdir(parents=True, exist_ok=True)
        shutil.copy(out, keep / out.name)
    return {call: calls / count for call, calls in parse_strace(out.read_text()).items()}


def parse_strace(text: str) -> dict:
    counts = {}
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 5 and fields[0][0].isdigit() and not line.startswith("100.00"):
            # % time, seconds, usecs/call, calls, [errors,] syscall
            calls = int(fields[3])
            counts[fields[-1]] = counts.get(fields[-1], 0) + calls
    return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", type=Path, help="directory of hubspot-install (default: swift build -c release)")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--tool", choices=["callgrind", "strace", "both"], default="both")
    parser.add_argument("--routes", default="", help="comma-separated names' paths to measure (default: all)")
    parser.add_argument("--keep", type=Path, help="copy the callgrind dumps and strace tables here")
    arguments = parser.parse_args()
    bindir = arguments.bin
    if bindir is None:
        subprocess.run(["swift", "build", "-c", "release", "--product", "hubspot-install"], cwd=REPO, check=True,
                       stdout=sys.stderr)
        bindir = Path(subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=REPO, check=True,
                                     capture_output=True, text=True).stdout.strip())
    chosen = [route for route in ROUTES
              if not arguments.routes or route[1] in arguments.routes.split(",")]
    # A worker tells its master (here: us) it is ready with SIGUSR2, which would end Python.
    signal.signal(signal.SIGUSR2, lambda *_: None)
    work = Path(tempfile.mkdtemp(prefix="hubspot-install-per-request."))
    setup = Setup(bindir, work)
    try:
        setup.start_nginx()
        rows = []
        for name, path, status in chosen:
            row = {"name": name}
            if arguments.tool in ("callgrind", "both"):
                print(f"callgrind: {name}", file=sys.stderr)
                row["instructions"] = callgrind(setup, name, path, status, arguments.requests, arguments.warmup,
                                                arguments.keep)
            if arguments.tool in ("strace", "both"):
                print(f"strace: {name}", file=sys.stderr)
                row["syscalls"] = strace_counts(setup, name, path, status, arguments.requests, arguments.warmup,
                                                arguments.keep)
            rows.append(row)
    except BaseException:
        print(f"per_request.py: left {work} for a look", file=sys.stderr)
        raise
    else:
        shutil.rmtree(work, ignore_errors=True)
    finally:
        setup.stop()

    print(f"{arguments.requests} requests per row after {arguments.warmup} of warm-up, one responder thread, "
          "through nginx; per request:")
    print("| row | instructions | syscalls | of which |")
    print("|---|---:|---:|---|")
    for row in rows:
        instructions = f"{row['instructions']:,.0f}" if "instructions" in row else "-"
        calls = row.get("syscalls")
        if calls:
            shown = {call: n for call, n in calls.items() if abs(n) >= 0.05}
            total = sum(shown.values())
            detail = ", ".join(f"{call} {n:.2f}".rstrip("0").rstrip(".")
                               for call, n in sorted(shown.items(), key=lambda item: -item[1]))
            print(f"| {row['name']} | {instructions} | {total:.2f} | {detail} |")
        else:
            print(f"| {row['name']} | {instructions} | - | - |")


if __name__ == "__main__":
    main()
