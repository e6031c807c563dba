"""Hostile numbers and bytes through real nginx: a request, a configuration or a token endpoint
that used to make the responder trap (and take every request in flight with it) must get a clean
answer, and the endpoint must keep answering."""
import base64
import hashlib
import hmac
import json
import os
import sqlite3
import struct
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from harness import REDIRECT_URI, Hook, binary, settings, state_key, write_config

LINK_USED = "This link was already used"


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def with_issued_at(state: str, issued_at: int, cookie_pair: str = None) -> str:
    """The state with its issued-at replaced (StateSigner.swift: version 1 | key id 4 | issued-at 8 |
    nonce 32 | tag 32). With the cookie, the tag is made afresh with the state key, exactly as the
    responder signs, so the state verifies and only its age is wrong; without, the old tag stays
    (a browser with no cookie cannot have the tag checked anyway)."""
    raw = bytearray(unb64(state))
    raw[5:13] = struct.pack(">q", issued_at)
    if cookie_pair:
        key = unb64(state_key())
        binding = unb64(cookie_pair.split("=", 1)[1])
        raw[45:77] = hmac.new(key, b"hubspot-install state v1\0" + bytes(raw[:45]) + binding, hashlib.sha256).digest()
    return b64(bytes(raw))


EXTREMES = [-(2 ** 63), -(2 ** 63) + 1, -1, 0, 2 ** 62, 2 ** 63 - 61, 2 ** 63 - 1]


def assert_still_serving(stack, pid):
    assert stack.get("/healthz").status_code == 200
    assert stack.responder.process.poll() is None
    assert stack.responder.process.pid == pid
    assert "Fatal error" not in stack.responder.stderr()


@pytest.mark.parametrize("issued_at", EXTREMES)
def test_extreme_issued_at_without_cookie_is_refused_and_the_endpoint_keeps_answering(make_stack, issued_at):
    stack = make_stack()
    pid = stack.responder.process.pid
    _, state, cookie = stack.authorize()
    hostile = with_issued_at(state, issued_at)
    stack.secrets.add(hostile)

    response = stack.callback(hostile, cookie=None)
    # Old enough to be expired, or anything else: the fixed refusal, never a 502 from a dead worker.
    expected = ("state_expired", "The install link expired") if issued_at < time.time() - 600 else \
        ("binding_missing", "Please finish in the browser you started in")
    assert response.status_code == 400, response.text
    assert expected[1] in response.text
    assert response.headers["Cache-Control"] == "no-store"
    assert_still_serving(stack, pid)
    line = [entry for entry in stack.responder.access_lines(at_least=2) if entry["route"] == "callback"][-1]
    assert (line["status"], line["reason"]) == (400, expected[0])
    assert stack.hook.runs() == []

    # The genuine state of the same browser still finishes: nothing was used up or broken.
    assert stack.callback(state, cookie).status_code == 303
    assert len(stack.hook.runs()) == 1


@pytest.mark.parametrize("issued_at", EXTREMES)
def test_extreme_issued_at_with_the_cookie_and_a_valid_tag_is_refused(make_stack, issued_at):
    stack = make_stack()
    pid = stack.responder.process.pid
    _, state, cookie = stack.authorize()
    hostile = with_issued_at(state, issued_at, cookie_pair=cookie)
    stack.secrets.add(hostile)

    response = stack.callback(hostile, cookie)
    assert response.status_code == 400, response.text
    assert_still_serving(stack, pid)
    reason = "state_expired" if issued_at < time.time() - 600 else "state_future"
    line = [entry for entry in stack.responder.access_lines(at_least=2) if entry["route"] == "callback"][-1]
    assert (line["status"], line["reason"]) == (400, reason)
    assert stack.hook.runs() == []


def test_many_hostile_callbacks_at_once_leave_no_request_failing(make_stack):
    """The finding's real harm: one request's trap killed every request in flight. Hostile states
    and healthz checks interleaved must all answer."""
    from concurrent.futures import ThreadPoolExecutor
    stack = make_stack(threads=4)
    pid = stack.responder.process.pid
    _, state, _ = stack.authorize()
    hostiles = [with_issued_at(state, value) for value in EXTREMES]
    stack.secrets.update(hostiles)
    paths = [f"/oauth/callback?code=c&state={h}" for h in hostiles] * 4 + ["/healthz"] * 12
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda path: requests.get(stack.nginx.url + path, timeout=30).status_code, paths))
    assert statuses == [400] * (len(hostiles) * 4) + [200] * 12
    assert_still_serving(stack, pid)


