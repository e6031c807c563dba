"""The master and its workers, through the nginx site: workers killed (SIGKILL, SIGABRT, libfcgi's
abort on a malformed record) are replaced within a second while the others keep answering; a worker
that dies at once is restarted with a growing pause; SIGTERM drains every worker; SIGHUP reloads
the configuration, keys and templates under load without a failed request, and refuses a bad
configuration; stray signals never wedge or kill a worker."""
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest
import requests

from harness import (REPO, _fcgi_record, binary, json_log_lines, settings, state_fields, state_key,
                     state_key_id, wait_for, write_config)


def events(stack, name=None):
    lines = [line for line in json_log_lines(stack.responder.stderr()) if "event" in line]
    return [line for line in lines if name is None or line["event"] == name]


def unix_time(line) -> float:
    return datetime.strptime(line["time"], "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()


def workers(stack) -> set:
    """The master's children right now: its workers (a hook's process is a grandchild)."""
    master = stack.responder.process.pid
    try:
        with open(f"/proc/{master}/task/{master}/children") as f:
            return {int(pid) for pid in f.read().split()}
    except FileNotFoundError:
        return set()


def ready_workers(stack, count, timeout=10.0) -> set:
    """Waits until `count` workers run and each has said it is ready; returns their pids."""
    def ready():
        pids = workers(stack)
        announced = {line["pid"] for line in events(stack, "worker_ready")}
        return pids if len(pids) == count and pids <= announced else None
    return wait_for(ready, timeout=timeout, what=f"{count} ready workers")


def malformed_record(path):
    """What a local peer can send libfcgi (CVE-2025-23016's residue): a PARAMS record announcing a
    name and a value of 0x7ffffff0 bytes each, which makes it abort() the process that reads it."""
    lengths = struct.pack(">II", 0x7FFFFFF0 | 0x80000000, 0x7FFFFFF0 | 0x80000000)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(10)
        s.connect(str(path))
        s.sendall(_fcgi_record(1, 1, struct.pack(">HB5x", 1, 0)) + _fcgi_record(4, 1, lengths + b"x" * 16))
        try:
            while s.recv(4096):
                pass
        except OSError:
            pass


def reloaded(stack, generation, timeout=15.0):
    """Waits until `generation` has taken over and every worker it retired has exited (a retired
    worker's idle threads may still take a connection until their accept times out)."""
    def done():
        taken = [line for line in events(stack, "reloaded") if line["generation"] == generation]
        exited = {str(line["pid"]) for line in events(stack, "worker_exited")}
        return taken and set(taken[0]["retired"]) <= exited
    wait_for(done, timeout=timeout, what=f"generation {generation} to take over")


ROUTES = [("/", 200), ("/healthz", 200), ("/oauth/authorize", 302), ("/installed", 200)]


def load(stack, total, concurrency, on_progress=None):
    """`total` requests through nginx from `concurrency` threads, each a new connection; returns
    the (path, status or exception name) of every request that did not get its expected status."""
    done = [0]
    lock = threading.Lock()
    failures = []

    def one(index):
        path, expected = ROUTES[index % len(ROUTES)]
        try:
            status = requests.get(stack.nginx.url + path, allow_redirects=False, timeout=30).status_code
        except requests.RequestException as error:
            status = type(error).__name__
        with lock:
            if status != expected:
                failures.append((path, status))
            done[0] += 1
            count = done[0]
        if on_progress:
            on_progress(count)

    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(total)))
    return failures


