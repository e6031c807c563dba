"""The token store failing under the built-in `hubspot` hook and the `tokens` commands, for real:
PostgreSQL stopped in the middle of an install (the person is told to try again, and the next
install works once the server is back, without restarting the responder), a read-only database
(PostgreSQL's `default_transaction_read_only`, a SQLite file on a read-only mount) and a full disk
(SQLite on a small tmpfs). Each gives a clear error and the documented exit status (1,
`store_failed`, or `store_unavailable` and exit 75 when the server did not answer), never a token, the client secret or the database password."""
import json
import os
import re
import socket
import subprocess
import threading
import time
from urllib.parse import urlsplit

import pytest
import requests

from conftest import CLIENT_SECRET
from harness import CLIENT_ID, REDIRECT_URI, Hook, binary, free_port, settings, tokens_binary, wait_for, write_config
from postgres_server import PostgresServer

HUB_ID = 6060


@pytest.fixture
def own_postgres():
    """A server of this test's own, which it may stop and start."""
    server = PostgresServer()
    yield server
    server.remove()


@pytest.fixture
def tmpfs(tmp_path):
    """mount(size) -> a directory on a new tmpfs of `size` (root only); unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    mounted = []

    def mount(size):
        point = tmp_path / f"tmpfs{len(mounted)}"
        point.mkdir(mode=0o700)
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(point)], check=True)
        mounted.append(point)
        return point
    yield mount
    for point in mounted:
        subprocess.run(["umount", "-l", str(point)], check=False)


class Site:
    """One responder behind nginx with the built-in `hubspot` hook, its store at `db`."""

    def __init__(self, make_stack, make_standin, db, password=None):
        self.standin = make_standin(redirect_uris=[REDIRECT_URI], scopes="oauth contacts", auto_decision="connect",
                                    hub_id=HUB_ID, hub_domain="faults.hubspot.com")
        self.stack = make_stack(INSTALL_TOKEN_HOOK="hubspot", HUBSPOT_CLIENT_SECRET=CLIENT_SECRET,
                                HUBSPOT_AUTHORIZE_URL=self.standin.url + "/oauth/authorize",
                                HUBSPOT_TOKEN_URL=self.standin.url + "/oauth/2026-03/token", INSTALL_TOKEN_DB=str(db),
                                INSTALL_TOKEN_HOOK_TIMEOUT="20", HUBSPOT_OPTIONAL_SCOPES=None)
        self.stack.secrets.add(CLIENT_SECRET)
        if password:
            self.stack.secrets.add(password)
        self.texts = []

    def install(self, meanwhile=None):
        """The browser's round trip; `meanwhile()` runs while the token request is under way."""
        started, _, cookie = self.stack.authorize()
        consent = requests.get(started.headers["Location"], allow_redirects=False, timeout=30)
        assert consent.status_code == 302, consent.text
        query = urlsplit(consent.headers["Location"]).query
        self.stack.secrets.update(part.split("=", 1)[1] for part in query.split("&"))
        if meanwhile is None:
            return self.stack.get("/oauth/callback?" + query, cookie=cookie, timeout=60)
        answer = {}
        thread = threading.Thread(
            target=lambda: answer.update(page=self.stack.get("/oauth/callback?" + query, cookie=cookie, timeout=60)))
        thread.start()
        meanwhile()
        thread.join(90)
        return answer["page"]

    def tokens(self, *args):
        done = subprocess.run([str(binary()), "tokens", *args, "--config", str(self.stack.config)],
                              capture_output=True, text=True, timeout=120, env={"PATH": "/usr/bin:/bin"})
        self.texts.append(done.stdout + done.stderr)
        return done

    def assert_no_token_in_outputs(self):
        tokens = set(self.standin.access_tokens) | set(self.standin.refresh_tokens) | {CLIENT_SECRET}
        for record in self.standin.requests:
            response = record.get("response") or {}
            tokens.update(v for k, v in response.items() if k in ("access_token", "refresh_token"))
        tokens |= {s for s in self.stack.secrets}
        for text in self.texts:
            for secret in tokens:
                assert secret not in text, "a token, a secret or the database password appears in an output"


def callback_lines(stack, count):
    def found():
        lines = [line for line in stack.responder.access_lines() if line.get("route") == "callback"]
        return lines if len(lines) >= count else None
    return wait_for(found, timeout=10, what=f"{count} callback log lines")


