"""The token program against a token endpoint that misbehaves in ways HubSpot's does not (yet): one
that echoes the secret or a refresh token back as its error word, one whose refusal of an old
refresh token arrives after the account was installed again, one that gives tokens no lifetime,
and one whose introspection names another account. Each was found by attacking the program;
each test reproduces it with real processes and a real HTTP server on 127.0.0.1."""
import json
import sqlite3
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import pytest

from harness import REPO, state_key, tokens_binary

SECRET = "3f1c2a9e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"  # shaped like a real client secret
CLIENT_ID = "5d3e2a1c-7b9f-4e6d-8c2a-1f0e9d8c7b6a"
REDIRECT = "https://install.example.com/oauth/callback"


class Endpoint:
    """A token endpoint whose answers the test sets: `token`, `refresh`, `introspect`, each
    (status, body) with `$SECRET` and `$RT` replaced by what the request carried; `delay` seconds
    before answering a refresh. Every request is recorded."""

    def __init__(self):
        self.token = (200, {"access_token": "AT-1", "refresh_token": "RT-1", "expires_in": 1800, "hub_id": 42,
                            "scopes": ["oauth"]})
        self.refresh = None
        self.introspect = (200, {"active": True, "hub_id": 42, "hub_domain": "acme.example", "scopes": ["oauth"]})
        self.delay = 0.0
        self.requests = []
        self.lock = threading.Lock()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                params = dict(parse_qsl(raw))
                with endpoint.lock:
                    endpoint.requests.append(params)
                if self.path.endswith("/introspect"):
                    status, body = endpoint.introspect
                elif params.get("grant_type") == "refresh_token":
                    time.sleep(endpoint.delay)
                    status, body = endpoint.refresh or (200, {"access_token": f"AT-{time.time()}",
                                                              "refresh_token": params["refresh_token"],
                                                              "expires_in": 1800})
                else:
                    status, body = endpoint.token
                text = json.dumps(body).replace("$SECRET", params.get("client_secret", "")) \
                    .replace("$RT", params.get("refresh_token", ""))
                data = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/oauth/2026-03/token"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def refreshes(self):
        with self.lock:
            return [r for r in self.requests if r.get("grant_type") == "refresh_token"]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def setup(tmp_path):
    endpoint = Endpoint()
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    values = {"HUBSPOT_CLIENT_ID": CLIENT_ID, "HUBSPOT_REDIRECT_URI": REDIRECT, "HUBSPOT_SCOPES": "oauth",
              "INSTALL_STATE_KEYS": state_key(), "INSTALL_STATE_DIR": str(state), "INSTALL_TOKEN_HOOK": "hubspot",
              "INSTALL_TOKEN_HOOK_TIMEOUT": "10", "HUBSPOT_CLIENT_SECRET": SECRET,
              "HUBSPOT_TOKEN_URL": endpoint.url, "INSTALL_TOKEN_DB": str(state / "tokens.sqlite3"),
              "INSTALL_PUBLIC_DIR": str(REPO / "public")}
    config = tmp_path / "hubspot-install.env"
    config.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    config.chmod(0o600)
    yield endpoint, {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HUBSPOT_INSTALL_CONFIG": str(config)}, \
        state / "tokens.sqlite3"
    endpoint.stop()


def grant(code):
    return json.dumps({"code": code, "redirect_uri": REDIRECT, "client_id": CLIENT_ID, "scopes": ["oauth"],
                       "optional_scopes": [], "issued_at": int(time.time()), "request_id": "t-1", "flow": "install"})


def hook(env, code="na1-code-0001"):
    return subprocess.run([str(tokens_binary()), "hook", "hubspot"], input=grant(code), env=env,
                          capture_output=True, text=True, timeout=60)


def tokens(env, *args):
    return subprocess.Popen([str(tokens_binary()), *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def row(db):
    with sqlite3.connect(db) as connection:
        connection.row_factory = sqlite3.Row
        found = connection.execute("SELECT * FROM tokens WHERE hub_id = 42").fetchone()
        return dict(found) if found else None


@pytest.mark.parametrize("field", ["status", "error", "category"])
def test_an_error_answer_echoing_the_secret_or_a_token_never_repeats_it(setup, field):
    endpoint, env, _ = setup
    endpoint.token = (400, {field: "$SECRET", "message": "echo"})
    done = hook(env)
    assert done.returncode == 1
    assert SECRET not in done.stderr and SECRET not in done.stdout
    assert "answered 400" in done.stderr

    endpoint.token = (200, {"access_token": "AT-1", "refresh_token": "na1-0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d",
                            "expires_in": 1800, "hub_id": 42, "scopes": ["oauth"]})
    assert hook(env, "na1-code-0002").returncode == 0
    for echoed in ("$SECRET", "$RT"):
        endpoint.refresh = (400, {field: echoed})
        refreshed = tokens(env, "refresh", "42")
        out, err = refreshed.communicate(timeout=60)
        assert refreshed.returncode == 1, err
        assert SECRET not in out + err and "na1-0a1b2c3d" not in out + err
    # Words of HubSpot's own are still named.
    endpoint.refresh = (400, {"status": "BAD_CLIENT_SECRET", "message": "nope"})
    refreshed = tokens(env, "refresh", "42")
    _, err = refreshed.communicate(timeout=60)
    assert "HubSpot said BAD_CLIENT_SECRET" in err


def test_a_late_refusal_of_an_old_refresh_token_does_not_revoke_a_reinstall(setup):
    endpoint, env, db = setup
    assert hook(env).returncode == 0
    # The customer reinstalled: HubSpot refuses the old refresh token, slowly; meanwhile the new
    # install writes RT-2.
    endpoint.refresh = (400, {"status": "BAD_REFRESH_TOKEN", "message": "revoked"})
    endpoint.delay = 2.0
    endpoint.token = (200, {"access_token": "AT-2", "refresh_token": "RT-2", "expires_in": 1800, "hub_id": 42,
                            "scopes": ["oauth"]})
    refreshing = tokens(env, "refresh", "42")
    time.sleep(0.7)
    assert hook(env, "na1-code-0002").returncode == 0
    refreshing.communicate(timeout=60)
    assert row(db)["status"] == "active" and row(db)["refresh_token"] == "RT-2"
    printed = tokens(env, "access-token", "42")
    out, err = printed.communicate(timeout=60)
    assert printed.returncode == 0, err
    assert out.strip() == "AT-2"


def test_concurrent_callers_refresh_once_when_hubspot_gives_no_lifetime(setup):
    endpoint, env, db = setup
    endpoint.token = (200, {"access_token": "AT-1", "refresh_token": "RT-1", "expires_in": 0, "hub_id": 42,
                            "scopes": ["oauth"]})
    endpoint.refresh = (200, {"access_token": "AT-new", "refresh_token": "RT-1"})
    endpoint.delay = 1.0  # every caller has read the row before the first refresh is answered
    assert hook(env).returncode == 0
    assert row(db)["expires_at"] is None
    callers = [tokens(env, "access-token", "42") for _ in range(8)]
    results = [caller.communicate(timeout=90) + (caller.returncode,) for caller in callers]
    assert [code for _, _, code in results] == [0] * 8, results
    assert {out.strip() for out, _, _ in results} == {"AT-new"}
    assert len(endpoint.refreshes()) == 1


def test_introspection_naming_another_account_writes_nothing(setup):
    endpoint, env, db = setup
    endpoint.introspect = (200, {"active": True, "hub_id": 999, "hub_domain": "other.example", "scopes": ["oauth"]})
    done = hook(env)
    assert done.returncode == 75, done.stderr
    assert "different hub ids" in done.stderr
    assert row(db) is None
