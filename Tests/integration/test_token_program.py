"""The responder and the token program: hubspot-install links no Foundation, TLS, HTTP client,
SQLite or libpq, and runs `hubspot-install-tokens hook ...` for the built-in hooks, so it never opens
the client secret, the webhook key, the token keys or the token database itself (strace shows who
opens them)."""
import hashlib
import hmac
import json
import os
import re
import signal
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from conftest import CLIENT_SECRET
from harness import REDIRECT_URI as STACK_REDIRECT_URI
from harness import (Hook, Nginx, Responder, binary, json_log_lines, settings, state_key, tokens_binary, wait_for,
                     write_config)

FORBIDDEN_LIBRARIES = ["foundation", "curl", "ssl", "crypto", "gnutls", "sqlite", "libpq", "icu", "xml2",
                       "swiftcore", "dispatch", "libstdc++", "libgcc_s"]


def test_responder_links_no_foundation_tls_sqlite_or_libpq():
    listed = subprocess.run(["ldd", str(binary())], capture_output=True, text=True, check=True).stdout
    names = [line.split()[0] for line in listed.splitlines() if line.strip()]
    assert any("libfcgi" in name for name in names), listed
    for name in names:
        for word in FORBIDDEN_LIBRARIES:
            assert word not in name.lower(), f"the responder links {name}"
    # The token program is the one that does: the check above would notice a swapped build.
    tokens = subprocess.run(["ldd", str(tokens_binary())], capture_output=True, text=True, check=True).stdout
    assert "libFoundation" in tokens and "sqlite" in tokens and "libpq" in tokens


def _write_secret(path: Path, text: str) -> str:
    path.write_text(text + "\n")
    path.chmod(0o600)
    return str(path)


class TracedStack:
    """nginx -> `strace -f hubspot-install serve` (opens, execs, clones) with the built-in hook
    (`overrides` choose which), for one test."""

    def __init__(self, tmp: Path, trace: bool = True, **overrides):
        self.tmp = tmp
        self.trace_path = tmp / "strace.log"
        # Every process of the tree runs under strace, the token program's start included: on a
        # loaded machine that took more than the harness's 5 s hook timeout (a CI rehearsal).
        overrides.setdefault("INSTALL_TOKEN_HOOK_TIMEOUT", "30")
        self.values = settings(tmp, Hook(tmp / "hook"), **overrides)
        self.config = write_config(tmp / "hubspot-install.env", self.values)
        launch = None
        if trace:
            def launch(program, serve):
                return ["strace", "-f", "-qq", "-e", "trace=openat,execve,clone,clone3,fork,vfork", "-o",
                        str(self.trace_path),
                        program, *serve]
        self.responder = Responder(tmp, self.config, launch=launch, threads=2)
        try:
            self.nginx = Nginx(tmp, self.responder.socket_path)
        except BaseException:
            self.stop_responder()
            raise

    def get(self, path, cookie=None):
        headers = {"Cookie": cookie} if cookie else {}
        return requests.get(self.nginx.url + path, headers=headers, allow_redirects=False, timeout=60)

    def install(self, http):
        """/oauth/authorize -> the stand-in (which connects at once) -> /oauth/callback."""
        start = self.get("/oauth/authorize")
        assert start.status_code == 302, start.text
        cookie = start.headers["Set-Cookie"].split(";", 1)[0]
        consent = http.get(start.headers["Location"], allow_redirects=False, timeout=30)
        assert consent.status_code == 302, consent.text
        query = urlsplit(consent.headers["Location"]).query
        assert "code" in parse_qs(query)
        return self.get("/oauth/callback?" + query, cookie=cookie)

    def reasons(self):
        return [line.get("reason") for line in json_log_lines(self.responder.stderr()) if line.get("route")]

    def stop(self):
        self.nginx.stop()
        self.stop_responder()

    def tracee(self) -> int:
        """The pid of the traced hubspot-install (the master), strace's child."""
        tracer = self.responder.process
        return int(Path(f"/proc/{tracer.pid}/task/{tracer.pid}/children").read_text().split()[0])

    def stop_responder(self):
        """The responder itself, not only strace: SIGTERM to strace would only detach it."""
        tracer = self.responder.process
        children = Path(f"/proc/{tracer.pid}/task/{tracer.pid}/children")
        tracees = children.read_text().split() if tracer.poll() is None and children.exists() else []
        for pid in tracees:
            os.kill(int(pid), signal.SIGTERM)
        try:
            tracer.wait(30)  # strace exits with its tracee
        except subprocess.TimeoutExpired:
            for pid in tracees:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except ProcessLookupError:
                    pass
        return self.responder.stop()

    def openers(self, path: str) -> dict:
        """{pid: program} for every traced thread or process that opened `path`: the program it
        (or the process it was cloned from) executed last."""
        programs = {}
        opened = {}
        for line in self.trace_path.read_text(errors="replace").splitlines():
            match = re.match(r"(\d+)\s+(?:<\.\.\. )?(\w+)", line)
            if not match:
                continue
            pid, call = int(match.group(1)), match.group(2)
            result = re.search(r"= (\d+)(?: <.*>)?$", line)
            if call == "execve" and '"' in line:
                programs[pid] = line.split('"', 2)[1]
            elif call in ("clone", "clone3", "fork", "vfork") and result:
                programs.setdefault(int(result.group(1)), programs.get(pid, "?"))
            elif call == "openat" and f'"{path}"' in line:
                opened[pid] = programs.get(pid, "?")
        return opened


