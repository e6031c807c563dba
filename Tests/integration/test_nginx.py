"""The responder behind the nginx site users copy (deploy/nginx/), over its unix socket, with a
real exec hook: what a browser, HubSpot and an operator see."""
import json
import os
import re
import signal
import threading
import time
from urllib.parse import quote

import pytest

from harness import APP_NAME, CLIENT_ID, REDIRECT_URI, wait_for

CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'none'; "
       "frame-ancestors 'none'; base-uri 'none'")
REQUEST_VARIABLES = {"QUERY_STRING", "REQUEST_URI", "REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "DOCUMENT_URI",
                     "REMOTE_ADDR", "SERVER_NAME", "GATEWAY_INTERFACE", "CONTENT_LENGTH", "CONTENT_TYPE"}


@pytest.fixture
def stack(make_stack):
    return make_stack()


def assert_security_headers(response):
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Content-Security-Policy"] == CSP


def test_landing_page_names_the_app_and_each_scope_in_words(stack):
    response = stack.get("/")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert_security_headers(response)
    page = response.text
    assert APP_NAME in page
    assert "Contacts, companies, deals" in page  # contacts, required
    assert "Workflows" in page and "Marketing Hub Professional or Enterprise" in page  # automation, optional
    assert 'href="/oauth/authorize"' in page
    assert "<script" not in page.lower()

    head = stack.get("/", method="HEAD")
    assert head.status_code == 200 and head.content == b""


def test_nginx_serves_assets_and_refuses_everything_else(stack):
    css = stack.get("/assets/style.css")
    assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")
    assert css.headers["X-Content-Type-Options"] == "nosniff"
    for path in ["/index.html", "/error.html", "/oauth/callback/", "/oauth", "/assets/", "/healthz/", "/.env"]:
        response = stack.get(path)
        assert response.status_code == 404, path
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert stack.get("/healthz").text == "ok\n"
    # Everything but the routes and the assets is answered by the responder's 404 page, through
    # nginx's error_page: nothing else of public/ is served.
    lines = stack.responder.access_lines(at_least=8)
    assert [(line["route"], line["reason"]) for line in lines] == [("other", "not_found")] * 7 + [("healthz", "ok")]
    assert "Page not found" in stack.get("/no-such-page").text


def test_authorize_redirects_to_hubspot_with_a_bound_state(stack):
    response, state, cookie = stack.authorize()
    expected = ("https://app.hubspot.com/oauth/authorize"
                f"?client_id={CLIENT_ID}"
                "&redirect_uri=https%3A%2F%2Finstall.example.com%2Foauth%2Fcallback"
                "&scope=oauth%20contacts"
                "&optional_scope=automation"
                "&state=")
    location = response.headers["Location"]
    assert location == expected + state
    assert re.fullmatch(r"[A-Za-z0-9_-]{40,200}", state)
    assert response.headers["Cache-Control"] == "no-store"
    assert_security_headers(response)

    name_value, *attributes = [part.strip() for part in response.headers["Set-Cookie"].split(";")]
    name, value = name_value.split("=", 1)
    assert name == "__Host-hubspot-install"
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", value)
    assert sorted(attributes) == sorted(["Max-Age=600", "Path=/", "HttpOnly", "SameSite=Lax", "Secure"])
    assert cookie == name_value

    # An existing binding cookie is reused, so a second tab can finish too.
    _, second_state, second_cookie = stack.authorize(cookie=cookie)
    assert second_cookie == cookie and second_state != state


def test_callback_runs_the_hook_once_with_the_grant_and_nothing_of_the_request(make_stack):
    stack = make_stack(INSTALL_TOKEN_HOOK_ENV="HOOK_PASSED",
                       env={"HOOK_PASSED": "passed-value", "HOOK_NOT_PASSED": "kept-back"})
    before = int(time.time())
    _, state, cookie = stack.authorize()
    code = stack.new_code()
    response = stack.callback(state, cookie, code=code)

    assert response.status_code == 303, response.text
    assert response.headers["Location"] == "/installed"
    assert response.headers["Cache-Control"] == "no-store"
    # The binding cookie is left to expire with the state, so another tab can still finish.
    assert "Set-Cookie" not in response.headers
    assert_security_headers(response)

    runs = stack.hook.runs()
    assert len(runs) == 1
    grant = json.loads(runs[0]["stdin"])
    assert list(grant) == ["code", "redirect_uri", "client_id", "scopes", "optional_scopes", "issued_at",
                           "request_id", "flow", "install_id"]
    assert grant["flow"] == "install"
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", grant["install_id"]), grant["install_id"]
    assert grant["install_id"] not in (code, state)  # reveals neither
    assert grant["code"] == code
    assert grant["redirect_uri"] == REDIRECT_URI
    assert grant["client_id"] == CLIENT_ID
    assert grant["scopes"] == ["oauth", "contacts"]
    assert grant["optional_scopes"] == ["automation"]
    assert before - 1 <= grant["issued_at"] <= time.time() + 1
    assert isinstance(grant["request_id"], str) and grant["request_id"]

    env = runs[0]["env"]
    assert set(env) <= {"PATH", "LANG", "HOOK_PASSED"}, sorted(env)
    assert {"PATH", "HOOK_PASSED"} <= set(env)
    assert env["HOOK_PASSED"] == "passed-value"
    assert not any(name.startswith("HTTP_") or name in REQUEST_VARIABLES for name in env)
    for value in env.values():
        assert code not in value and state not in value

    assert stack.get("/installed").status_code == 200
    # The same link again: refused, and the hook is not run a second time.
    again = stack.callback(state, cookie, code=code)
    assert again.status_code == 400
    assert len(stack.hook.runs()) == 1
    reasons = [line["reason"] for line in stack.responder.access_lines(at_least=4) if line["route"] == "callback"]
    assert reasons == ["ok", "state_replayed"]