def test_back_and_connect_again_after_success_says_already_used(make_stack):
    stack = make_stack()
    _, state, cookie = stack.authorize()
    assert stack.callback(state, cookie).status_code == 303
    # The cookie is still there (it expires with the state); the link is used all the same.
    again = stack.callback(state, cookie)
    assert again.status_code == 400 and LINK_USED in again.text
    assert len(stack.hook.runs()) == 1


@pytest.mark.parametrize("order", ["first tab first", "second tab first"])
def test_two_tabs_both_finish_in_either_order(make_stack, order):
    stack = make_stack()
    _, first, cookie = stack.authorize()
    _, second, same_cookie = stack.authorize(cookie=cookie)
    assert same_cookie == cookie
    for state in ([first, second] if order == "first tab first" else [second, first]):
        response = stack.callback(state, cookie)
        assert response.status_code == 303, response.text
        assert "Set-Cookie" not in response.headers
    assert len(stack.hook.runs()) == 2
    for state in (first, second):
        assert LINK_USED in stack.callback(state, cookie).text
    assert len(stack.hook.runs()) == 2


# ---- a carriage return in a URL setting ---------------------------------------------------------

def start_refused(tmp_path, values, env=None):
    """`serve` with this configuration must refuse to start: (exit status, stderr)."""
    config = write_config(tmp_path / "hubspot-install.env", values)
    socket_path = tmp_path / "refused.sock"
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
    base.update(env or {})
    result = subprocess.run([str(binary()), "serve", "--socket", str(socket_path), "--config", str(config)],
                            env=base, cwd=tmp_path, capture_output=True, timeout=60)
    assert not socket_path.exists()
    return result.returncode, result.stderr.decode(errors="replace")


@pytest.mark.parametrize("where", ["config file", "environment"])
@pytest.mark.parametrize("value", ["https://ok.example/done?x=1\rX-Injected: yes",
                                   "/installed?x=1\rSet-Cookie: a=b",
                                   "https://ok.example/done#top\x7f"])
def test_control_byte_in_the_success_url_refuses_to_start_naming_the_key(tmp_path, where, value):
    hook = Hook(tmp_path / "hook")
    values = settings(tmp_path, hook)
    env = {}
    if where == "config file":
        values["INSTALL_SUCCESS_URL"] = value
    else:
        env["INSTALL_SUCCESS_URL"] = value
    status, stderr = start_refused(tmp_path, values, env)
    assert status == 1
    assert "error: INSTALL_SUCCESS_URL:" in stderr
    assert "X-Injected" not in stderr and "Set-Cookie" not in stderr


def test_hook_redirect_with_a_control_byte_never_reaches_location(make_stack):
    stack = make_stack(hook_options={"stdout": '{"redirect":"https://ok.example/x\\r\\nSet-Cookie: planted=1"}'})
    _, state, cookie = stack.authorize()
    response = stack.callback(state, cookie)
    assert response.status_code == 502
    assert "planted" not in response.headers.get("Set-Cookie", "") and "Location" not in response.headers
    assert stack.get("/healthz").status_code == 200


# ---- expires_in extremes from the token endpoint (the built-in hubspot hook) ----------------------

@pytest.mark.parametrize("lifetime", [2 ** 63 - 1, 2 ** 63, 2 ** 64, -(2 ** 63), 0, -1, 10 ** 30])
def test_absurd_expires_in_gives_success_with_an_unknown_expiry(make_stack, make_standin, tmp_path, lifetime):
    standin = make_standin(redirect_uris=[REDIRECT_URI], scopes="oauth contacts", optional_scopes="automation",
                           hub_id=4242, hub_domain="acme.hubspot.com", auto_decision="connect",
                           access_token_ttl=1800)
    standin.access_token_ttl = lifetime
    database = tmp_path / "tokens" / "tokens.sqlite3"
    stack = make_stack(INSTALL_TOKEN_HOOK="hubspot", HUBSPOT_CLIENT_ID="test-client",
                       HUBSPOT_CLIENT_SECRET="test-client-secret-do-not-use",
                       HUBSPOT_AUTHORIZE_URL=standin.url + "/oauth/authorize",
                       HUBSPOT_TOKEN_URL=standin.url + "/oauth/v3/token", INSTALL_TOKEN_DB=str(database))
    standin.client_id = "test-client"
    pid = stack.responder.process.pid

    response, state, cookie = stack.authorize()
    consent = requests.get(response.headers["Location"], allow_redirects=False, timeout=30)
    assert consent.status_code == 302, consent.text
    back = urlsplit(consent.headers["Location"])
    assert back.path == "/oauth/callback"
    stack.secrets.update(value for pair in back.query.split("&") for value in pair.split("=", 1)[1:])
    done = stack.get("/oauth/callback?" + back.query, cookie=cookie)
    assert done.status_code == 303, done.text
    assert done.headers["Location"] == "/installed"
    assert_still_serving(stack, pid)

    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT hub_id, expires_at FROM tokens").fetchall()
    assert rows == [(4242, None)]
    access = [r for r in standin.requests if r["endpoint"] == "token"][0]["response"]["access_token"]
    refresh = [r for r in standin.requests if r["endpoint"] == "token"][0]["response"]["refresh_token"]
    stack.secrets.update({access, refresh})