def test_killed_workers_are_replaced_within_a_second_while_the_others_keep_answering(make_stack):
    threads = 4
    stack = make_stack(workers=3, threads=threads)
    original = ready_workers(stack, 3)
    kills = []  # (how, pid or None, unix time)
    triggers = {200: "SIGKILL", 450: "SIGABRT", 700: "record"}
    fired = set()
    trigger_lock = threading.Lock()

    def kill_one(how):
        if how == "record":
            kills.append((how, None, time.time()))
            malformed_record(stack.responder.socket_path)
            return
        pid = max(workers(stack) & original)  # one that has run for a while, never one just replaced
        original.discard(pid)
        kills.append((how, pid, time.time()))
        os.kill(pid, getattr(signal, how))

    def on_progress(count):
        with trigger_lock:
            how = triggers.get(count)
            if how is None or how in fired:
                return
            fired.add(how)
        kill_one(how)

    failures = load(stack, 1000, concurrency=8, on_progress=on_progress)
    assert len(kills) == 3

    deaths = wait_for(lambda: (found := [line for line in events(stack, "worker_exited")
                                         if line["expected"] == "no"]) and len(found) == 3 and found,
                      timeout=10, what="three worker deaths")
    assert [line["signal"] for line in deaths] == ["SIGKILL", "SIGABRT", "SIGABRT"]
    assert [line["pid"] for line in deaths][:2] == [pid for _, pid, _ in kills[:2]]
    # Each replaced within a second of the kill, by a worker in the same slot, ready to accept.
    ready = events(stack, "worker_ready")
    for (how, _, killed_at), death in zip(kills, deaths):
        replacement = [line for line in ready if line["slot"] == death["slot"] and unix_time(line) >= killed_at]
        assert replacement, (how, death)
        assert unix_time(replacement[0]) - killed_at < 1.0, (how, death, replacement[0])
    # A worker killed within a second of its start waits 100 ms (200 ms the second time in a row).
    assert all(line["delay_ms"] <= 200 for line in events(stack, "worker_backoff"))
    ready_workers(stack, 3)

    # Only requests in flight on a killed worker may fail: at most its threads' worth each, and
    # each one is a 502 in nginx's access log (the upstream closed the connection).
    assert all(status == 502 for _, status in failures), failures
    assert len(failures) <= threads * len(kills), failures
    access = stack.nginx.access_log_text().splitlines()
    assert sum(1 for line in access if '" 502 ' in line) == len(failures)
    assert stack.get("/healthz").status_code == 200


def test_a_worker_that_dies_at_once_is_restarted_with_growing_pauses_never_in_a_tight_loop(make_stack):
    """A worker that cannot start (here: the configuration file it reads was broken after the
    master checked it, and no reload was asked for) dies before it is ready, again and again: the
    master waits 100 ms, 200 ms, 400 ms... between tries, never looping, and keeps running."""
    stack = make_stack(workers=1, threads=2)
    first = ready_workers(stack, 1)
    good = stack.config.read_text()
    stack.config.write_text(good + "INSTALL_STATE_TTL=0\n")  # out of range: the worker refuses to start
    os.kill(next(iter(first)), signal.SIGKILL)  # a ready worker: replaced at once, by one that fails
    time.sleep(4.0)
    failed = events(stack, "worker_exited")
    # Without a pause the master would start hundreds of workers in four seconds; with 100 ms
    # doubling (0.1, 0.2, 0.4, 0.8, 1.6 s) about six.
    assert 4 <= len(failed) <= 9, failed
    backoff = events(stack, "worker_backoff")
    delays = [line["delay_ms"] for line in backoff]
    assert delays[:4] == [100, 200, 400, 800], delays
    assert [line["quick_deaths"] for line in backoff] == list(range(1, len(backoff) + 1))
    assert stack.responder.process.poll() is None
    # Once the file is good again, the next worker comes up after its pause and serves.
    stack.config.write_text(good)
    ready_workers(stack, 1, timeout=15)
    assert stack.get("/healthz").status_code == 200


def test_sigterm_drains_every_worker_and_exits_0(make_stack):
    # Three hook slots per worker: the three callbacks may all reach one worker.
    stack = make_stack(workers=2, threads=4, hook_options={"sleep": 1.5}, INSTALL_HOOK_CONCURRENCY="3")
    ready_workers(stack, 2)
    flows = [stack.authorize() for _ in range(3)]
    responses = {}

    def arrive(index, state, cookie):
        responses[index] = stack.callback(state, cookie).status_code

    callers = [threading.Thread(target=arrive, args=(index, state, cookie))
               for index, (_, state, cookie) in enumerate(flows)]
    for caller in callers:
        caller.start()
    wait_for(lambda: stack.hook.started_count() == 3, what="three hooks to start")
    stack.responder.signal(signal.SIGTERM)
    for caller in callers:
        caller.join(30)
    assert responses == {0: 303, 1: 303, 2: 303}
    assert all(run["done"] for run in stack.hook.runs())
    assert stack.responder.process.wait(20) == 0
    assert not stack.responder.socket_path.exists()
    exits = events(stack, "worker_exited")
    assert len(exits) == 2 and all(line["exit_status"] == 0 and line["expected"] == "yes" for line in exits)
    assert [line["event"] for line in events(stack)][-1] == "stopped"


