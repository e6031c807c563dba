"""The token lifecycle, with real processes: a responder with the built-in `hubspot` hook installs
the app against the HubSpot stand-in, then `hubspot-install tokens ...` keeps the account's tokens
valid (refresh once for many concurrent callers, rotation stored), notices an uninstall
(`revoked`, exit 3), revokes and uninstalls at HubSpot, and says so when HubSpot is unreachable.

Every test's captured outputs and the responder's stderr are searched, after the test, for every
token the stand-in issued and for the client secret (`no_secret_in_any_output`): none may appear,
except the one thing a command exists to print (`access-token` / `refresh-token` stdout)."""
import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from harness import (CLIENT_ID, REPO, Hook, Responder, binary, fastcgi_request, free_port, parse_cgi_output, settings,
                     tokens_binary, write_config)
from hubspot_standin import StandIn

CLIENT_SECRET = "lifecycle-client-secret-1f0e9d8c"
REDIRECT_URI = "http://localhost:8080/oauth/callback"
HUB_ID = 4242
DOMAIN = "acme.hubspot.com"
TIMEOUT = 60  # seconds any one command may take on a loaded machine; they take well under one


class Outputs:
    """Everything a test saw: command outputs (minus the token a command is meant to print),
    responder logs; and every token the stand-ins issued."""

    def __init__(self):
        self.texts = {}
        self.extra = set()
        self.standins = []
        self.responders = []

    def add(self, where, text):
        self.texts[f"{len(self.texts)} {where}"] = text

    def secrets(self):
        found = {CLIENT_SECRET} | self.extra
        for standin in self.standins:
            for record in standin.requests:
                response = record.get("response") or {}
                found.update(v for k, v in response.items() if k in ("access_token", "refresh_token"))
            found.update(standin.access_tokens)
            found.update(standin.refresh_tokens)
        return found

    def leaks(self):
        texts = dict(self.texts)
        for index, responder in enumerate(self.responders):
            texts[f"responder {index} stderr"] = responder.stderr()
        return [(where, secret[:6] + "...") for secret in self.secrets() for where, text in texts.items()
                if secret in text]


@pytest.fixture
def outputs():
    seen = Outputs()
    yield seen
    assert seen.texts, "the test captured no output to check"
    leaks = seen.leaks()
    assert not leaks, f"a token or the client secret appears in: {leaks}"


