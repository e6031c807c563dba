"""Taking the endpoint down by holding or killing its workers, through the real servers: a slow
request body through Apache (the shipped site refuses it; the responder itself never waits on a body
for long) and through nginx; a stream of records that make libfcgi abort (a worker that was ready is
replaced at once, never after a pause); connections that say nothing (dropped after a few seconds,
while a request whose parameters arrive with pauses still succeeds); a storm of SIGHUPs (reloads are
coalesced). Each shows /healthz keeps answering."""
import re
import signal
import socket
import struct
import threading
import time

import pytest
import requests

import apache as apache_module
from harness import Responder, Stack, _fcgi_pair, _fcgi_record, fastcgi_request, free_port, settings, wait_for, \
    write_config, Hook
from test_apache import ApacheStack
from test_workers import events, malformed_record, ready_workers, workers

SLOW_HEAD = b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 60000\r\n\r\n" + b"x" * 10


class SlowBodies:
    """`count` HTTP connections to `port`, each sending `head` and then one more byte of its body
    every `interval` seconds (under libfcgi's own 2 s wait on close, so that wait would never end
    either), until `close`. `responses[i]` is what connection i received so far."""

    def __init__(self, port, count, head=SLOW_HEAD, interval=1.0):
        self.sockets = []
        for _ in range(count):
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            s.sendall(head)
            self.sockets.append(s)
        self.responses = [b""] * count
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._trickle, args=(index, interval), daemon=True)
                        for index in range(count)]
        for thread in self.threads:
            thread.start()

    def _trickle(self, index, interval):
        s = self.sockets[index]
        s.settimeout(interval)
        while not self.stopping.is_set():
            try:
                chunk = s.recv(65536)
                if not chunk:
                    return
                self.responses[index] += chunk
            except socket.timeout:
                pass
            except OSError:
                return
            try:
                s.sendall(b"x")
            except OSError:
                return

    def close(self):
        self.stopping.set()
        for thread in self.threads:
            thread.join(10)
        for s in self.sockets:
            s.close()


def healthz_keeps_answering(url, seconds, timeout=8.0, interval=0.25):
    """Asks /healthz once every `interval` s for `seconds`; returns how long each took (all must be 200)."""
    took = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        began = time.monotonic()
        response = requests.get(url + "/healthz", timeout=timeout)
        assert response.status_code == 200, response.status_code
        took.append(time.monotonic() - began)
        time.sleep(interval)
    return took


@pytest.fixture
def make_apache():
    stacks = []

    def make(mode, **options):
        stack = ApacheStack(mode, **options)
        stacks.append(stack)
        return stack

    yield make
    for stack in stacks:
        stack.stop()


@pytest.fixture
def make_stack(tmp_path):
    stacks = []

    def make(**options):
        stack = Stack(tmp_path / f"stack{len(stacks)}", **options)
        stacks.append(stack)
        return stack

    yield make
    for stack in stacks:
        stack.stop()


# ---- 1. A slow request body ----------------------------------------------------------------------

def test_the_shipped_apache_site_refuses_a_body_before_the_responder_sees_it(make_apache):
    stack = make_apache("proxy_fcgi")  # one worker of four threads
    # The site's rate limit (mod_evasive) refuses the 21st request for one path that comes within
    # a second or two of the one before: the slow bodies go to another path than the probes, and
    # the probes stay under 20 (24 probes of /healthz after 8 slow ones got a 429 whenever one
    # Apache child counted them all).
    slow = SlowBodies(stack.apache.port, 8, head=SLOW_HEAD.replace(b"GET /healthz ", b"GET / "))
    try:
        took = healthz_keeps_answering(stack.apache.url, 6, interval=0.4)
        assert max(took) < 3, took
        # Apache answered each itself, at once: 413, never forwarded.
        assert all(response.startswith(b"HTTP/1.1 413") for response in slow.responses), slow.responses
    finally:
        slow.close()
    # A GET to the callback with a body never runs the hook; the same callback without one does.
    _, state, cookie = stack.authorize()
    code = "na1-" + "ab" * 12
    stack.secrets.add(code)
    with socket.create_connection(("127.0.0.1", stack.apache.port), timeout=10) as s:
        s.sendall(f"GET /oauth/callback?code={code}&state={state} HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\n"
                  f"Content-Length: 100\r\nConnection: close\r\n\r\n".encode() + b"y" * 100)
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert stack.hook.runs() == []
    assert stack.callback(state, cookie, code=code)[0].status_code == 303
    assert len(stack.hook.runs()) == 1
    stack.assert_nothing_leaked()