def test_sighup_under_load_fails_no_request(make_stack):
    stack = make_stack(workers=2, threads=4)
    ready_workers(stack, 2)
    failures = []
    stop = threading.Event()
    answered = [0]

    def client():
        index = 0
        while not stop.is_set():
            path, expected = ROUTES[index % len(ROUTES)]
            index += 1
            try:
                status = requests.get(stack.nginx.url + path, allow_redirects=False, timeout=30).status_code
            except requests.RequestException as error:
                status = type(error).__name__
            if not (isinstance(status, int) and 200 <= status < 400 and status == expected):
                failures.append((path, status))
            answered[0] += 1

    clients = [threading.Thread(target=client) for _ in range(12)]
    for thread in clients:
        thread.start()
    try:
        for generation in (2, 3, 4):
            time.sleep(1.0)
            stack.responder.signal(signal.SIGHUP)
            reloaded(stack, generation)
        time.sleep(1.0)
    finally:
        stop.set()
        for thread in clients:
            thread.join(60)
    assert failures == []
    assert answered[0] > 200
    # Every retired worker finished its requests and exited 0; nothing died unexpectedly.
    wait_for(lambda: len(events(stack, "worker_exited")) == 6, timeout=20, what="six retired workers")
    assert all(line["exit_status"] == 0 and line["expected"] == "yes" for line in events(stack, "worker_exited"))
    assert len(ready_workers(stack, 2)) == 2


