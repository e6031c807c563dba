"""The token program's HTTP client against receivers and token endpoints that answer in ways it must
take at once: a 401 with an authentication challenge. Runs the real `hubspot-install-tokens hook ...`
against a real socket on 127.0.0.1 and asserts what an operator would notice: how long the person
waited and what the log says. Found by an adversarial review of the client."""
import json
import os
import socket
import subprocess
import threading
import time

import pytest

from harness import REPO, state_key, tokens_binary

CLIENT_ID = "5d3e2a1c-7b9f-4e6d-8c2a-1f0e9d8c7b6a"
REDIRECT = "https://install.example.com/oauth/callback"
TIMEOUT = 8  # INSTALL_TOKEN_HOOK_TIMEOUT


class RawServer:
    """Reads one HTTP request (headers and Content-Length body) per connection, records it, and
    answers with `answer(connection)`, which writes whatever it likes and may leave early."""

    def __init__(self, answer):
        self.answer = answer
        self.requests = []
        self.lock = threading.Lock()
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/receive"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(connection,), daemon=True).start()

    def _handle(self, connection):
        try:
            connection.settimeout(30)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = connection.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            while len(body) < length:
                chunk = connection.recv(65536)
                if not chunk:
                    break
                body += chunk
            with self.lock:
                self.requests.append(head.split(b"\r\n")[0])
            self.answer(connection)
        except OSError:
            pass
        finally:
            connection.close()

    def posts(self):
        with self.lock:
            return list(self.requests)

    def stop(self):
        self.listener.close()


def run_hook(tmp_path, which, url):
    """`hubspot-install-tokens hook webhook URL`, or `hook hubspot` with its token endpoint at `url`:
    (exit status, or minus the signal; stderr; seconds taken; the child's own peak RSS in KiB, from wait4)."""
    state = tmp_path / "state"
    state.mkdir(mode=0o700, exist_ok=True)
    values = {"HUBSPOT_CLIENT_ID": CLIENT_ID, "HUBSPOT_REDIRECT_URI": REDIRECT, "HUBSPOT_SCOPES": "oauth",
              "INSTALL_STATE_KEYS": state_key(), "INSTALL_STATE_DIR": str(state),
              "INSTALL_TOKEN_HOOK_TIMEOUT": str(TIMEOUT), "INSTALL_PUBLIC_DIR": str(REPO / "public")}
    if which == "webhook":
        values.update(INSTALL_TOKEN_HOOK="webhook:" + url, INSTALL_WEBHOOK_KEY=state_key())
        args = ["hook", "webhook", url]
    else:
        values.update(INSTALL_TOKEN_HOOK="hubspot", HUBSPOT_CLIENT_SECRET="3f1c2a9e-5b7d-4e8f-9a0b-1c2d3e4f5a6b",
                      HUBSPOT_TOKEN_URL=url, INSTALL_TOKEN_DB=str(state / "tokens.sqlite3"))
        args = ["hook", "hubspot"]
    config = tmp_path / "hubspot-install.env"
    config.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    config.chmod(0o600)
    grant = json.dumps({"code": "na1-code-0001", "redirect_uri": REDIRECT, "client_id": CLIENT_ID,
                        "scopes": ["oauth"], "optional_scopes": [], "issued_at": int(time.time()),
                        "request_id": "t-1", "flow": "install"}).encode()
    stderr_path = tmp_path / "stderr"
    started = time.monotonic()
    with open(stderr_path, "wb") as stderr:
        process = subprocess.Popen([str(tokens_binary()), *args], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                   stderr=stderr, env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
                                                       "HUBSPOT_INSTALL_CONFIG": str(config)})
        process.stdin.write(grant)
        process.stdin.close()
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - started
    return process.returncode, stderr_path.read_text(errors="replace"), seconds, usage.ru_maxrss


@pytest.fixture
def server():
    made = []

    def make(answer):
        made.append(RawServer(answer))
        return made[-1]

    yield make
    for each in made:
        each.stop()


def basic_challenge(connection):
    body = b'{"status":"BAD_CLIENT_ID","message":"unauthorized"}'
    connection.sendall(b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"receiver\"\r\n"
                       b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body)


@pytest.mark.parametrize("which", ["webhook", "hubspot"])
def test_a_401_with_a_basic_challenge_is_a_refusal_at_once_not_a_timeout(tmp_path, server, which):
    """A webhook receiver behind HTTP Basic auth (a likely misconfiguration) or a token endpoint that
    answers 401 with `WWW-Authenticate: Basic`: the answer is there at once, yet the client waits for
    the whole INSTALL_TOKEN_HOOK_TIMEOUT and reports that the receiver did not answer (exit 124/75,
    "try again later"), holding the person and a hook slot for the full timeout."""
    receiver = server(basic_challenge)
    status, stderr, seconds, _ = run_hook(tmp_path, which, receiver.url)
    assert len(receiver.posts()) == 1, receiver.posts()
    assert seconds < TIMEOUT / 2, f"took {seconds:.1f} s for an answer sent at once: {stderr}"
    assert "401" in stderr, stderr
    assert "did not answer" not in stderr, stderr
