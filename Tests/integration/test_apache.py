"""The Apache sites users copy (deploy/apache/), served by a real apache2 in each mode: mod_proxy_fcgi
to the responder's socket, mod_fcgid spawning the binary, and the binary as a CGI program (mod_cgi
under prefork, mod_cgid under event). The same checks as against nginx: landing, authorize, a good
callback running the hook once, a tampered one not running it; exact routes; assets from public/;
no query string or Referer in Apache's logs; no `Proxy:` header reaching the program (Apache since
2.4.25 drops HTTP_PROXY itself; the sites also unset the header, for any module that reads it)."""
import json
import os
import re
import subprocess
import time

import pytest
import requests

from apache import DEPLOY, SITES, Apache, Install, give_to_web_user
from harness import APP_NAME, REPO, Hook, Responder, binary, run_cgi, settings, wait_for, write_config

MODES = ["proxy_fcgi", "fcgid", "cgi", "cgid"]
CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'none'; "
       "frame-ancestors 'none'; base-uri 'none'")
RECORDER = REPO / "Tests" / "integration" / "apache.py"


class ApacheStack:
    """The install in a temp directory, a recording hook, the responder (proxy_fcgi only: the other
    modes start the binary themselves) and Apache. `program` replaces the binary (the recorder)."""

    def __init__(self, mode, program=None, start_responder=True, **overrides):
        self.mode = mode
        self.install = Install(program or binary(), REPO / "public")
        self.responder = None
        self.apache = None
        try:
            root = self.install.root
            self.hook = Hook(root / "hook")
            give_to_web_user(self.hook.runs_dir)
            if mode == "proxy_fcgi":
                # The responder runs as this user; a state directory another user owns is refused.
                (root / "state").mkdir(mode=0o700)
            else:
                give_to_web_user(root / "state")
            self.values = settings(root, self.hook, INSTALL_PUBLIC_DIR=str(self.install.opt / "public"),
                                   **overrides)
            write_config(self.install.config, self.values).chmod(0o644)
            self.secrets = {self.values["INSTALL_STATE_KEYS"]}
            if mode == "proxy_fcgi" and start_responder:
                self.responder = self.start_responder()
            self.apache = Apache(mode, self.install)
        except BaseException:
            self.stop()
            raise

    def start_responder(self, program=None):
        """`serve --socket` as the socket's group www-data (what SocketGroup= or Group= gives)."""
        def launch(program_path, serve):
            argv = [str(program or program_path), *serve]
            if os.geteuid() == 0:
                return ["setpriv", "--regid=www-data", "--clear-groups", "--", *argv]
            return argv
        ready = None
        if program is not None:
            ready = lambda: self.install.socket_path.exists()  # noqa: E731
        return Responder(self.install.root, self.install.config, socket_path=self.install.socket_path,
                         launch=launch, ready=ready)

    def get(self, path, cookie=None, method="GET", headers=None):
        sent = dict(headers or {})
        if cookie:
            sent["Cookie"] = cookie
        return requests.request(method, self.apache.url + path, headers=sent, allow_redirects=False, timeout=30)

    def authorize(self, cookie=None):
        response = self.get("/oauth/authorize", cookie=cookie)
        assert response.status_code == 302, response.text
        state = re.search(r"[?&]state=([^&]*)$", response.headers["Location"]).group(1)
        pair = response.headers["Set-Cookie"].split(";", 1)[0]
        self.secrets.update({state, pair.split("=", 1)[1]})
        return response, state, pair

    def callback(self, state, cookie, code=None, headers=None):
        code = code or "na1-" + os.urandom(12).hex()
        self.secrets.add(code)
        return self.get(f"/oauth/callback?code={code}&state={state}", cookie=cookie, headers=headers), code

    def program_log(self) -> list:
        """The JSON lines of the responder: its stderr (proxy_fcgi) or, for the programs Apache
        starts, Apache's error logs (mod_cgi prefixes each line)."""
        if self.responder:
            text = self.responder.stderr()
        else:
            text = self.apache.error_log_text() + self.apache.server_log_text()
        return [json.loads(m.group(0)) for m in re.finditer(r'\{"time":.*\}$', text, re.M)]

    def reasons(self, route, at_least):
        def found():
            lines = [line["reason"] for line in self.program_log() if line.get("route") == route]
            return lines if len(lines) >= at_least else None
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            lines = found()
            if lines:
                return lines
            time.sleep(0.05)
        raise AssertionError(f"fewer than {at_least} log lines for {route}: {self.program_log()}")

    def assert_nothing_leaked(self):
        places = {"access log": self.apache.access_log_text(), "site error log": self.apache.error_log_text(),
                  "server error log": self.apache.server_log_text()}
        if self.responder:
            places["responder stderr"] = self.responder.stderr()
        for secret in self.secrets:
            for where, text in places.items():
                assert secret not in text, f"a secret value appears in Apache's {where}"

    def stop(self):
        leftovers = self.apache.stop() if self.apache else []
        if self.responder:
            self.responder.stop()
        self.install.remove()
        return leftovers


