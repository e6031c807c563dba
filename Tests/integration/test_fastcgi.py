"""The FastCGI adapter on its own, spoken to the way nginx speaks (and the ways nginx never does):
every socket source of `serve`, parameters read once with the last value winning, bounds, and
clients that go away."""
import os
import signal
import socket
import stat
import subprocess
import time

import pytest

from harness import (Hook, Responder, fastcgi_request, free_port, parse_cgi_output, settings, wait_for,
                     write_config)


@pytest.fixture
def config(tmp_path):
    hook = Hook(tmp_path / "hook")
    return write_config(tmp_path / "hubspot-install.env", settings(tmp_path, hook))


@pytest.fixture
def started(tmp_path, config):
    responders = []

    def start(**options):
        responder = Responder(tmp_path, config, **options)
        responders.append(responder)
        return responder

    yield start
    for responder in responders:
        responder.stop()


def get(address, uri, extra=(), stdin=b""):
    params = [("REQUEST_METHOD", "GET"), ("REQUEST_URI", uri), ("GATEWAY_INTERFACE", "CGI/1.1"), *extra]
    return parse_cgi_output(fastcgi_request(address, params, stdin=stdin))


def test_the_last_value_of_a_repeated_parameter_wins(started):
    responder = started()
    # As nginx sends it when a fastcgi_param overrides one from fastcgi_params.
    status, _, body = get(responder.socket_path, "/nowhere", extra=[("REQUEST_URI", "/healthz")])
    assert (status, body) == (200, b"ok\n")


def test_oversized_parameters_are_refused_and_the_responder_carries_on(started):
    responder = started()
    status, headers, _ = get(responder.socket_path, "/", extra=[("HTTP_COOKIE", "a=" + "x" * 70_000)])
    assert status == 400
    assert dict(headers)["X-Content-Type-Options"] == "nosniff"
    assert dict(headers)["X-Frame-Options"] == "DENY"
    assert dict(headers)["Content-Security-Policy"].startswith("default-src 'none'")
    assert responder.access_lines(at_least=1)[-1]["reason"] == "request_too_large"
    assert get(responder.socket_path, "/healthz")[0] == 200


def test_a_body_is_drained_and_clients_that_vanish_do_no_harm(started):
    responder = started()
    status, _, _ = get(responder.socket_path, "/healthz", extra=[("CONTENT_LENGTH", "200000")],
                       stdin=b"z" * 200_000)
    assert status == 200
    for _ in range(20):  # connect and leave, before and after sending anything
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(str(responder.socket_path))
    assert get(responder.socket_path, "/healthz")[0] == 200
    assert responder.process.poll() is None


def test_tcp_listener_on_loopback(started):
    port = free_port()
    responder = started(listen=["--listen", str(port)])
    assert '"listener":"tcp:127.0.0.1:%d"' % port in responder.stderr()
    assert get(("127.0.0.1", port), "/healthz")[0] == 200


def test_inherited_socket_from_spawn_fcgi_and_it_survives_our_stop(started, tmp_path):
    path = tmp_path / "spawned.sock"
    responder = started(listen=[], socket_path=path,
                        launch=lambda binary, serve: ["spawn-fcgi", "-n", "-s", str(path), "-M", "0660", "--",
                                                      binary, *serve])
    assert '"listener":"inherited fd 0"' in responder.stderr()
    assert get(path, "/healthz")[0] == 200
    assert responder.stop() == 0
    # The socket was inherited, so it was not shut down or removed: a supervisor's copy stays usable.
    assert stat.S_ISSOCK(os.stat(path).st_mode)


def test_systemd_socket_activation(started, tmp_path):
    path = tmp_path / "activated.sock"
    # systemd-socket-activate starts the program on the first connection, as systemd does.
    # It announces the socket once it listens (the path exists from bind on, a moment earlier).
    announced = tmp_path / "responder.stderr"
    responder = started(listen=[], socket_path=path, ready=lambda: "Listening on" in announced.read_text(),
                        launch=lambda binary, serve: ["systemd-socket-activate", "-l", str(path), binary, *serve])
    assert get(path, "/healthz")[0] == 200
    assert '"listener":"inherited fd 3 (LISTEN_FDS)"' in responder.stderr()
    started_at = time.monotonic()
    assert responder.stop() == 0
    assert time.monotonic() - started_at < 3


def test_a_live_socket_is_never_replaced_and_a_stale_one_is(started, tmp_path, config):
    first = started()
    second = subprocess.run([*_serve(config, first.socket_path)], capture_output=True, timeout=20)
    assert second.returncode != 0 and b"in use" in second.stderr
    assert get(first.socket_path, "/healthz")[0] == 200

    stale = tmp_path / "stale.sock"
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(stale))  # bound, never listening: what a killed process leaves behind
    responder = started(socket_path=stale)
    assert get(stale, "/healthz")[0] == 200
    assert responder.socket_mode() == 0o660

    regular = tmp_path / "not-a-socket"
    regular.write_text("keep me")
    refused = subprocess.run([*_serve(config, regular)], capture_output=True, timeout=20)
    assert refused.returncode != 0 and b"not a socket" in refused.stderr
    assert regular.read_text() == "keep me"


def _serve(config, path):
    from harness import binary
    return [str(binary()), "serve", "--socket", str(path), "--config", str(config)]


def test_sigint_stops_an_idle_responder_at_once(started):
    responder = started()
    began = time.monotonic()
    responder.signal(signal.SIGINT)
    assert responder.process.wait(10) == 0
    assert time.monotonic() - began < 2
    assert not responder.socket_path.exists()


def test_a_hook_never_inherits_a_connection(tmp_path):
    """A hook started while other connections are open (idle clients held by other threads, and
    the callback's own, from nginx) holds none of them: each is accepted close-on-exec. The hook
    lists its descriptors as the kernel handed them over; a shell opens no socket of its own."""
    from harness import Stack
    stack = Stack(tmp_path / "stack", threads=4)
    try:
        listing = stack.hook.runs_dir / "descriptors"
        stack.hook.path.write_text(
            "#!/bin/sh\n"
            f"for fd in /proc/$$/fd/*; do echo \"${{fd##*/}} $(readlink \"$fd\")\"; done > '{listing}'\n"
            "cat > /dev/null\nexit 1\n")
        idle = []
        for _ in range(2):
            connection = socket.socket(socket.AF_UNIX)
            connection.connect(str(stack.responder.socket_path))
            idle.append(connection)
        _, state, cookie = stack.authorize()
        stack.callback(state, cookie)
        wait_for(listing.exists, what="the hook's descriptor listing")
        lines = listing.read_text().splitlines()
        assert lines and not [line for line in lines if "socket:" in line], lines
        for connection in idle:
            connection.close()
    finally:
        stack.stop()