class Account:
    """One installed account: the stand-in as HubSpot, a responder with INSTALL_TOKEN_HOOK=hubspot
    that installed it, and the configuration `tokens` commands read."""

    def __init__(self, tmp, outputs, postgres=None, **standin_options):
        """`postgres`: a PostgresServer to keep the tokens in (a database of its own), instead of
        a SQLite file."""
        self.tmp = tmp
        self.outputs = outputs
        self.postgres = postgres
        options = dict(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, redirect_uris=[REDIRECT_URI],
                       scopes="oauth contacts", optional_scopes="automation", hub_id=HUB_ID, hub_domain=DOMAIN,
                       auto_decision="connect", hublet="eu1", user="owner@acme.example", user_id=777,
                       app_id=31337)
        options.update(standin_options)
        self.standin = StandIn(**options).start()
        outputs.standins.append(self.standin)
        self.db = tmp / "state" / "tokens.sqlite3"
        if postgres:
            self.db = postgres.fresh_database()
            outputs.extra.add(postgres.password)
        self.values = settings(
            tmp, Hook(tmp / "hook"), HUBSPOT_REDIRECT_URI=REDIRECT_URI,
            HUBSPOT_AUTHORIZE_URL=f"http://localhost:{self.standin.port}/oauth/authorize",
            HUBSPOT_TOKEN_URL=f"http://127.0.0.1:{self.standin.port}/oauth/2026-03/token",
            HUBSPOT_CLIENT_SECRET=CLIENT_SECRET, INSTALL_TOKEN_HOOK="hubspot", INSTALL_TOKEN_DB=str(self.db),
            INSTALL_TOKEN_HOOK_TIMEOUT="10")
        self.config = write_config(tmp / "hubspot-install.env", self.values)
        self.config.chmod(0o600)
        self.responder = None

    def install(self, expect=303):
        """The browser's round trip: our authorize, HubSpot's consent (auto-approved), our callback
        (answering `expect`: 303 to the success page, or a failure page)."""
        if self.responder is None:
            self.responder = Responder(self.tmp, self.config)
            self.outputs.responders.append(self.responder)
        status, headers, _ = self.fcgi("/oauth/authorize")
        assert status == 302
        headers = dict(headers)
        cookie = headers["Set-Cookie"].split(";", 1)[0]
        consent = requests.get(headers["Location"], allow_redirects=False, timeout=TIMEOUT)
        assert consent.status_code == 302, consent.text
        query = urlsplit(consent.headers["Location"]).query
        status, headers, body = self.fcgi("/oauth/callback?" + query, cookie=cookie)
        self.outputs.add("callback page", body.decode(errors="replace") + repr(headers))
        assert status == expect, body
        return dict(parse_qsl(query))

    def fcgi(self, uri, cookie=None):
        params = [("REQUEST_METHOD", "GET"), ("REQUEST_URI", uri), ("GATEWAY_INTERFACE", "CGI/1.1"),
                  ("SERVER_NAME", "localhost"), ("SERVER_PORT", "8080")]
        if cookie:
            params.append(("HTTP_COOKIE", cookie))
        return parse_cgi_output(fastcgi_request(self.responder.socket_path, params, timeout=TIMEOUT))

    def tokens(self, *args, env=None, prints_token=False):
        """`hubspot-install tokens ARGS --config FILE`; its output joins the test's outputs (stdout
        not, when printing a token is the command's job and it succeeded)."""
        done = subprocess.run([str(binary()), "tokens", *args, "--config", str(self.config)],
                              env={"PATH": "/usr/bin:/bin", **(env or {})}, capture_output=True, text=True,
                              timeout=TIMEOUT)
        self.record(args, done, prints_token)
        return done

    def record(self, args, done, prints_token):
        self.outputs.add(f"tokens {' '.join(args)} stderr", done.stderr)
        if not (prints_token and done.returncode == 0):
            self.outputs.add(f"tokens {' '.join(args)} stdout", done.stdout)

    def lifecycle(self, **change):
        url = self.standin.url + "/_standin/lifecycle"
        answer = requests.post(url, json=change, timeout=10) if change else requests.get(url, timeout=10)
        answer.raise_for_status()
        return answer.json()

    def refreshes(self):
        return self.lifecycle()["refresh_requests"]

    def expire_soon(self, seconds=120):
        """The stored access token is made to expire in `seconds` (HubSpot's new ones live 1800 s)."""
        if self.postgres:
            self.postgres.sql("UPDATE tokens SET expires_at = :'p1' WHERE hub_id = :'p2'",
                              self.postgres.database_of(self.db), (int(time.time()) + seconds, HUB_ID))
            return
        with sqlite3.connect(self.db) as db:
            db.execute("UPDATE tokens SET expires_at = ? WHERE hub_id = ?", (int(time.time()) + seconds, HUB_ID))

    def row(self):
        if self.postgres:
            return self.postgres.row(self.db, HUB_ID)
        with sqlite3.connect(self.db) as db:
            db.row_factory = sqlite3.Row
            found = db.execute("SELECT * FROM tokens WHERE hub_id = ?", (HUB_ID,)).fetchone()
            return dict(found) if found else None

    def stop(self):
        if self.responder:
            self.responder.stop()
        self.standin.stop()


@pytest.fixture
def store_kind():
    """Where an `account` keeps its tokens; the tests that matter most are parametrized over both."""
    return "sqlite"


STORES = ["sqlite", "postgresql"]


@pytest.fixture
def account(tmp_path, outputs, store_kind, request):
    made = []
    postgres = request.getfixturevalue("postgres") if store_kind == "postgresql" else None

    def make(**standin_options):
        made.append(Account(tmp_path, outputs, postgres=postgres, **standin_options))
        return made[-1]

    yield make
    for each in made:
        each.stop()