@pytest.fixture
def make_stack():
    stacks = []

    def make(mode, **options):
        stack = ApacheStack(mode, **options)
        stacks.append(stack)
        return stack

    yield make
    for stack in stacks:
        stack.stop()


@pytest.mark.parametrize("mode", MODES)
def test_install_flow_through_apache(make_stack, mode):
    stack = make_stack(mode)

    landing = stack.get("/")
    assert landing.status_code == 200, landing.text
    assert APP_NAME in landing.text and 'href="/oauth/authorize"' in landing.text
    # Set once, by the responder: Apache adds none of its own to the routes (requests would join
    # a repeated header with ", ").
    assert landing.headers["X-Content-Type-Options"] == "nosniff"
    assert landing.headers["Content-Security-Policy"] == CSP
    assert stack.get("/healthz").text == "ok\n"

    response, state, cookie = stack.authorize()
    assert response.headers["Location"].startswith("https://app.hubspot.com/oauth/authorize?client_id=")
    assert cookie.startswith("__Host-hubspot-install=")

    # Arriving from HubSpot's consent page: the Referer may carry the state; the logs must not.
    referer = {"Referer": f"https://app.hubspot.com/oauth/authorize?state={state}", "User-Agent": "test-browser"}
    good, code = stack.callback(state, cookie, headers=referer)
    assert good.status_code == 303, good.text
    assert good.headers["Location"] == "/installed"
    runs = stack.hook.runs()
    assert len(runs) == 1
    assert json.loads(runs[0]["stdin"])["code"] == code
    assert set(runs[0]["env"]) <= {"PATH", "LANG"}

    # The same link again, then a tampered state and a state without its browser: all refused,
    # the hook not run again.
    assert stack.callback(state, cookie, code=code, headers=referer)[0].status_code == 400
    _, fresh, cookie = stack.authorize(cookie=cookie)
    flipped = fresh[:20] + ("A" if fresh[20] != "A" else "B") + fresh[21:]
    stack.secrets.add(flipped)
    assert stack.callback(flipped, cookie, headers=referer)[0].status_code == 400
    assert stack.callback(fresh, None)[0].status_code == 400
    assert len(stack.hook.runs()) == 1
    assert stack.reasons("callback", 4) == ["ok", "state_replayed", "state_bad_tag", "binding_missing"]

    # Apache writes its access-log line once the response has gone out.
    access = wait_for(lambda: (text := stack.apache.access_log_text()).count("/oauth/callback") >= 4 and text,
                      timeout=5, what="the access log")
    assert access.count('"GET /oauth/callback HTTP/1.1"') == 4
    assert "?" not in access and "app.hubspot.com" not in access
    stack.assert_nothing_leaked()
    assert stack.stop() == [], "processes Apache started outlived it"


