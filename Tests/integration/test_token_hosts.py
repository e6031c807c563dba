"""Two hosts, one database: two responders, each with its own state directory behind its own nginx
(as two machines behind a load balancer), both with the built-in `hubspot` hook and one PostgreSQL
token store, against the HubSpot stand-in. The same callback delivered to both exchanges the code
once; concurrent `tokens access-token` calls from both hosts refresh once; a refresh rotated
through one host is what the other prints. Every page, log and output is searched for the tokens,
the client secret and the database password."""
import subprocess
import threading
import time
from urllib.parse import urlsplit

import pytest
import requests

from conftest import CLIENT_SECRET
from harness import REDIRECT_URI, binary

HUB_ID = 5150
DOMAIN = "shared.hubspot.com"


class TwoHosts:
    def __init__(self, make_stack, make_standin, postgres, **standin_options):
        self.standin = make_standin(redirect_uris=[REDIRECT_URI], scopes="oauth contacts",
                                    optional_scopes="automation", auto_decision="connect", hub_id=HUB_ID,
                                    hub_domain=DOMAIN, **standin_options)
        self.postgres = postgres
        self.db = postgres.fresh_database()
        settings = dict(INSTALL_TOKEN_HOOK="hubspot", HUBSPOT_CLIENT_SECRET=CLIENT_SECRET,
                        HUBSPOT_AUTHORIZE_URL=self.standin.url + "/oauth/authorize",
                        HUBSPOT_TOKEN_URL=self.standin.url + "/oauth/2026-03/token", INSTALL_TOKEN_DB=self.db,
                        INSTALL_TOKEN_HOOK_TIMEOUT="20")
        self.hosts = [make_stack(**settings), make_stack(**settings)]
        for host in self.hosts:
            host.secrets.update({CLIENT_SECRET, postgres.password})
        self.outputs = []

    def secrets(self):
        found = {CLIENT_SECRET, self.postgres.password} | set(self.standin.access_tokens) \
            | set(self.standin.refresh_tokens)
        for record in self.standin.requests:
            response = record.get("response") or {}
            found.update(v for k, v in response.items() if k in ("access_token", "refresh_token"))
        return found

    def exchanges(self):
        return sum(1 for r in self.standin.requests
                   if r["endpoint"] == "token" and r["params"].get("grant_type") == "authorization_code")

    def refreshes(self):
        return [r for r in self.standin.requests
                if r["endpoint"] == "token" and r["params"].get("grant_type") == "refresh_token"]

    def row(self):
        return self.postgres.row(self.db, HUB_ID)

    def install_on_both(self):
        """Authorize on host A, consent at the stand-in, then the same callback to both hosts at once
        (a load balancer retrying on the other host, a double click landing on two hosts)."""
        first = self.hosts[0]
        started, _, cookie = first.authorize()
        consent = requests.get(started.headers["Location"], allow_redirects=False, timeout=30)
        assert consent.status_code == 302, consent.text
        query = urlsplit(consent.headers["Location"]).query
        for part in query.split("&"):
            first.secrets.add(part.split("=", 1)[1])
            self.hosts[1].secrets.add(part.split("=", 1)[1])
        answers = [None, None]
        barrier = threading.Barrier(2)

        def deliver(index):
            barrier.wait()
            answers[index] = self.hosts[index].get("/oauth/callback?" + query, cookie=cookie, timeout=60)
        threads = [threading.Thread(target=deliver, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return answers

    def tokens(self, host, *args):
        done = subprocess.run([str(binary()), "tokens", *args, "--config", str(self.hosts[host].config)],
                              capture_output=True, text=True, timeout=120, env={"PATH": "/usr/bin:/bin"})
        self.outputs.append(done.stderr)
        return done

    def assert_nothing_leaked(self):
        for secret in self.secrets():
            for text in self.outputs:
                assert secret not in text, "a token, the client secret or the database password leaked"
            for host in self.hosts:
                assert secret not in host.responder.stderr()


@pytest.fixture
def two_hosts(make_stack, make_standin, postgres):
    made = []

    def make(**standin_options):
        made.append(TwoHosts(make_stack, make_standin, postgres, **standin_options))
        return made[-1]
    yield make
    for each in made:
        each.assert_nothing_leaked()


def test_one_callback_delivered_to_both_hosts_at_once_exchanges_once(two_hosts):
    pair = two_hosts()
    answers = pair.install_on_both()
    # Both browsers end on the success page: the second delivery waited for the first's outcome.
    assert [a.status_code for a in answers] == [303, 303], [a.text for a in answers]
    assert [a.headers["Location"] for a in answers] == ["/installed", "/installed"]
    assert pair.exchanges() == 1
    row = pair.row()
    assert row["hub_id"] == HUB_ID and row["hub_domain"] == DOMAIN and row["status"] == "active"
    # Host A logged its authorize and the callback, host B the callback: each an ordinary success.
    for host, lines in zip(pair.hosts, (2, 1)):
        reasons = [line["reason"] for line in host.responder.access_lines(at_least=lines)
                   if line["route"] == "callback"]
        assert reasons == ["ok"]
    listed = pair.tokens(1, "list")
    assert listed.returncode == 0 and f"{HUB_ID}" in listed.stdout and DOMAIN in listed.stdout


def test_twenty_callers_on_two_hosts_refresh_once_and_print_the_same_token(two_hosts):
    pair = two_hosts()
    assert [a.status_code for a in pair.install_on_both()] == [303, 303]
    old = pair.row()["access_token"]
    pair.postgres.sql("UPDATE tokens SET expires_at = :'p1' WHERE hub_id = :'p2'",
                      pair.postgres.database_of(pair.db), (int(time.time()) + 120, HUB_ID))
    callers = [subprocess.Popen([str(binary()), "tokens", "access-token", str(HUB_ID), "--config",
                                 str(pair.hosts[index % 2].config)], env={"PATH": "/usr/bin:/bin"},
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for index in range(20)]
    results = [caller.communicate(timeout=120) + (caller.returncode,) for caller in callers]
    pair.outputs.extend(stderr for _, stderr, _ in results)
    assert [code for _, _, code in results] == [0] * 20, [stderr for _, stderr, _ in results]
    [refresh] = pair.refreshes()
    assert {stdout for stdout, _, _ in results} == {refresh["response"]["access_token"] + "\n"}
    assert refresh["response"]["access_token"] != old
    assert pair.row()["access_token"] == refresh["response"]["access_token"]


def test_a_refresh_rotated_through_one_host_is_what_the_other_prints(two_hosts):
    pair = two_hosts(rotate_refresh_tokens=True)
    assert [a.status_code for a in pair.install_on_both()] == [303, 303]
    first = pair.row()["refresh_token"]
    done = pair.tokens(0, "refresh", str(HUB_ID))
    assert done.returncode == 0, done.stderr
    [refresh] = pair.refreshes()
    rotated = refresh["response"]["refresh_token"]
    assert rotated != first and first not in pair.standin.refresh_tokens
    printed = pair.tokens(1, "refresh-token", str(HUB_ID))
    assert printed.returncode == 0 and printed.stdout == rotated + "\n"
    access = pair.tokens(1, "access-token", str(HUB_ID))
    assert access.returncode == 0 and access.stdout == refresh["response"]["access_token"] + "\n"
    # Host B's next refresh uses the rotated token, which HubSpot still knows.
    again = pair.tokens(1, "refresh", str(HUB_ID))
    assert again.returncode == 0, again.stderr
    assert [r["params"]["refresh_token"] for r in pair.refreshes()] == [first, rotated]