def test_without_the_sites_limit_the_responder_still_answers_and_never_waits_on_a_slow_body(make_apache,
                                                                                             monkeypatch):
    """The attack as first reproduced: Apache forwards the slow bodies (the site's refusal taken
    out); the responder answers each at once and its thread is free within a second."""
    shipped = apache_module.render_site

    def without_limit(*arguments):
        text = shipped(*arguments)
        refusal = re.compile(r"^    <If \"%\{HTTP:Content-Length\}.*?</If>\n", re.M | re.S)
        assert refusal.search(text)
        return refusal.sub("", text)
    monkeypatch.setattr(apache_module, "render_site", without_limit)
    stack = make_apache("proxy_fcgi")  # one worker of four threads
    slow = SlowBodies(stack.apache.port, 8)
    try:
        took = healthz_keeps_answering(stack.apache.url, 8)
        assert max(took) < 4, took
        # The responder answered each slow request too (Apache may hold that answer until the
        # body is complete: its own connection, not a responder thread).
        stack.responder.access_lines(at_least=8 + len(took))
    finally:
        slow.close()


def test_nginx_reads_a_slow_body_itself_and_the_responder_never_sees_it(make_stack):
    stack = make_stack(workers=1, threads=4)
    port = int(stack.nginx.url.rsplit(":", 1)[1])
    slow = SlowBodies(port, 8)
    try:
        took = healthz_keeps_answering(stack.nginx.url, 5)
        assert max(took) < 3, took
    finally:
        slow.close()


# ---- 2. A stream of abort records ----------------------------------------------------------------

def test_a_stream_of_abort_records_never_makes_the_workers_wait_to_restart(make_stack):
    stack = make_stack(workers=2, threads=4)
    ready_workers(stack, 2)
    time.sleep(1.1)
    stop = threading.Event()
    sent = [0]

    def stream():
        # Four records a second for ten seconds, each killing the worker that reads it.
        began = time.monotonic()
        while time.monotonic() - began < 10:
            threading.Thread(target=malformed_record, args=(stack.responder.socket_path,), daemon=True).start()
            sent[0] += 1
            time.sleep(0.25)
        stop.set()

    sender = threading.Thread(target=stream)
    sender.start()
    statuses = []
    while not stop.is_set():
        try:
            statuses.append(requests.get(stack.nginx.url + "/healthz", timeout=5).status_code)
        except requests.RequestException as error:
            statuses.append(type(error).__name__)
        time.sleep(0.05)
    sender.join()
    deaths = [line for line in events(stack, "worker_exited") if line["expected"] == "no"]
    assert len(deaths) >= 30, (sent[0], len(deaths))
    answered = statuses.count(200)
    assert answered >= 0.9 * len(statuses), (answered, len(statuses), statuses)
    # Only a request in flight on a killed worker fails, as a 502; never a wait.
    assert all(status in (200, 502) for status in statuses), statuses
    # No pause was ever taken: every dead worker had been ready.
    assert events(stack, "worker_backoff") == []
    # Within a second of the stream's end, every request answers again.
    time.sleep(1.0)
    for _ in range(20):
        assert requests.get(stack.nginx.url + "/healthz", timeout=5).status_code == 200

    # Forty at once (each new worker takes one as soon as it accepts): with a pause for each young
    # death this was 70 s without an answer; now it is the time to start forty workers.
    burst = [threading.Thread(target=malformed_record, args=(stack.responder.socket_path,)) for _ in range(40)]
    began = time.monotonic()
    for thread in burst:
        thread.start()
    for thread in burst:
        thread.join(60)
    # (A worker's other threads lose the records they had accepted when it dies: fewer deaths.)
    more = len([line for line in events(stack, "worker_exited") if line["expected"] == "no"]) - len(deaths)
    assert more >= 5, more
    wait_for(lambda: requests.get(stack.nginx.url + "/healthz", timeout=5).status_code == 200, timeout=10,
             what="/healthz after the burst")
    dark = time.monotonic() - began
    print(f"abort records: {answered}/{len(statuses)} answered during the stream; {more} deaths from 40 at once, "
          f"{dark:.1f} s until /healthz answered")
    assert dark < 8, dark
    assert events(stack, "worker_backoff") == []


# ---- 3. Connections that say nothing -------------------------------------------------------------

def _begin_only(address):
    family = socket.AF_UNIX if isinstance(address, str) else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect(address)
    s.sendall(_fcgi_record(1, 1, struct.pack(">HB5x", 1, 0)))
    return s


def _paused_request(address, pause):
    """A FastCGI request for /healthz whose parameters arrive in two halves, `pause` s apart."""
    family = socket.AF_UNIX if isinstance(address, str) else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.settimeout(30)
        s.connect(address)
        params = b"".join(_fcgi_pair(n, v) for n, v in [(b"REQUEST_METHOD", b"GET"), (b"REQUEST_URI", b"/healthz"),
                                                        (b"SCRIPT_NAME", b"/healthz"), (b"QUERY_STRING", b"")])
        s.sendall(_fcgi_record(1, 1, struct.pack(">HB5x", 1, 0)) + _fcgi_record(4, 1, params[:20]))
        time.sleep(pause)
        s.sendall(_fcgi_record(4, 1, params[20:]) + _fcgi_record(4, 1, b"") + _fcgi_record(5, 1, b""))
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    return data