def test_postgresql_stopped_during_an_install_is_try_again_and_the_next_install_works(
        make_stack, make_standin, own_postgres):
    site = Site(make_stack, make_standin, own_postgres.fresh_database(), own_postgres.password)
    # The token endpoint answers after 4 s; the server is stopped meanwhile.
    requests.post(site.standin.url + "/_standin/fail", json={"endpoint": "token", "delay": 4, "count": 1},
                  timeout=10).raise_for_status()

    def stop_when_asked():
        # The delayed rule is taken when the token request arrives: the hook has claimed the install
        # (so it is connected to the database) and now waits for HubSpot.
        wait_for(lambda: not site.standin.failures, timeout=20, what="the token request")
        own_postgres.stop()
    page = site.install(meanwhile=stop_when_asked)
    assert page.status_code == 502
    assert "HubSpot did not answer" in page.text and "try again" in page.text
    [line] = callback_lines(site.stack, 1)
    assert line["reason"] == "provider_unavailable", line
    log = site.stack.responder.stderr()
    # The store notices the ended session before writing, so it is the new connection that fails.
    assert re.search(r"token store: cannot (write|connect to) PostgreSQL database", log), log
    assert own_postgres.password not in log

    own_postgres.start()
    again = site.install()
    assert again.status_code == 303, again.text
    assert [line["reason"] for line in callback_lines(site.stack, 2)] == ["provider_unavailable", "ok"]
    assert own_postgres.row(site.stack.values["INSTALL_TOKEN_DB"], HUB_ID)["status"] == "active"

    # Down before the install starts: the same "try again", and HubSpot is not even asked.
    own_postgres.stop()
    asked = len(site.standin.requests)
    down = site.install()
    assert down.status_code == 502 and "HubSpot did not answer" in down.text
    assert callback_lines(site.stack, 3)[-1]["reason"] == "provider_unavailable"
    assert "connection refused" in site.stack.responder.stderr()
    assert not [r for r in site.standin.requests[asked:] if r["endpoint"] == "token"]
    own_postgres.start()
    assert site.install().status_code == 303
    site.texts.append(site.stack.responder.stderr())
    site.assert_no_token_in_outputs()


def test_postgresql_restarted_during_an_install_costs_nothing(make_stack, make_standin, own_postgres):
    """Restarted while the hook waits for HubSpot: the code is spent by then, so the store must
    write the tokens on a new session rather than fail on the one the restart ended."""
    site = Site(make_stack, make_standin, own_postgres.fresh_database(), own_postgres.password)
    requests.post(site.standin.url + "/_standin/fail", json={"endpoint": "token", "delay": 4, "count": 1},
                  timeout=10).raise_for_status()

    def restart_when_asked():
        wait_for(lambda: not site.standin.failures, timeout=20, what="the token request")
        own_postgres.stop()
        own_postgres.start()
    page = site.install(meanwhile=restart_when_asked)
    assert page.status_code == 303, page.text
    [line] = callback_lines(site.stack, 1)
    assert line["reason"] == "ok", line
    assert own_postgres.row(site.stack.values["INSTALL_TOKEN_DB"], HUB_ID)["status"] == "active"
    site.texts.append(site.stack.responder.stderr())
    site.assert_no_token_in_outputs()


def test_a_read_only_postgresql_database_is_a_clear_store_failure(make_stack, make_standin, postgres):
    db = postgres.fresh_database()
    site = Site(make_stack, make_standin, db, postgres.password)
    assert site.install().status_code == 303
    postgres.sql(f"ALTER DATABASE {postgres.database_of(db)} SET default_transaction_read_only = on")
    refreshed = site.tokens("refresh", str(HUB_ID))
    assert refreshed.returncode == 1, refreshed.stderr
    assert refreshed.stderr.startswith("error: store_failed: cannot write PostgreSQL database ")
    assert "SQLSTATE 25006 (the database is read-only)" in refreshed.stderr
    # Reading still works.
    listed = site.tokens("list")
    assert listed.returncode == 0 and str(HUB_ID) in listed.stdout
    # An install cannot be stored: "could not finish", not "try again" (trying again will not help).
    page = site.install()
    assert page.status_code == 502 and "could not finish the install" in page.text
    assert callback_lines(site.stack, 2)[-1]["reason"] == "hook_failed"
    site.texts.append(site.stack.responder.stderr())
    site.assert_no_token_in_outputs()


def test_a_sqlite_store_on_a_read_only_mount_is_a_clear_store_failure(make_stack, make_standin, tmpfs):
    mount = tmpfs("4m")
    site = Site(make_stack, make_standin, mount / "tokens.sqlite3")
    assert site.install().status_code == 303
    subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
    for command in (["refresh", str(HUB_ID)], ["access-token", str(HUB_ID)], ["list"]):
        done = site.tokens(*command)
        assert done.returncode == 1, (command, done.stderr)
        assert done.stderr == f"error: store_failed: cannot open {mount}/tokens.sqlite3: Read-only file system\n"
        assert done.stdout == ""
    site.assert_no_token_in_outputs()