@pytest.mark.parametrize("store_kind", STORES)
def test_the_install_stores_user_app_and_hublet_and_listing_never_shows_a_token(account):
    acme = account()
    acme.install()
    row = acme.row()
    issued = next(r["response"] for r in acme.standin.requests if r["endpoint"] == "token")
    assert row["access_token"] == issued["access_token"] and row["refresh_token"] == issued["refresh_token"]
    assert {k: row[k] for k in ("hub_domain", "user_id", "user_email", "app_id", "hublet", "status", "token_type")} \
        == {"hub_domain": DOMAIN, "user_id": 777, "user_email": "owner@acme.example", "app_id": 31337,
            "hublet": "eu1", "status": "active", "token_type": "bearer"}
    assert row["scopes"] == "oauth contacts automation"
    assert abs(row["expires_at"] - (row["installed_at"] + 1800)) <= 1

    table = acme.tokens("list")
    assert table.returncode == 0, table.stderr
    header, line = table.stdout.splitlines()
    assert header.split()[:6] == ["HUB_ID", "STATUS", "DOMAIN", "USER", "APP_ID", "HUBLET"]
    assert line.split()[:6] == [str(HUB_ID), "active", DOMAIN, "owner@acme.example", "31337", "eu1"]

    listed = acme.tokens("list", "--json")
    assert listed.returncode == 0, listed.stderr
    [entry] = json.loads(listed.stdout)
    assert entry["hub_id"] == HUB_ID and entry["status"] == "active" and entry["user_email"] == "owner@acme.example"
    assert entry["app_id"] == 31337 and entry["hublet"] == "eu1" and entry["user_id"] == 777
    assert not any("token" in key and key != "token_type" for key in entry)


@pytest.mark.parametrize("status,reason", [(503, "provider_unavailable"), (400, "hook_failed")])
def test_a_failed_exchange_is_one_log_line_with_a_reason_and_nothing_of_the_answer(account, status, reason):
    acme = account()
    echoed = "CKechoed-" + "x" * 40
    acme.outputs.extra.add(echoed)
    requests.post(acme.standin.url + "/_standin/fail",
                  json={"endpoint": "token", "status": status, "count": 1,
                        "body": {"status": "BAD_CLIENT_SECRET", "message": f"you sent {echoed}"}},
                  timeout=10).raise_for_status()
    acme.install(expect=502)  # "HubSpot did not answer" and "install failed" pages are both 502
    callbacks = [line for line in acme.responder.log_lines() if line.get("route") == "callback"]
    assert [line["reason"] for line in callbacks] == [reason]
    assert acme.row() is None


def grant_json(acme, install_id=None):
    """The hook JSON a responder hands `hubspot-install-tokens hook hubspot`, for a fresh code."""
    consent = requests.get(acme.standin.url + "/oauth/authorize", allow_redirects=False, timeout=TIMEOUT, params={
        "client_id": CLIENT_ID, "redirect_uri": REDIRECT_URI, "scope": "oauth contacts",
        "optional_scope": "automation"})
    code = dict(parse_qsl(urlsplit(consent.headers["Location"]).query))["code"]
    acme.outputs.extra.add(code)
    grant = {"code": code, "redirect_uri": REDIRECT_URI, "client_id": CLIENT_ID, "scopes": ["oauth", "contacts"],
             "optional_scopes": ["automation"], "issued_at": int(time.time()), "request_id": "r1", "flow": "install"}
    if install_id:
        grant["install_id"] = install_id
    return json.dumps(grant)