@pytest.mark.parametrize("transport", ["unix", "tcp"])
def test_connections_that_say_nothing_are_dropped_and_a_paused_request_is_not(tmp_path, transport):
    hook = Hook(tmp_path / "hook")
    config = write_config(tmp_path / "hubspot-install.env", settings(tmp_path, hook))
    port = free_port()
    listen = ["--listen", f"127.0.0.1:{port}"] if transport == "tcp" else None
    responder = Responder(tmp_path, config, threads=4, workers=2, listen=listen)
    address = ("127.0.0.1", port) if transport == "tcp" else str(responder.socket_path)
    healthz = [("REQUEST_METHOD", "GET"), ("REQUEST_URI", "/healthz"), ("SCRIPT_NAME", "/healthz"),
               ("QUERY_STRING", "")]
    idle = []
    try:
        # A request whose parameters pause for 3 s (longer than the accept timeout a TCP connection
        # used to inherit) is answered.
        assert b"\r\n\r\nok" in _paused_request(address, 3.0)
        # Eight connections that send BEGIN_REQUEST only: every thread of both workers takes one.
        idle = [_begin_only(address) for _ in range(8)]
        began = time.monotonic()
        answer = fastcgi_request(address, healthz, timeout=30)
        assert b"\r\n\r\nok" in answer
        assert time.monotonic() - began < 12
        # Each idle connection was closed by the responder, none left waiting.
        for s in idle:
            assert s.recv(4096) == b""
        assert time.monotonic() - began < 15
    finally:
        for s in idle:
            s.close()
        assert responder.stop() == 0


# ---- 5. A storm of SIGHUPs -----------------------------------------------------------------------

def test_a_sighup_storm_is_coalesced_into_a_few_reloads(make_stack):
    stack = make_stack(workers=2, threads=4)
    ready_workers(stack, 2)
    peak = 0
    statuses = []
    end = time.monotonic() + 5
    while time.monotonic() < end:
        stack.responder.signal(signal.SIGHUP)
        peak = max(peak, len(workers(stack)))
        time.sleep(0.01)
    # 500 signals: one generation starts at a time, plus the one asked for during the last.
    wait_for(lambda: len(workers(stack)) == 2 and not events(stack, "reloading")[-1]["generation"]
             > max([line["generation"] for line in events(stack, "reloaded")] or [0]),
             timeout=20, what="the last reload to take over")
    generations = [line["generation"] for line in events(stack, "reloading")]
    print(f"SIGHUP storm: at most {peak} workers, {len(generations)} reloads")
    # Without coalescing: a generation per signal, 58 workers at once. Now the current workers,
    # the next generation, and the ones it replaced still finishing.
    assert peak <= 8, peak
    assert len(generations) <= 40, len(generations)
    for _ in range(5):
        statuses.append(requests.get(stack.nginx.url + "/healthz", timeout=5).status_code)
    assert statuses == [200] * 5
    ready_workers(stack, 2)


# ---- 4. A parameter of hundreds of MiB -----------------------------------------------------------

def test_a_huge_parameter_kills_only_its_worker_which_is_replaced_at_once(make_stack):
    """libfcgi allocates a parameter whole, at the size its record announces, before the responder
    can refuse it: the master's data limit on each worker (256 MiB + 16 MiB a thread) makes that
    allocation fail, so the worker dies at once instead of growing by 300 MiB."""
    stack = make_stack(workers=2, threads=4)
    before = ready_workers(stack, 2)
    for pid in before:
        limits = open(f"/proc/{pid}/limits").read()
        line = next(line for line in limits.splitlines() if line.startswith("Max data size"))
        assert int(line.split()[3]) == (256 + 16 * 4) << 20, line
    time.sleep(1.1)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(20)
        s.connect(str(stack.responder.socket_path))
        lengths = struct.pack(">BI", 4, (300 << 20) | 0x80000000)
        s.sendall(_fcgi_record(1, 1, struct.pack(">HB5x", 1, 0)) + _fcgi_record(4, 1, lengths + b"NAME" + b"v" * 4096))
        assert s.recv(4096) == b""
    death = wait_for(lambda: [line for line in events(stack, "worker_exited") if line["expected"] == "no"],
                     timeout=10, what="the worker's death")
    assert death[0]["signal"] == "SIGABRT", death
    assert events(stack, "worker_backoff") == []
    after = ready_workers(stack, 2)
    assert len(after - before) == 1
    for _ in range(10):
        assert requests.get(stack.nginx.url + "/healthz", timeout=5).status_code == 200