@pytest.fixture
def connecting_standin(make_standin):
    return make_standin(redirect_uris=[STACK_REDIRECT_URI], scopes="oauth contacts", optional_scopes="automation", auto_decision="connect",
                        hub_id=4711, hub_domain="split.hubspot.com")


def test_hubspot_hook_runs_in_the_token_program_and_the_responder_never_opens_its_files(
        tmp_path, connecting_standin, http):
    secret_file = _write_secret(tmp_path / "client-secret", CLIENT_SECRET)
    token_keys = _write_secret(tmp_path / "token-keys", subprocess.run(
        [str(binary()), "keygen"], capture_output=True, text=True, check=True, timeout=60).stdout.strip())
    database = tmp_path / "tokens.sqlite3"
    stack = TracedStack(tmp_path, INSTALL_TOKEN_HOOK="hubspot", HUBSPOT_CLIENT_SECRET_FILE=secret_file,
                        INSTALL_TOKEN_KEYS_FILE=token_keys,
                        HUBSPOT_AUTHORIZE_URL=connecting_standin.url + "/oauth/authorize",
                        HUBSPOT_TOKEN_URL=connecting_standin.url + "/oauth/v3/token", INSTALL_TOKEN_DB=str(database))
    try:
        done = stack.install(http)
        assert done.status_code == 303, done.text
        assert done.headers["Location"] == "/installed"
        receipt = "; ".join(f"{c.name}={c.value}" for c in done.cookies if c.value)
        page = stack.get("/installed", cookie=receipt)
        assert "split.hubspot.com" in page.text

        # A reload (SIGHUP to the master) reads the configuration again: still without the secrets.
        master = stack.tracee()
        os.kill(master, signal.SIGHUP)
        wait_for(lambda: any(line.get("event") == "reloaded" for line in json_log_lines(stack.responder.stderr())),
                 timeout=30, what="the reload")

        # A spent code: HubSpot answers BAD_AUTH_CODE, the token program exits 76, the person sees
        # the link-expired page.
        start = stack.get("/oauth/authorize")
        cookie = start.headers["Set-Cookie"].split(";", 1)[0]
        state = parse_qs(urlsplit(start.headers["Location"]).query)["state"][0]
        expired = stack.get(f"/oauth/callback?code=na1-spent-{os.urandom(6).hex()}&state={state}", cookie=cookie)
        assert expired.status_code == 400
        wait_for(lambda: len(stack.reasons()) >= 4, timeout=20, what="the log lines")
        assert stack.reasons()[1] == "ok" and stack.reasons()[-1] == "code_rejected", stack.reasons()
    finally:
        stack.stop()

    listing = subprocess.run([str(binary()), "tokens", "list", "--db", str(database)], capture_output=True,
                             text=True, timeout=60)
    assert listing.returncode == 0, listing.stderr
    assert "4711" in listing.stdout and "split.hubspot.com" in listing.stdout
    assert CLIENT_SECRET not in stack.responder.stderr()

    for path in [secret_file, token_keys, str(database)]:
        openers = stack.openers(path)
        assert openers, f"nobody opened {path}: the trace cannot tell anything"
        for pid, program in openers.items():
            assert program.endswith("/hubspot-install-tokens"), f"{program} (pid {pid}) opened {path}"


