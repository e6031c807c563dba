"""Shared fixtures for the integration tests (keep them small and generic)."""
import os
import sys

import pytest
import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import Stack  # noqa: E402
from hubspot_standin import StandIn  # noqa: E402

CLIENT_ID = "5d3e2a1c-7b9f-4e6d-8c2a-1f0e9d8c7b6a"
CLIENT_SECRET = "test-client-secret-do-not-use"
REDIRECT_URI = "http://localhost:8080/oauth/callback"


@pytest.fixture
def make_standin():
    """make_standin(**StandIn kwargs) -> a started StandIn on a free port; stopped afterwards.
    Defaults: CLIENT_ID, CLIENT_SECRET, [REDIRECT_URI], scopes "oauth contacts"."""
    started = []

    def make(**kw):
        opts = dict(client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                    redirect_uris=[REDIRECT_URI], scopes="oauth contacts")
        opts.update(kw)
        s = StandIn(**opts).start()
        started.append(s)
        return s

    yield make
    for s in started:
        s.stop()


@pytest.fixture
def standin(make_standin):
    return make_standin()


@pytest.fixture
def http():
    """A requests session; pass allow_redirects=False to see HubSpot's 302s."""
    with requests.Session() as s:
        yield s


@pytest.fixture
def make_stack(tmp_path):
    """make_stack(**Stack options) -> a started responder behind the shipped nginx site; every one
    is stopped afterwards and its logs checked for leaked secrets. (test_apache.py and
    test_exhaustion.py define their own.)"""
    stacks = []

    def make(**options):
        stack = Stack(tmp_path / f"stack{len(stacks)}", **options)
        stacks.append(stack)
        return stack

    yield make
    for stack in stacks:
        stack.stop()
        stack.assert_nothing_leaked()


@pytest.fixture(scope="session")
def postgres():
    """One real PostgreSQL server for the session (postgres_server.py), started on first use;
    `postgres.fresh_database()` gives each test its own database."""
    from postgres_server import PostgresServer
    server = PostgresServer()
    yield server
    server.remove()
