"""A CGI program's command line comes from the visitor: Apache turns a query without "=" into
arguments (RFC 3875 §4.4), shell-escaping each word. The binary, started as a CGI program, must
never read a subcommand or an option from them. Through real Apache, mod_cgi (prefork) and mod_cgid
(event), with the site users copy: every such query gets the normal page of its path, nothing is
started or created, nothing the visitor chose is printed anywhere, and the hook never runs."""
import os
import re
import sqlite3
import time
from pathlib import Path

import pytest

from apache import running_as_root, web_ids
from harness import APP_NAME, parse_cgi_output, run_cgi
from test_apache import make_stack  # noqa: F401  (the fixture)

HUB_ID = 4242


def token_database(path: Path, refresh_token: str):
    """A token store (TokenStore.swift's schema) holding one account, readable by Apache's user."""
    with sqlite3.connect(path) as db:
        db.execute("""CREATE TABLE tokens (hub_id INTEGER PRIMARY KEY NOT NULL, hub_domain TEXT,
                      access_token TEXT NOT NULL, refresh_token TEXT NOT NULL, expires_at INTEGER,
                      scopes TEXT NOT NULL, token_type TEXT NOT NULL, installed_at INTEGER NOT NULL,
                      updated_at INTEGER NOT NULL)""")
        db.execute("INSERT INTO tokens VALUES (?, 'acme.hubspot.com', 'at-never-shown', ?, 1, 'oauth', "
                   "'bearer', 1, 1)", (HUB_ID, refresh_token))
    path.chmod(0o600)
    if running_as_root():
        os.chown(path, *web_ids())


def queries(tag: str, db: Path) -> list:
    """Query strings as a visitor sends them (no "="): each would pick a subcommand or options."""
    return [
        f"--threads+1024+--socket+/tmp/{tag}-a%3B",
        f"tokens+refresh-token+{HUB_ID}+--db+{db}+--config+%3B",
        f"tokens+refresh-token+{HUB_ID}+--db+{db}",
        "check%3B+id",
        "keygen%7Cid",
        "keygen+%26+id",
        "%60keygen%60",
        "%24(keygen)",
        "%22keygen%22+%27--help%27",
        f"keygen+%3E/tmp/{tag}-out",
        "keygen%0Aid",
        "--help",
        "--version",
        "keygen",
        "check",
        f"serve+--socket+/tmp/{tag}-b",
        f"serve+--listen+127.0.0.1:1",
        "tokens+list",
        "tokens+list+--json",
        "--help%3B",
    ]


def binary_processes(program: Path) -> list:
    """Pids whose executable is the installed binary (a long-lived `serve` would be one)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.readlink(entry / "exe") == str(program):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.mark.parametrize("mode", ["cgi", "cgid"])
def test_search_words_never_become_commands_through_apache(make_stack, mode):  # noqa: F811
    stack = make_stack(mode)
    tag = "hubspot-install-argv-" + os.urandom(4).hex()
    refresh_token = "rt-" + os.urandom(16).hex()
    db = stack.install.root / "tokens.sqlite3"
    token_database(db, refresh_token)
    landing = stack.get("/")
    assert landing.status_code == 200 and APP_NAME in landing.text
    asked = queries(tag, db)

    answers = []
    for query in asked:
        for path, body in [("/", landing.content), ("/healthz", b"ok\n")]:
            response = stack.get(f"{path}?{query}")
            answers.append(response)
            assert (response.status_code, response.content) == (200, body), (path, query, response.text[:200])

    # Each request was answered by the program as a page request, once, and logged as one.
    lines = [(line["route"], line["reason"]) for line in stack.program_log() if "route" in line]
    assert lines.count(("landing", "ok")) == len(asked) + 1
    assert lines.count(("healthz", "ok")) == len(asked)
    # Nothing started, nothing created, no hook.
    time.sleep(0.5)
    assert binary_processes(stack.install.program) == []
    assert sorted(p.name for p in Path("/tmp").glob(tag + "*")) == []
    assert stack.hook.runs() == []
    # Nothing the visitor chose was printed: no help, no version, no key, no token, no listing.
    logs = stack.apache.error_log_text() + stack.apache.server_log_text()
    program_output = re.sub(r'\{"time":.*\}', "", logs)
    for text, where in [(program_output, "Apache's error logs")] + [
            (a.text, "a response") for a in answers]:
        for word in [refresh_token, "at-never-shown", "USAGE", "OVERVIEW", "SUBCOMMANDS", "OPTIONS:",
                     "acme.hubspot.com", "Configuration is valid", "error:", "Error:"]:
            assert word not in text, f"{word!r} in {where}"
    assert not re.search(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])", program_output), \
        "something like a key in Apache's error logs"
    assert "malformed header" not in logs
    assert stack.stop() == [], "processes Apache started outlived it"


def test_arguments_are_ignored_when_run_as_a_cgi_program_directly(tmp_path):
    """The same without Apache: GATEWAY_INTERFACE set and stdin not a listening socket is CGI mode,
    whatever the arguments; the answer comes from the environment alone."""
    from harness import Hook, settings
    hook = Hook(tmp_path / "hook")
    values = settings(tmp_path, hook)
    socket_path = tmp_path / "serve.sock"
    request = {"REQUEST_METHOD": "GET", "REQUEST_URI": "/healthz", "SCRIPT_NAME": "/healthz", "QUERY_STRING": ""}
    for args in [("keygen",), ("--help",), ("--version",), ("check",), ("tokens", "list"),
                 ("serve", "--socket", str(socket_path)), ("serve", "--listen", "127.0.0.1:1"),
                 ("--threads", "1024", "--socket", str(socket_path)), ("serve", "--config", "/nonexistent")]:
        done = run_cgi({**values, **request}, args=args, cwd=tmp_path, timeout=20)
        assert done.returncode == 0, (args, done.stderr)
        status, _, body = parse_cgi_output(done.stdout)
        assert (status, body) == (200, b"ok\n"), args
        assert not socket_path.exists(), args
        assert b"USAGE" not in done.stdout + done.stderr, args
    assert hook.runs() == []