def test_sighup_under_wrk_load_answers_only_2xx_and_3xx(make_stack):
    """The same reloads under wrk at saturation (2 threads, 32 connections through nginx): wrk
    counts every socket error and every answer that is not 2xx or 3xx, and there must be none."""
    if shutil.which("wrk") is None:
        pytest.fail("wrk is not installed (Tests/run.sh installs it)")
    stack = make_stack(workers=2, threads=4)
    ready_workers(stack, 2)
    run = subprocess.Popen(["wrk", "-t2", "-c32", "-d8s", "--latency", stack.nginx.url + "/oauth/authorize"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for generation in (2, 3, 4):
            time.sleep(1.5)
            stack.responder.signal(signal.SIGHUP)
            reloaded(stack, generation)
        out, _ = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 0, out
    requests_done = int(re.search(r"(\d+) requests in", out).group(1))
    assert requests_done > 500, out
    assert "Non-2xx or 3xx responses" not in out, out
    assert "Socket errors" not in out, out
    wait_for(lambda: len(events(stack, "worker_exited")) == 6, timeout=20, what="six retired workers")
    assert all(line["exit_status"] == 0 and line["expected"] == "yes" for line in events(stack, "worker_exited"))


def test_a_bad_configuration_on_sighup_is_refused_and_the_old_workers_keep_serving(make_stack):
    stack = make_stack(workers=2)
    before = ready_workers(stack, 2)
    good = stack.config.read_text()
    bad = dict(stack.values, INSTALL_STATE_TTL="0", HUBSPOT_REDIRECT_URI="ftp://install.example.com/cb")
    write_config(stack.config, bad)
    stack.responder.signal(signal.SIGHUP)
    refused = wait_for(lambda: events(stack, "reload_refused"), timeout=10, what="the refusal")
    problems = refused[0]["problems"]
    assert any(problem.startswith("INSTALL_STATE_TTL:") for problem in problems), problems
    assert any(problem.startswith("HUBSPOT_REDIRECT_URI:") for problem in problems), problems
    assert state_key() not in stack.responder.stderr()
    # The old workers serve on, untouched.
    for _ in range(10):
        assert stack.get("/healthz").status_code == 200
    stack.authorize()
    assert workers(stack) == before
    assert len(events(stack, "worker_started")) == 2

    stack.config.write_text(good)
    stack.responder.signal(signal.SIGHUP)
    reloaded(stack, 2)
    after = ready_workers(stack, 2)
    assert not after & before
    assert stack.get("/").status_code == 200


def test_a_changed_key_and_template_take_effect_after_sighup(make_stack, tmp_path):
    public = tmp_path / "public"
    shutil.copytree(REPO / "public", public)
    stack = make_stack(workers=2, INSTALL_PUBLIC_DIR=str(public))
    ready_workers(stack, 2)
    old_key = stack.values["INSTALL_STATE_KEYS"]
    _, pending, cookie = stack.authorize()
    assert state_fields(pending)["key_id"] == state_key_id(old_key)
    assert "Freshly reloaded" not in stack.get("/").text

    new_key = subprocess.run([str(binary()), "keygen"], check=True, capture_output=True, text=True).stdout.strip()
    stack.secrets.add(new_key)
    index = public / "index.html"
    index.write_text(index.read_text().replace("</body>", "<p>Freshly reloaded</p></body>", 1))
    stack.values["INSTALL_STATE_KEYS"] = f"{new_key} {old_key}"
    write_config(stack.config, stack.values)
    stack.responder.signal(signal.SIGHUP)
    reloaded(stack, 2)

    assert "Freshly reloaded" in stack.get("/").text
    _, fresh, cookie = stack.authorize(cookie=cookie)
    assert state_fields(fresh)["key_id"] == state_key_id(new_key)
    # A state signed before the reload with the key now second still completes.
    assert stack.callback(pending, cookie).status_code == 303
    assert stack.callback(fresh, cookie).status_code == 303
    assert len(stack.hook.runs()) == 2


STRAY = [signal.SIGUSR1, signal.SIGUSR2, signal.SIGPIPE, signal.SIGHUP, signal.SIGALRM, signal.SIGINT,
         signal.SIGTSTP, signal.SIGTTIN, signal.SIGTTOU, signal.SIGXFSZ, signal.SIGVTALRM, signal.SIGPROF,
         signal.SIGIO, signal.SIGPWR]


def test_stray_signals_never_wedge_or_kill_a_worker(make_stack):
    """One worker, so a wedged one cannot hide behind another: libfcgi's own SIGUSR1 handler, left
    in place, makes every later accept fail at once and the responder deaf while alive."""
    stack = make_stack(workers=1, threads=2)
    before = ready_workers(stack, 1)
    (worker,) = before
    master = stack.responder.process.pid
    for number in STRAY:
        os.kill(worker, number)
        if number not in (signal.SIGHUP, signal.SIGINT):  # those mean reload and stop to the master
            os.kill(master, number)
        for _ in range(3):
            began = time.monotonic()
            assert stack.get("/healthz", timeout=5).status_code == 200, number
            assert time.monotonic() - began < 0.5, (number, time.monotonic() - began)
    assert workers(stack) == before
    assert events(stack, "worker_exited") == []
    assert stack.responder.process.poll() is None
    with open(f"/proc/{worker}/stat") as f:
        assert f.read().split(") ", 1)[1][0] in "SR"  # not stopped by SIGTSTP/SIGTTIN/SIGTTOU


def test_workers_of_a_master_killed_outright_stop_by_themselves(make_stack):
    stack = make_stack(workers=2)
    pids = ready_workers(stack, 2)
    stack.responder.process.kill()
    stack.responder.process.wait(10)

    def gone():
        return all(not os.path.exists(f"/proc/{pid}") or _is_zombie(pid) for pid in pids)
    wait_for(gone, timeout=5, what="the orphaned workers to exit")
    assert len([line for line in json_log_lines(stack.responder.stderr_path.read_text())
                if line.get("event") == "worker_orphaned"]) == 2


def _is_zombie(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1].startswith("Z")
    except OSError:
        return True