# ---- docs/hooks.md's exec-hook example, run as written against the HubSpot stand-in -------------

def documented_exec_hook() -> str:
    hooks = (Path(__file__).resolve().parents[2] / "docs" / "hooks.md").read_text()
    start = hooks.index("exchange it right away, for example:\n\n```sh\n") + len(
        "exchange it right away, for example:\n\n```sh\n")
    return hooks[start:hooks.index("\n```", start) + 1]


def test_documented_exec_hook_keeps_the_secret_off_the_command_line():
    script = documented_exec_hook()
    assert "client_secret=$" not in script and "client_secret@-" in script
    first_lines = script.splitlines()[:3]
    assert any("INSTALL_TOKEN_HOOK_ENV=" in line and "HUBSPOT_CLIENT_SECRET" in line for line in first_lines)


@pytest.mark.parametrize("failure", [None, 500, "close"])
def test_documented_exec_hook_exchanges_the_code_and_never_truncates_old_tokens(make_stack, make_standin, tmp_path,
                                                                                failure):
    from harness import CLIENT_ID
    standin = make_standin(client_id=CLIENT_ID, redirect_uris=[REDIRECT_URI], scopes="oauth contacts",
                           optional_scopes="automation", hub_id=4242, auto_decision="connect")
    out_dir = tmp_path / "my-app"
    out_dir.mkdir(mode=0o700)
    out = out_dir / "tokens.json"
    out.write_text('{"previous":"tokens"}')
    hook = tmp_path / "documented-hook.sh"
    hook.write_text(documented_exec_hook().replace("/var/lib/my-app/tokens.json", str(out)))
    hook.chmod(0o755)
    secret = "test-client-secret-do-not-use"
    stack = make_stack(INSTALL_TOKEN_HOOK=f"exec:{hook}", INSTALL_TOKEN_HOOK_ENV="HUBSPOT_CLIENT_SECRET HUBSPOT_TOKEN_URL",
                       HUBSPOT_CLIENT_SECRET=secret, HUBSPOT_TOKEN_URL=standin.url + "/oauth/v3/token",
                       HUBSPOT_AUTHORIZE_URL=standin.url + "/oauth/authorize")
    stack.secrets.add(secret)
    if failure == 500:
        standin.failures.append({"endpoint": "token", "status": 500, "body": None, "count": 1, "delay": 0,
                                 "content_type": None, "close": False})
    elif failure == "close":
        standin.failures.append({"endpoint": "token", "status": None, "body": None, "count": 1, "delay": 0,
                                 "content_type": None, "close": True})

    response, state, cookie = stack.authorize()
    consent = requests.get(response.headers["Location"], allow_redirects=False, timeout=30)
    back = urlsplit(consent.headers["Location"])
    stack.secrets.update(value for pair in back.query.split("&") for value in pair.split("=", 1)[1:])
    done = stack.get("/oauth/callback?" + back.query, cookie=cookie)

    token_requests = [r for r in standin.requests if r["endpoint"] == "token"]
    assert len(token_requests) == 1
    assert token_requests[0]["params"]["client_id"] == CLIENT_ID
    assert token_requests[0]["params"]["redirect_uri"] == REDIRECT_URI
    if failure is None:
        assert done.status_code == 303, done.text
        saved = json.loads(out.read_text())
        assert saved["hub_id"] == 4242 and saved["access_token"] == token_requests[0]["response"]["access_token"]
        stack.secrets.update({saved["access_token"], saved["refresh_token"]})
        assert oct(out.stat().st_mode & 0o777) == oct(0o600)
    else:
        # HubSpot did not answer: "try again", and the tokens already there are untouched.
        assert done.status_code == 502, done.text
        assert "HubSpot did not answer" in done.text
        assert out.read_text() == '{"previous":"tokens"}'
    assert sorted(p.name for p in out_dir.iterdir()) == ["tokens.json"]