class Receiver:
    """A webhook receiver on a free port that checks Install-Signature with the key."""

    def __init__(self, key: bytes):
        self.posts = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                fields = dict(part.split("=", 1) for part in self.headers.get("Install-Signature", "").split(","))
                expected = hmac.new(key, fields.get("t", "").encode() + b"." + body, hashlib.sha256).hexdigest()
                good = hmac.compare_digest(expected, fields.get("v1", ""))
                receiver.posts.append((good, json.loads(body)))
                self.send_response(204 if good else 401)
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/installs"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def test_webhook_hook_runs_in_the_token_program(tmp_path, connecting_standin, http):
    key = state_key()  # any base64url key of 32 bytes
    key_bytes = __import__("base64").urlsafe_b64decode(key + "=" * (-len(key) % 4))
    key_file = _write_secret(tmp_path / "webhook-key", key)
    receiver = Receiver(key_bytes)
    stack = TracedStack(tmp_path, INSTALL_TOKEN_HOOK=f"webhook:{receiver.url}", INSTALL_WEBHOOK_KEY_FILE=key_file,
                        HUBSPOT_AUTHORIZE_URL=connecting_standin.url + "/oauth/authorize")
    try:
        done = stack.install(http)
        assert done.status_code == 303, done.text
        assert len(receiver.posts) == 1
        good, grant = receiver.posts[0]
        assert good and grant["client_id"] == stack.values["HUBSPOT_CLIENT_ID"] and grant["code"].startswith("na1-")
    finally:
        stack.stop()
        receiver.stop()
    openers = stack.openers(key_file)
    assert openers and all(program.endswith("/hubspot-install-tokens") for program in openers.values()), openers


def test_serve_and_check_report_what_only_the_token_program_reads(tmp_path):
    unreadable = tmp_path / "no-such-secret"
    values = settings(tmp_path, Hook(tmp_path / "hook"), INSTALL_TOKEN_HOOK="hubspot",
                      HUBSPOT_CLIENT_SECRET_FILE=str(unreadable), INSTALL_TOKEN_DB=str(tmp_path / "tokens.sqlite3"))
    config = str(write_config(tmp_path / "env", values))
    for command in (["check"], ["serve", "--socket", str(tmp_path / "s.sock")]):
        done = subprocess.run([str(binary()), *command, "--config", config], capture_output=True, text=True,
                              cwd=tmp_path, timeout=60, env={"PATH": "/usr/bin:/bin"})
        assert done.returncode == 1, (command, done.stderr)
        assert re.search(r"^error: HUBSPOT_CLIENT_SECRET_FILE: cannot read the file", done.stderr, re.M), done.stderr
    assert not (tmp_path / "tokens.sqlite3").exists()

    missing = dict(values)
    del missing["HUBSPOT_CLIENT_SECRET_FILE"]
    config = str(write_config(tmp_path / "env2", missing))
    done = subprocess.run([str(binary()), "check", "--config", config], capture_output=True, text=True,
                          cwd=tmp_path, timeout=60, env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 1
    assert re.search(r"^error: HUBSPOT_CLIENT_SECRET: is required", done.stderr, re.M), done.stderr


def test_as_a_cgi_program_the_responder_never_opens_the_secrets_either(tmp_path):
    """Every CGI request reads the configuration afresh: like `serve`, it only checks that the
    client secret, the webhook key and the token keys are named, and leaves them to the token program."""
    secret_file = _write_secret(tmp_path / "client-secret", CLIENT_SECRET)
    token_keys = _write_secret(tmp_path / "token-keys", subprocess.run(
        [str(binary()), "keygen"], capture_output=True, text=True, check=True, timeout=60).stdout.strip())
    values = settings(tmp_path, Hook(tmp_path / "hook"), INSTALL_TOKEN_HOOK="hubspot",
                      HUBSPOT_CLIENT_SECRET_FILE=secret_file, INSTALL_TOKEN_KEYS_FILE=token_keys,
                      INSTALL_TOKEN_DB=str(tmp_path / "tokens.sqlite3"))
    config = write_config(tmp_path / "hubspot-install.env", values)
    trace = tmp_path / "strace.log"
    for uri in ["/healthz", "/", "/oauth/authorize"]:
        environment = {"PATH": "/usr/bin:/bin", "GATEWAY_INTERFACE": "CGI/1.1", "REQUEST_METHOD": "GET",
                       "REQUEST_URI": uri, "HUBSPOT_INSTALL_CONFIG": str(config)}
        done = subprocess.run(["strace", "-f", "-qq", "-e", "trace=openat", "-o", str(trace), str(binary())],
                              capture_output=True, timeout=60, env=environment, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert re.match(rb"Status: (200|302) ", done.stdout), (uri, done.stdout[:200], done.stderr)
        opened = trace.read_text(errors="replace")
        assert f'"{config}"' in opened, "the trace saw the configuration read: it can tell"
        for path in [secret_file, token_keys, str(tmp_path / "tokens.sqlite3")]:
            assert f'"{path}"' not in opened, f"the CGI program opened {path} for {uri}"


def test_tokens_subcommand_runs_the_token_program():
    done = subprocess.run([str(binary()), "tokens", "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert "hubspot-install-tokens" in done.stdout and "refresh-token" in done.stdout
    failed = subprocess.run([str(binary()), "tokens", "refresh-token", "1", "--db", "/nonexistent/tokens.sqlite3"],
                            capture_output=True, text=True, timeout=60)
    assert failed.returncode == 1 and failed.stderr.startswith("error: ")