@pytest.mark.parametrize("mode", MODES)
def test_exact_routes_and_assets_served_by_apache(make_stack, mode):
    stack = make_stack(mode)
    css = stack.get("/assets/style.css")
    assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")
    assert css.content == (REPO / "public" / "assets" / "style.css").read_bytes()
    assert css.headers["X-Content-Type-Options"] == "nosniff"
    assert css.headers["Cache-Control"] == "public, max-age=3600"
    for path in ["/index.html", "/error.html", "/installed.html", "/oauth/callback/", "/oauth", "/assets/",
                 "/healthz/", "/.env", "/bin/hubspot-install", "/hubspot-install", "/oauth/authorize/x",
                 "/assets/../index.html"]:
        response = stack.get(path)
        assert response.status_code == 404, path
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        assert response.headers["Referrer-Policy"] == "no-referrer", path
    # A query without "=" becomes CGI arguments (RFC 3875 §4.4); it must not become a command.
    search = stack.get("/?check")
    assert search.status_code == 200 and APP_NAME in search.text
    assert stack.reasons("landing", 1) == ["ok"]
    # Only that one request reached the program.
    assert [line["route"] for line in stack.program_log() if "route" in line] == ["landing"]


@pytest.mark.parametrize("mode", MODES)
def test_apache_sends_the_request_uri_and_no_proxy_header(make_stack, mode):
    """With the recorder in place of the binary: what each mode hands the program."""
    stack = make_stack(mode, program=RECORDER, start_responder=False)
    if mode == "proxy_fcgi":
        stack.responder = stack.start_responder(program=stack.install.program)
    response = stack.get("/oauth/callback?code=abc&state=xyz",
                         headers={"Proxy": "http://attacker.example:3128", "X-Probe": "seen"})
    assert response.status_code == 200 and response.text == "recorded\n"
    recorded = [json.loads(p.read_text()) for p in sorted(stack.install.recorded.glob("*.json"))]
    assert len(recorded) == 1
    kind, values = recorded[0]["kind"], recorded[0]["values"]
    assert kind == ("cgi" if mode in ("cgi", "cgid") else "fastcgi")
    assert values["HTTP_X_PROBE"] == "seen"
    assert "HTTP_PROXY" not in values
    assert values["REQUEST_URI"] == "/oauth/callback?code=abc&state=xyz"
    assert values["QUERY_STRING"] == "code=abc&state=xyz"
    if kind == "cgi":
        assert values["HUBSPOT_INSTALL_CONFIG"] == str(stack.install.config)


def test_apache_error_log_keeps_the_query_and_referer_out_when_the_responder_is_down(make_stack):
    stack = make_stack("proxy_fcgi", start_responder=False)
    state = "S" * 103
    stack.secrets.update({state, "na1-never-logged"})
    response = stack.get(f"/oauth/callback?code=na1-never-logged&state={state}",
                         headers={"Referer": f"https://app.hubspot.com/oauth/authorize?state={state}"})
    assert response.status_code == 503
    errors = stack.apache.error_log_text()
    assert "AH01079" in errors  # "failed to make connection to backend": the failure is logged
    assert "referer" not in errors.lower()
    stack.assert_nothing_leaked()


@pytest.mark.parametrize("name", sorted(set(SITES.values())))
def test_each_site_carries_the_hardening_of_the_nginx_site(name):
    lines = [line.strip() for line in (DEPLOY / name).read_text().splitlines()
             if line.strip() and not line.strip().startswith("#")]
    assert "RequestHeader unset Proxy early" in lines
    log_format = next(line for line in lines if line.startswith("LogFormat "))
    assert "%U" in log_format and "%r" not in log_format and "%q" not in log_format
    assert "Referer" not in log_format and "%{Referer}" not in " ".join(lines)
    assert any(line.startswith("ErrorLogFormat ") for line in lines)
    assert any(line.startswith("CustomLog ") and line.endswith(" hubspot_install") for line in lines)
    assert 'Define HUBSPOT_INSTALL_ROUTES "oauth/authorize|oauth/callback|oauth/install|installed|healthz"' in lines