def test_a_full_disk_under_a_sqlite_store_is_a_clear_store_failure(make_stack, make_standin, tmpfs):
    mount = tmpfs("1m")
    site = Site(make_stack, make_standin, mount / "tokens.sqlite3")
    assert site.install().status_code == 303
    # One refresh first, so its lock file exists; then fill the disk.
    assert site.tokens("refresh", str(HUB_ID)).returncode == 0
    with open(mount / "filler", "wb") as filler:
        try:
            while True:
                filler.write(b"\0" * 65536)
                filler.flush()
        except OSError:
            pass
    done = site.tokens("refresh", str(HUB_ID))
    assert done.returncode == 1, done.stderr
    # SQLITE_FULL, or an I/O error when SQLite's shared-memory file cannot grow: either way named.
    assert re.fullmatch(rf"error: store_failed: cannot (open|write) {mount}/tokens\.sqlite3: SQLite error \d+ "
                        r"\(.*\); no space is left on its file system\n", done.stderr), done.stderr
    assert len(done.stderr.splitlines()) == 1 and done.stdout == ""
    # The row still holds the tokens from before: a fresh one is still handed out once space is back.
    os.remove(mount / "filler")
    assert site.tokens("refresh", str(HUB_ID)).returncode == 0
    site.assert_no_token_in_outputs()


def broken_urls(postgres, database):
    """URLs that hold the real password and fail in different places: libpq's parser (which quotes
    what it cannot parse), the server's authentication, a closed port, TLS, a missing database."""
    password, port = postgres.password, postgres.port
    half = len(password) // 2
    return [
        postgres.url(database, password="wrong" + password),
        f"postgresql://tester:{password}%zz@127.0.0.1:{port}/{database}",
        f"postgresql://tester:{password}@127.0.0.1:{port}/{database}?bogus={password}",
        f"postgres://tester:{password}@127.0.0.1:{port}/{database}?sslmode={password}",
        f"postgresql://tester:{password}@127.0.0.1:{free_port()}/{database}",
        f"postgresql://tester:{password}@127.0.0.1:{port}/{database}?sslmode=require",
        f"postgresql://tester:{password}@127.0.0.1:{port}/no_such_database",
        f"postgresql://tester@127.0.0.1:{port}/{database}?password=wrong{password}",
        # A password pasted without percent-encoding: libpq ends the user part at a '/' (the rest
        # becomes the port and the database name) and the query at a '?'; and one without '@host'.
        f"postgresql://tester:{password[:half]}/{password[half:]}@127.0.0.1:{port}/{database}",
        f"postgresql://tester:{password[:half]}?{password[half:]}@127.0.0.1:{port}/{database}",
        f"postgresql://tester:{password[:half]}#{password[half:]}@127.0.0.1:{port}/{database}",
        f"postgresql://tester:{password}",
        f"postgresql://127.0.0.1/{database}?port={password}",
        # Not a URL at all: libpq's key=value form, and a scheme with one slash.
        f"host=127.0.0.1 port={port} dbname={database} user=tester password={password}",
        f"postgresql:/{database}?password={password}",
    ]