def run_hooks(acme, grant, count):
    """`count` built-in hook processes at once, as `count` responders would start them."""
    argv = [str(tokens_binary()), "hook", "hubspot"]
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HUBSPOT_INSTALL_CONFIG": str(acme.config)}
    hooks = [subprocess.Popen(argv, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(count)]
    done = []
    for hook in hooks:
        stdout, stderr = hook.communicate(grant, timeout=120)
        acme.outputs.add("hook hubspot stdout", stdout)
        acme.outputs.add("hook hubspot stderr", stderr)
        done.append((hook.returncode, stdout, stderr))
    return done


def exchanges(acme):
    return sum(1 for r in acme.standin.requests
               if r["endpoint"] == "token" and r["params"].get("grant_type") == "authorization_code")


@pytest.mark.parametrize("store_kind", STORES)
def test_one_install_delivered_twice_exchanges_once_with_the_same_outcome(account):
    acme = account()
    install_id = "q8cZ2vX3-fake_install-id_0123456789abcdefghi"
    grant = grant_json(acme, install_id)
    # Two responders (two hosts) hand the same install to the hook at the same moment...
    results = run_hooks(acme, grant, 2)
    assert [code for code, _, _ in results] == [0, 0], results
    answers = [json.loads(stdout) for _, stdout, _ in results]
    assert answers == [{"account": DOMAIN, "ungranted_optional_scopes": []}] * 2
    assert exchanges(acme) == 1
    # ...and a third delivery later still reports the same account, without asking HubSpot.
    [(code, stdout, _)] = run_hooks(acme, grant, 1)
    assert code == 0 and json.loads(stdout)["account"] == DOMAIN
    assert exchanges(acme) == 1
    assert acme.row()["install_id"] == install_id


def test_without_an_install_id_a_second_delivery_spends_the_code_again(account):
    # What the install_id prevents: HubSpot refuses the used code, the person sees "link expired".
    acme = account()
    grant = grant_json(acme)
    [(first, _, _)] = run_hooks(acme, grant, 1)
    [(second, _, stderr)] = run_hooks(acme, grant, 1)
    assert (first, second) == (0, 76) and "BAD_AUTH_CODE" in stderr
    assert exchanges(acme) == 2


@pytest.mark.parametrize("store_kind", STORES)
def test_a_fresh_access_token_is_handed_out_without_asking_hubspot(account):
    acme = account()
    acme.install()
    done = acme.tokens("access-token", str(HUB_ID), prints_token=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout == acme.row()["access_token"] + "\n"
    assert acme.refreshes() == 0


@pytest.mark.parametrize("store_kind", STORES)
def test_twenty_concurrent_callers_make_exactly_one_refresh_and_print_the_same_new_token(account):
    acme = account()
    acme.install()
    old = acme.row()["access_token"]
    acme.expire_soon(120)  # inside the 5-minute margin
    argv = [str(binary()), "tokens", "access-token", str(HUB_ID), "--config", str(acme.config)]
    callers = [subprocess.Popen(argv, env={"PATH": "/usr/bin:/bin"}, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for _ in range(20)]
    results = []
    for caller in callers:
        stdout, stderr = caller.communicate(timeout=120)
        results.append((caller.returncode, stdout, stderr))
        acme.record(("access-token", "concurrent"), subprocess.CompletedProcess(argv, caller.returncode, stdout,
                                                                                  stderr), prints_token=True)
    assert [code for code, _, _ in results] == [0] * 20, [err for _, _, err in results]
    printed = {stdout for _, stdout, _ in results}
    assert acme.refreshes() == 1
    refreshed = [r["response"] for r in acme.standin.requests
                 if r["endpoint"] == "token" and r["params"].get("grant_type") == "refresh_token"]
    assert printed == {refreshed[0]["access_token"] + "\n"} and refreshed[0]["access_token"] != old
    assert acme.row()["expires_at"] >= int(time.time()) + 1700
    # Now fresh: the next caller asks nobody.
    assert acme.tokens("access-token", str(HUB_ID), prints_token=True).returncode == 0
    assert acme.refreshes() == 1


@pytest.mark.parametrize("store_kind", STORES)
def test_a_rotated_refresh_token_is_stored_and_the_next_refresh_uses_it(account):
    acme = account(rotate_refresh_tokens=True)
    acme.install()
    first = acme.row()["refresh_token"]
    done = acme.tokens("refresh", str(HUB_ID))
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(rf"refreshed hub {HUB_ID}: the access token expires at \S+Z\n", done.stdout)
    second = acme.row()["refresh_token"]
    assert second != first and second in acme.standin.refresh_tokens and first not in acme.standin.refresh_tokens
    printed = acme.tokens("refresh-token", str(HUB_ID), prints_token=True)
    assert printed.stdout == second + "\n"
    assert acme.tokens("refresh", str(HUB_ID)).returncode == 0
    assert acme.refreshes() == 2
    sent = [r["params"]["refresh_token"] for r in acme.standin.requests
            if r["params"].get("grant_type") == "refresh_token"]
    assert sent == [first, second]


@pytest.mark.parametrize("store_kind", STORES)
@pytest.mark.parametrize("shape", ["rfc", "legacy"])
def test_an_uninstall_at_hubspot_marks_the_account_revoked_and_exits_3(account, shape):
    acme = account(refresh_error_shape=shape)
    acme.install()
    requests.post(acme.standin.url + "/_standin/uninstall-account", json={"hub_id": HUB_ID},
                  timeout=10).raise_for_status()
    acme.expire_soon(60)
    done = acme.tokens("access-token", str(HUB_ID), prints_token=True)
    assert done.returncode == 3 and done.stdout == ""
    assert len(done.stderr.splitlines()) == 1
    assert done.stderr.startswith("error: revoked: ")
    assert "uninstalled the app or revoked its access" in done.stderr
    assert acme.row()["status"] == "revoked"
    assert " revoked " in acme.tokens("list").stdout
    # Known revoked: no further request to HubSpot, same answer.
    again = acme.tokens("access-token", str(HUB_ID), prints_token=True)
    assert again.returncode == 3 and "revoked" in again.stderr
    assert acme.tokens("refresh", str(HUB_ID)).returncode == 3
    assert acme.refreshes() == 1
    # A new install of the account makes it active again.
    acme.install()
    assert acme.row()["status"] == "active"
    assert acme.tokens("access-token", str(HUB_ID), prints_token=True).returncode == 0


def test_revoke_revokes_the_refresh_token_at_hubspot_and_deletes_the_row(account):
    acme = account()
    acme.install()
    refresh = acme.row()["refresh_token"]
    done = acme.tokens("revoke", str(HUB_ID))
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"revoked hub {HUB_ID}'s refresh token at HubSpot and deleted its row\n"
    assert acme.row() is None
    [call] = [r for r in acme.standin.requests if r["endpoint"] == "revoke"]
    assert call["path"] == "/oauth/2026-03/token/revoke" and call["query"] == {}
    assert call["params"] == {"client_id": CLIENT_ID, "client_secret": "[REDACTED]", "token": refresh,
                              "token_type_hint": "refresh_token"}
    assert acme.lifecycle()["revocations"] == [{"kind": "refresh", "hint": "refresh_token"}]
    assert refresh not in acme.standin.refresh_tokens
    gone = acme.tokens("access-token", str(HUB_ID), prints_token=True)
    assert gone.returncode == 2 and gone.stderr.startswith("error: not_stored: ")


def test_uninstall_removes_the_app_from_the_account_with_its_bearer_token_and_deletes_the_row(account):
    acme = account()
    acme.install()
    acme.expire_soon(30)  # the uninstall needs a live token: refreshed first
    done = acme.tokens("uninstall", str(HUB_ID))
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"uninstalled the app from hub {HUB_ID} at HubSpot and deleted its row\n"
    assert acme.row() is None
    assert acme.refreshes() == 1
    [call] = [r for r in acme.standin.requests if r["endpoint"] == "uninstall"]
    assert call["method"] == "DELETE" and call["path"] == "/appinstalls/2026-03/external-install"
    assert call["authorization"] == "Bearer" and call["status"] == 204
    assert acme.lifecycle()["uninstalls"] == [HUB_ID]
    assert not acme.standin.refresh_tokens


def test_uninstall_of_an_account_already_uninstalled_at_hubspot_deletes_the_row(account):
    acme = account()
    acme.install()
    requests.post(acme.standin.url + "/_standin/uninstall-account", json={"hub_id": HUB_ID},
                  timeout=10).raise_for_status()
    acme.expire_soon(30)
    done = acme.tokens("uninstall", str(HUB_ID))
    assert done.returncode == 0, done.stderr
    assert "had already refused" in done.stdout and acme.row() is None


@pytest.mark.parametrize("command", ["revoke", "uninstall", "access-token", "refresh"])
def test_hubspot_unreachable_keeps_the_row_and_says_so(account, command):
    acme = account()
    acme.install()
    acme.expire_soon(30)
    before = acme.row()
    nowhere = {"HUBSPOT_TOKEN_URL": f"http://127.0.0.1:{free_port()}/oauth/2026-03/token"}
    done = acme.tokens(command, str(HUB_ID), env=nowhere, prints_token=True)
    assert done.returncode == 75, done.stderr
    assert done.stdout == "" and len(done.stderr.splitlines()) == 1
    assert done.stderr.startswith("error: hubspot_unavailable: ")
    assert "unreachable (connection refused)" in done.stderr
    assert "nothing was changed and the account is still stored" in done.stderr
    assert acme.row() == before


@pytest.mark.parametrize("command,endpoint", [("revoke", "revoke"), ("uninstall", "uninstall"),
                                              ("refresh", "token")])
def test_hubspot_failing_keeps_the_row_and_names_the_status(account, command, endpoint):
    acme = account()
    acme.install()
    before = acme.row()
    # Each command makes one request to the endpoint, so each rule answers one command.
    requests.post(acme.standin.url + "/_standin/fail",
                  json={"endpoint": endpoint, "status": 503, "count": 1,
                        "body": {"status": "error", "message": f"echo {before['refresh_token']}"}},
                  timeout=10).raise_for_status()
    done = acme.tokens(command, str(HUB_ID))
    assert done.returncode == 75 and "answered 503" in done.stderr
    assert acme.row() == before
    requests.post(acme.standin.url + "/_standin/fail",
                  json={"endpoint": endpoint, "status": 400, "count": 1,
                        "body": {"status": "BAD_CLIENT_SECRET", "message": "no", "error": "invalid_client"}},
                  timeout=10).raise_for_status()
    refused = acme.tokens(command, str(HUB_ID))
    assert refused.returncode == 1
    assert refused.stderr.startswith("error: hubspot_refused: ") and "BAD_CLIENT_SECRET" in refused.stderr
    assert acme.row() == before


def test_exit_codes_for_unknown_accounts_and_usage(account):
    acme = account()
    acme.install()
    for command in ("access-token", "refresh", "revoke", "uninstall", "refresh-token"):
        done = acme.tokens(command, "999")
        assert done.returncode == 2, (command, done.stderr)
        assert done.stderr == "error: not_stored: no account with hub id 999 is stored\n"
    assert acme.tokens("access-token", "not-a-number").returncode == 64
    help_text = acme.tokens("--help").stdout
    assert "3 the account is revoked" in help_text and "75 HubSpot unavailable" in help_text


def test_a_store_of_the_first_release_is_migrated_in_place(tmp_path, outputs):
    db = tmp_path / "tokens.sqlite3"
    with sqlite3.connect(db) as old:
        old.execute("""CREATE TABLE tokens (hub_id INTEGER PRIMARY KEY NOT NULL, hub_domain TEXT,
                       access_token TEXT NOT NULL, refresh_token TEXT NOT NULL, expires_at INTEGER,
                       scopes TEXT NOT NULL, token_type TEXT NOT NULL, installed_at INTEGER NOT NULL,
                       updated_at INTEGER NOT NULL)""")
        old.execute("INSERT INTO tokens VALUES (55, 'old.hubspot.com', 'CKold', 'na1-old', 1790001800, "
                    "'oauth contacts', 'bearer', 1790000000, 1790000000)")
    db.chmod(0o600)
    done = subprocess.run([str(binary()), "tokens", "list", "--json", "--db", str(db)], capture_output=True,
                          text=True, env={"PATH": "/usr/bin:/bin"}, timeout=TIMEOUT)
    outputs.add("list of a migrated store", done.stdout + done.stderr)
    assert done.returncode == 0, done.stderr
    [entry] = json.loads(done.stdout)
    assert entry["hub_id"] == 55 and entry["status"] == "active" and entry["hub_domain"] == "old.hubspot.com"
    assert entry["user_email"] is None and entry["hublet"] is None
    with sqlite3.connect(db) as migrated:
        assert migrated.execute("PRAGMA user_version").fetchone() == (2,)
        columns = [row[1] for row in migrated.execute("PRAGMA table_info(tokens)")]
        assert columns[-6:] == ["user_id", "user_email", "app_id", "hublet", "status", "install_id"]
        assert migrated.execute("SELECT access_token FROM tokens").fetchone() == ("CKold",)


def test_the_leak_check_finds_a_planted_token(tmp_path):
    # The check every test ends with must be able to fail.
    seen = Outputs()
    seen.standins.append(type("S", (), {"requests": [{"response": {"access_token": "CKplanted"}}],
                                        "access_tokens": {}, "refresh_tokens": {}})())
    seen.add("clean", "nothing here")
    assert seen.leaks() == []
    seen.add("dirty", "error: ... CKplanted ...")
    assert seen.leaks() == [("1 dirty", "CKplan...")]
    seen.add("secret", "client_secret=" + CLIENT_SECRET)
    assert ("2 secret", CLIENT_SECRET[:6] + "...") in seen.leaks()


def test_the_documented_python_example_gets_a_token_and_notices_an_uninstall(account):
    text = (REPO / "docs" / "tokens.md").read_text()
    section = text.split("## Tokens for the life of the install", 1)[1]
    example = section.split("```python\n", 1)[1].split("```", 1)[0]
    acme = account()
    acme.install()
    namespace = {}
    exec(example.replace("/etc/hubspot-install.env", str(acme.config)), namespace)
    path = os.environ.get("PATH", "")
    os.environ["PATH"] = f"{binary().parent}:{path}"
    try:
        token = namespace["hubspot_token"](HUB_ID)
        assert token == acme.row()["access_token"]
        requests.post(acme.standin.url + "/_standin/uninstall-account", json={"hub_id": HUB_ID},
                      timeout=10).raise_for_status()
        acme.expire_soon(30)
        with pytest.raises(PermissionError, match=f"hub {HUB_ID} uninstalled the app"):
            namespace["hubspot_token"](HUB_ID)
    finally:
        os.environ["PATH"] = path
    acme.outputs.add("python example", "ran")


@pytest.fixture
def hostile_http():
    """Starts Tests/integration/hostile_http.py answering one way (compressed, or without a status
    line) to every request, and gives its URL."""
    servers = []

    def start(mode):
        server = subprocess.Popen([sys.executable, "-u", str(Path(__file__).with_name("hostile_http.py")),
                                   "--port", "0", "--mode", mode], stdout=subprocess.PIPE, text=True)
        servers.append(server)
        line = server.stdout.readline()
        assert line.startswith("listening on "), line
        return line.split("listening on ", 1)[1].strip() + "/oauth/2026-03/token"

    yield start
    for server in servers:
        server.kill()
        server.wait(timeout=30)


def run_program(acme, args, token_url):
    """The token program itself, with HUBSPOT_TOKEN_URL pointing elsewhere."""
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HUBSPOT_INSTALL_CONFIG": str(acme.config),
           "HUBSPOT_TOKEN_URL": token_url}
    done = subprocess.run([str(tokens_binary()), *args], env=env, capture_output=True, text=True, timeout=120)
    acme.record(args, done, False)
    return done


@pytest.mark.parametrize("path", ["/gzip-small", "/gzip-bomb"])
def test_a_compressed_token_answer_is_refused_like_an_oversized_one(account, hostile_http, path):
    acme = account()
    acme.install()
    before = acme.row()
    started = time.monotonic()
    done = run_program(acme, ["refresh", str(HUB_ID)], hostile_http(path))
    # The small one would be a usable token answer if it were unpacked.
    assert done.returncode == 75, done.stderr
    assert "answered more than we read" in done.stderr
    assert time.monotonic() - started < 60
    assert acme.row() == before


def test_an_answer_that_is_not_http_is_hubspot_unavailable_not_a_bad_url(account, hostile_http):
    acme = account()
    acme.install()
    before = acme.row()
    done = run_program(acme, ["refresh", str(HUB_ID)], hostile_http("/raw-json"))
    assert done.returncode == 75, done.stderr
    assert "malformed HTTP answer" in done.stderr and "not a usable URL" not in done.stderr
    assert acme.row() == before


def test_hostile_account_facts_are_stored_as_unknown_and_the_listing_stays_one_line_each(account):
    acme = account(hub_domain="evil.example\n9999  active  forged\x1b[2J\u202e", user="a b\x1b[31m@x.example")
    acme.install()
    row = acme.row()
    assert (row["hub_domain"], row["user_email"]) == (None, None)
    table = acme.tokens("list")
    assert table.returncode == 0, table.stderr
    assert len(table.stdout.splitlines()) == 2
    assert "\x1b" not in table.stdout and "\u202e" not in table.stdout


@pytest.mark.parametrize("store_kind", ["postgresql"])
def test_notices_a_database_trigger_raises_never_reach_stderr_or_the_log(account, postgres):
    """An administrator's trigger on `tokens` (auditing, say) may RAISE NOTICE with the row: libpq
    prints notices on stderr unless told otherwise, and a hook's stderr goes to the responder's log.
    The install (the hook's INSERT) and a refresh (`access-token`'s UPDATE) must print nothing."""
    acme = account()
    assert acme.tokens("list").returncode == 0  # the tables exist from here on
    database = postgres.database_of(acme.db)
    postgres.sql("CREATE FUNCTION audit_tokens() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                 "RAISE NOTICE 'tokens row %', NEW; RAISE WARNING 'tokens before %', OLD; RETURN NEW; END $$",
                 database)
    postgres.sql("CREATE TRIGGER audit BEFORE INSERT OR UPDATE ON tokens FOR EACH ROW EXECUTE FUNCTION audit_tokens()",
                 database)
    acme.install()
    acme.expire_soon()
    done = acme.tokens("access-token", str(HUB_ID), prints_token=True)
    assert done.returncode == 0 and acme.refreshes() == 1, done.stderr
    assert done.stderr == ""