def test_hubspot_install_config_names_the_file_and_config_wins(tmp_path):
    """What hubspot-install-cgi.conf's SetEnv relies on: the variable names the --config file, for
    a CGI program and for `check`; an explicit --config wins over it."""
    hook = Hook(tmp_path / "hook")
    named = write_config(tmp_path / "named.env", settings(tmp_path, hook, INSTALL_APP_NAME="Named File"))
    given = write_config(tmp_path / "given.env", settings(tmp_path, hook, INSTALL_APP_NAME="Given File"))
    request = {"REQUEST_METHOD": "GET", "REQUEST_URI": "/", "HUBSPOT_INSTALL_CONFIG": str(named)}
    done = run_cgi(request, cwd=tmp_path)
    assert done.returncode == 0 and b"Named File" in done.stdout, done.stderr
    env = {"PATH": os.environ["PATH"], "HUBSPOT_INSTALL_CONFIG": str(named)}
    check = subprocess.run([str(binary()), "check"], env=env, capture_output=True, text=True, cwd=tmp_path)
    assert check.returncode == 0 and "Named File" in check.stdout, check.stderr
    assert "HUBSPOT_INSTALL_CONFIG" not in check.stderr  # a known name, not a "typo?" warning
    check = subprocess.run([str(binary()), "check", "--config", str(given)], env=env, capture_output=True,
                           text=True, cwd=tmp_path)
    assert check.returncode == 0 and "Given File" in check.stdout, check.stderr


@pytest.mark.parametrize("mode", MODES)
def test_marketplace_install_url_through_apache(make_stack, mode):
    """/oauth/install is one of the site's routes in every mode: the sign-in flow's two steps go
    through, the hook runs once, its cookie keeps SameSite=None, and nothing of the query is logged."""
    from urllib.parse import quote
    stack = make_stack(mode, INSTALL_MARKETPLACE="sign-in")
    back = "https://app.hubspot.com/marketplace/return?portalId=1"
    authorize = stack.get("/oauth/install?step=authorize&returnUrl=" + quote(back, safe=""))
    assert authorize.status_code == 303, authorize.text
    location = authorize.headers["Location"]
    assert location.startswith(back + "&state=")
    state = location.rsplit("=", 1)[1]
    set_cookie = authorize.headers["Set-Cookie"]
    assert "SameSite=None" in set_cookie and "Secure" in set_cookie
    cookie = set_cookie.split(";", 1)[0]
    code = "na1-" + os.urandom(12).hex()
    stack.secrets.update({state, cookie.split("=", 1)[1], code})
    query = f"step=finalize&code={code}&state={state}&returnUrl=" + quote(back, safe="")
    done = stack.get("/oauth/install?" + query, cookie=cookie)
    assert done.status_code == 303 and done.headers["Location"] == back, done.text
    assert [json.loads(run["stdin"])["code"] for run in stack.hook.runs()] == [code]
    again = stack.get("/oauth/install?" + query, cookie=cookie)
    assert again.status_code == 400
    assert len(stack.hook.runs()) == 1
    for path in ["/oauth/install/", "/oauth/install/x", "/oauth/installs"]:
        assert stack.get(path + "?step=authorize&returnUrl=" + quote(back, safe="")).status_code == 404, path
    assert stack.reasons("install", 3) == ["ok", "ok", "state_replayed"]
    access = wait_for(lambda: (text := stack.apache.access_log_text()).count("/oauth/install") >= 6 and text,
                      timeout=5, what="the access log")
    assert access.count('"GET /oauth/install HTTP/1.1"') == 3
    assert "returnUrl" not in access and "app.hubspot.com" not in access
    stack.assert_nothing_leaked()