def test_the_database_password_never_reaches_stderr_or_check(tmp_path, postgres):
    database = postgres.database_of(postgres.fresh_database())
    secret = tmp_path / "client-secret"
    secret.write_text(CLIENT_SECRET + "\n")
    secret.chmod(0o600)
    for index, url in enumerate(broken_urls(postgres, database)):
        values = settings(tmp_path, Hook(tmp_path / "hook"), INSTALL_TOKEN_HOOK="hubspot",
                          HUBSPOT_CLIENT_SECRET_FILE=str(secret), INSTALL_TOKEN_DB=url)
        config = write_config(tmp_path / f"broken{index}.env", values)
        config.chmod(0o600)
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
        listed = subprocess.run([str(binary()), "tokens", "list", "--config", str(config)], capture_output=True,
                                text=True, timeout=60, env=env)
        # Refused by the configuration (a URL libpq would split inside the password), or by the store.
        assert (listed.returncode, ": ".join(listed.stderr.split(": ")[:2])) in {
            (1, "error: store_failed"), (1, "error: INSTALL_TOKEN_DB"), (75, "error: store_unavailable")}, \
            listed.stderr
        # `--db` skips the configuration's check: the store itself must not show the password.
        direct = subprocess.run([str(tokens_binary()), "list", "--db", url], capture_output=True, text=True,
                                timeout=60, env=env)
        assert (direct.returncode, ": ".join(direct.stderr.split(": ")[:2])) in {
            (1, "error: store_failed"), (75, "error: store_unavailable")}, direct.stderr
        # A well-formed grant with an install_id: the hook claims it in the store before anything else.
        grant = {"code": "na1-" + os.urandom(8).hex(), "redirect_uri": REDIRECT_URI, "client_id": CLIENT_ID,
                 "scopes": ["oauth", "contacts"], "optional_scopes": [], "issued_at": int(time.time()),
                 "request_id": "r1", "flow": "install", "install_id": "i-" + os.urandom(16).hex()}
        hooked = subprocess.run([str(tokens_binary()), "hook", "hubspot", "--config", str(config)],
                                input=json.dumps(grant), capture_output=True, text=True, timeout=60, env=env)
        named = "PostgreSQL" in hooked.stderr or "INSTALL_TOKEN_DB" in hooked.stderr
        assert hooked.returncode in (1, 75) and named, hooked.stderr
        checked = subprocess.run([str(binary()), "check", "--config", str(config)], capture_output=True, text=True,
                                 timeout=60, env=env)
        for text in (listed.stdout, listed.stderr, direct.stdout, direct.stderr, hooked.stdout, hooked.stderr,
                     checked.stdout, checked.stderr):
            half = len(postgres.password) // 2
            for part in (postgres.password[:half], postgres.password[half:]):
                assert part not in text, f"the password appears for URL #{index}: {text!r}"
        if checked.returncode == 0:
            assert "<redacted>" in checked.stdout


class FreezingProxy:
    """A TCP relay in front of PostgreSQL that can stop relaying while keeping every connection
    open, as a server that hangs or a network that drops packets does: `mode` "relay" passes all
    bytes, "connect" accepts connections and never answers, "query" lets a session log in (up to
    the server's first ReadyForQuery) and then passes nothing more from the client."""

    def __init__(self, port):
        self.target = port
        self.mode = "relay"
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.held = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.held.append(client)
            if self.mode == "connect":
                continue
            server = socket.create_connection(("127.0.0.1", self.target))
            self.held.append(server)
            ready = threading.Event()
            threading.Thread(target=self._pump, args=(server, client, ready, None), daemon=True).start()
            threading.Thread(target=self._pump, args=(client, server, None, ready), daemon=True).start()

    def _pump(self, source, sink, ready_seen, stop_after_ready):
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                return
            if not data:
                return
            if stop_after_ready is not None and self.mode == "query" and stop_after_ready.is_set():
                continue  # swallowed: the client waits for an answer that never comes
            if ready_seen is not None and b"Z\x00\x00\x00\x05" in data:
                ready_seen.set()
            try:
                sink.sendall(data)
            except OSError:
                return

    def close(self):
        self.listener.close()
        for sock in self.held:
            sock.close()


def test_a_database_that_stops_answering_is_given_up_on_not_waited_for(postgres):
    """A server that accepts the connection and then answers nothing (hung, or packets dropped on
    the way) must not hold `tokens` (run by an app's backend, with no timeout of its own) forever:
    connecting gives up after libpq's connect_timeout, which the store sets to 10 s unless the URL
    does, and a statement after the store's 10 s statement timeout."""
    url = postgres.fresh_database()
    proxy = FreezingProxy(postgres.port)
    proxied = url.replace(f"127.0.0.1:{postgres.port}/", f"127.0.0.1:{proxy.port}/")
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}

    def listed():
        started = time.monotonic()
        done = subprocess.run([str(tokens_binary()), "list", "--db", proxied], capture_output=True, text=True,
                              timeout=90, env=env)
        assert postgres.password not in done.stdout + done.stderr
        return done, time.monotonic() - started

    try:
        done, _ = listed()
        assert done.returncode == 0, done.stderr
        proxy.mode = "query"
        done, took = listed()
        # Try again: the app's backend retries on 75.
        assert done.returncode == 75 and done.stderr.startswith("error: store_unavailable: "), done.stderr
        assert done.stderr.endswith(": the server did not answer within 10 s\n"), done.stderr
        assert 9 < took < 40, took
        proxy.mode = "connect"
        done, took = listed()
        assert done.returncode == 75 and done.stderr.startswith("error: store_unavailable: "), done.stderr
        assert done.stderr.endswith(": the connection timed out\n"), done.stderr
        assert 9 < took < 40, took
        # A connect_timeout in the URL is the operator's and wins.
        proxied += "?connect_timeout=2"
        done, took = listed()
        assert done.returncode == 75 and took < 8, (done.stderr, took)
    finally:
        proxy.close()