# ---- FastCGI parameters with extreme numbers, straight to the responder's socket ------------------

@pytest.mark.parametrize("content_length", ["9223372036854775807", "9223372036854775808", "18446744073709551616",
                                            "-9223372036854775808", "-1", "+5", " 5", "0x10", "9" * 5000, ""])
def test_extreme_content_length_is_answered_and_the_responder_stays(make_stack, content_length):
    from harness import fastcgi_request
    stack = make_stack()
    pid = stack.responder.process.pid
    params = [("REQUEST_METHOD", "POST"), ("REQUEST_URI", "/healthz"), ("CONTENT_LENGTH", content_length),
              ("CONTENT_TYPE", "application/x-www-form-urlencoded")]
    answer = fastcgi_request(stack.responder.socket_path, params, stdin=b"a=1" * 10, timeout=30)
    assert answer.startswith(b"Status: 405"), answer[:200]
    answer = fastcgi_request(stack.responder.socket_path, [("REQUEST_METHOD", "GET"), ("REQUEST_URI", "/healthz"),
                                                          ("CONTENT_LENGTH", content_length)], timeout=30)
    assert answer.startswith(b"Status: 200") and answer.endswith(b"ok\n"), answer[:200]
    assert_still_serving(stack, pid)


# ---- directories others can write, through serve and check --------------------------------------

@pytest.mark.parametrize("mode", [0o770, 0o777, 0o1777])
@pytest.mark.parametrize("key", ["INSTALL_STATE_DIR", "INSTALL_TOKEN_DB"])
def test_directory_others_can_write_is_refused_at_start_naming_the_key(tmp_path, mode, key):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(mode)
    hook = Hook(tmp_path / "hook")
    values = settings(tmp_path, hook)
    if key == "INSTALL_STATE_DIR":
        values[key] = str(shared)
    else:
        values.update(INSTALL_TOKEN_HOOK="hubspot", HUBSPOT_CLIENT_SECRET="s", INSTALL_TOKEN_DB=str(shared / "t.sqlite3"))
    status, stderr = start_refused(tmp_path, values)
    assert status == 1
    assert f"error: {key}: {shared} is writable by its group or by every user" in stderr
    config = write_config(tmp_path / "check.env", values)
    check = subprocess.run([str(binary()), "check", "--config", str(config)], capture_output=True, text=True,
                           env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")}, cwd=tmp_path, timeout=60)
    assert check.returncode == 1 and f"error: {key}:" in check.stderr
    assert not (shared / "t.sqlite3").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a directory to another user")
def test_as_root_a_state_directory_of_another_user_is_refused(tmp_path):
    shared = tmp_path / "theirs"
    shared.mkdir(mode=0o700)
    os.chown(shared, 4242, 4242)
    hook = Hook(tmp_path / "hook")
    status, stderr = start_refused(tmp_path, settings(tmp_path, hook, INSTALL_STATE_DIR=str(shared)))
    assert status == 1
    assert f"error: INSTALL_STATE_DIR: {shared} is owned by another user (uid 4242)" in stderr


@pytest.mark.parametrize("mode, warned", [(0o600, False), (0o640, True), (0o644, True)])
def test_state_key_file_readable_by_others_is_a_warning(tmp_path, mode, warned):
    key_file = tmp_path / "state-keys"
    key_file.write_text(state_key() + "\n")
    key_file.chmod(mode)
    hook = Hook(tmp_path / "hook")
    values = settings(tmp_path, hook, INSTALL_STATE_KEYS=None, INSTALL_STATE_KEYS_FILE=str(key_file))
    config = write_config(tmp_path / "check.env", values)
    check = subprocess.run([str(binary()), "check", "--config", str(config)], capture_output=True, text=True,
                           env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")}, cwd=tmp_path, timeout=60)
    assert check.returncode == 0, check.stderr
    assert ("warning: INSTALL_STATE_KEYS_FILE:" in check.stderr) == warned
    assert state_key() not in check.stderr + check.stdout