def test_tampered_state_is_refused_without_running_the_hook(stack):
    _, state, cookie = stack.authorize()
    flipped = state[:20] + ("A" if state[20] != "A" else "B") + state[21:]
    stack.secrets.add(flipped)
    assert stack.callback(flipped, cookie).status_code == 400
    assert stack.callback(state[:-1], cookie).status_code == 400
    assert stack.callback(quote(state + "="), cookie).status_code == 400
    # The genuine state without the browser's cookie: refused too.
    assert stack.callback(state, None).status_code == 400
    assert stack.hook.started_count() == 0
    reasons = [line["reason"] for line in stack.responder.access_lines(at_least=5) if line["route"] == "callback"]
    assert reasons[0] == "state_bad_tag"
    assert all(reason.startswith(("state_", "binding_")) for reason in reasons), reasons
    assert reasons[-1] == "binding_missing"


def test_two_simultaneous_callbacks_with_one_state_run_the_hook_once(make_stack):
    stack = make_stack(hook_options={"sleep": 0.5})
    _, state, cookie = stack.authorize()
    code = stack.new_code()
    barrier = threading.Barrier(2)
    statuses = []

    def arrive():
        barrier.wait()
        statuses.append(stack.callback(state, cookie, code=code).status_code)

    threads = [threading.Thread(target=arrive) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(statuses) == [303, 400]
    assert len(stack.hook.runs()) == 1
    reasons = sorted(line["reason"] for line in stack.responder.access_lines(at_least=3) if line["route"] == "callback")
    assert reasons == ["ok", "state_replayed"]


def test_a_hanging_hook_is_killed_at_the_timeout_and_the_user_sees_the_failure_page(make_stack):
    stack = make_stack(hook_options={"sleep": 60}, INSTALL_TOKEN_HOOK_TIMEOUT="1")
    _, state, cookie = stack.authorize()
    started = time.monotonic()
    response = stack.callback(state, cookie)
    elapsed = time.monotonic() - started
    assert response.status_code == 502
    assert 0.9 <= elapsed < 5, elapsed
    assert "text/html" in response.headers["Content-Type"]
    assert response.headers["Cache-Control"] == "no-store"
    pid = int(next(stack.hook.runs_dir.glob("*.pid")).name.split(".")[0])
    wait_for(lambda: not os.path.exists(f"/proc/{pid}") or _is_zombie(pid), timeout=5, what="the hook to die")
    assert not stack.hook.runs()[0]["done"]
    line = [line for line in stack.responder.access_lines(at_least=2) if line["route"] == "callback"][0]
    assert (line["status"], line["reason"]) == (502, "hook_timeout")


def _is_zombie(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1].startswith("Z")
    except OSError:
        return True


def test_sigterm_lets_the_request_in_flight_finish_then_exits_0(make_stack):
    stack = make_stack(hook_options={"sleep": 1.5})
    _, state, cookie = stack.authorize()
    result = {}

    def arrive():
        result["response"] = stack.callback(state, cookie)

    thread = threading.Thread(target=arrive)
    thread.start()
    wait_for(lambda: stack.hook.started_count() == 1, what="the hook to start")
    stack.responder.signal(signal.SIGTERM)
    thread.join(30)
    assert result["response"].status_code == 303
    assert stack.responder.process.wait(15) == 0
    assert not stack.responder.socket_path.exists()
    lines = [line for line in stack.responder.log_lines() if "event" in line]
    # The master's own events; its worker finished (exit 0) between stopping and stopped.
    assert [line["event"] for line in lines if not line["event"].startswith("worker_")] == [
        "started", "stopping", "stopped"]
    events = [line["event"] for line in lines]
    exits = [line for line in lines[events.index("stopping"):] if line["event"] == "worker_exited"]
    assert len(exits) == 1 and exits[0].get("exit_status") == 0, exits


def test_the_socket_is_0660_and_never_world_writable(stack):
    assert stack.responder.socket_mode() == 0o660


def test_one_log_line_per_request_with_a_reason_word_and_no_secret_anywhere(stack):
    stack.get("/")
    stack.get("/healthz")
    _, state, cookie = stack.authorize()
    stack.callback(state + "x", cookie)
    stack.callback(state, cookie)
    stack.get("/installed")
    stack.get("/oauth/callback?error=access_denied&error_description=%3Cscript%3E")
    stack.get("/oauth/authorize", method="POST")

    lines = stack.responder.access_lines(at_least=8)
    assert [(line["route"], line["status"]) for line in lines] == [
        ("landing", 200), ("healthz", 200), ("authorize", 302), ("callback", 400), ("callback", 303),
        ("installed", 200), ("callback", 400), ("authorize", 405)]
    for line in lines:
        assert re.fullmatch(r"[a-z_]+", line["reason"])
        assert line["request_id"] and isinstance(line["duration_us"], int)
        assert {"time", "request_id", "route", "status", "duration_us", "reason"} <= set(line)
    assert [line["reason"] for line in lines][3:5] == ["state_malformed", "ok"]

    access = stack.nginx.access_log_text()
    assert access.count("/oauth/callback ") == 3
    assert "?" not in access and "code=" not in access and "state=" not in access
    stack.assert_nothing_leaked()
