"""README's first quick-start command, run for real: deploy/local/run.sh brings up nginx, the
responder and the HubSpot stand-in, and a person's click-through (landing, Install, Connect on the
stand-in's consent page) ends on the success page naming the account, with the tokens stored by
the built-in exchange. With INSTALL_MARKETPLACE=sign-in the same script serves the Marketplace
install URL, started from the stand-in's listing. Ctrl-C stops it all."""
import contextlib
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import requests

from harness import REPO, binary, free_port, wait_for


@contextlib.contextmanager
def local_run(tmp_path: Path, **extra_env):
    """deploy/local/run.sh on free ports: yields (app port, stand-in port, work directory); Ctrl-C
    afterwards, and nothing it started may still answer."""
    binary()  # the debug build the script reuses with BUILD=debug
    port, standin_port = free_port(), free_port()
    work = tmp_path / "local"
    env = dict(os.environ, PORT=str(port), STANDIN_PORT=str(standin_port), BUILD="debug", WORK=str(work),
               **extra_env)
    env.pop("HUBSPOT_CLIENT_ID", None)
    out = open(tmp_path / "run.out", "wb")
    script = subprocess.Popen(["bash", str(REPO / "deploy/local/run.sh")], env=env, stdout=out,
                              stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for(lambda: b"is running" in (tmp_path / "run.out").read_bytes() or script.poll() is not None,
                 timeout=240, what="deploy/local/run.sh")
        assert script.poll() is None, (tmp_path / "run.out").read_text()
        yield port, standin_port, work
    finally:
        os.killpg(script.pid, signal.SIGINT)
        script.wait(20)
        out.close()
    # Everything it started is gone: nothing answers on its ports any more.
    time.sleep(0.3)
    for p in (port, standin_port):
        try:
            requests.get(f"http://127.0.0.1:{p}/", timeout=1)
            raise AssertionError(f"something still listens on {p}")
        except requests.ConnectionError:
            pass


def press_connect(browser, standin_port, consent):
    assert consent.status_code == 200 and "Connect" in consent.text
    action = re.search(r'<form[^>]*action="([^"]+)"', consent.text).group(1)
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', consent.text))
    back = browser.post(f"http://localhost:{standin_port}{action}", data={**fields, "decision": "connect"},
                        allow_redirects=False)
    assert back.status_code == 302
    return back.headers["Location"]


def stored_hub_ids(work: Path) -> str:
    return subprocess.run([str(binary()), "tokens", "list", "--db", str(work / "tokens.sqlite3")],
                          capture_output=True, text=True, check=True).stdout


def test_local_run_clicks_through_and_stops_cleanly(tmp_path: Path):
    with local_run(tmp_path) as (port, standin_port, work):
        base = f"http://localhost:{port}"
        browser = requests.Session()
        landing = browser.get(base + "/")
        assert landing.status_code == 200 and "Install" in landing.text
        to_hubspot = browser.get(base + "/oauth/authorize", allow_redirects=False)
        assert to_hubspot.status_code == 302
        assert to_hubspot.headers["Location"].startswith(f"http://localhost:{standin_port}/oauth/authorize?")
        back = press_connect(browser, standin_port, browser.get(to_hubspot.headers["Location"]))
        done = browser.get(back)
        assert done.status_code == 200 and "is connected to HubSpot" in done.text
        # The built-in exchange ran against the stand-in: the account is named, the optional
        # scope the test account lacks is listed, and the tokens are stored.
        assert "example.hubspot.com" in done.text
        assert "Not available in this account" in done.text and "automation" in done.text
        listing = stored_hub_ids(work)
        assert "12345" in listing
        assert listing.count("\n") >= 2
        # The Marketplace install URL is off unless asked for.
        assert requests.get(base + "/oauth/install?step=authorize&returnUrl=x", timeout=10).status_code == 404


def test_local_run_serves_the_marketplace_sign_in_flow(tmp_path: Path):
    with local_run(tmp_path, INSTALL_MARKETPLACE="sign-in") as (port, standin_port, work):
        assert f"http://localhost:{standin_port}/marketplace" in (tmp_path / "run.out").read_text()
        browser = requests.Session()
        listing = browser.get(f"http://localhost:{standin_port}/marketplace")
        assert listing.status_code == 200 and 'href="/marketplace/install"' in listing.text
        # Install app: the stand-in sends the browser to our install URL, which hands out a state
        # and sends it back to HubSpot's (the stand-in's) return page, where the consent is.
        to_app = browser.get(f"http://localhost:{standin_port}/marketplace/install", allow_redirects=False)
        assert to_app.headers["Location"].startswith(f"http://localhost:{port}/oauth/install?step=authorize&")
        with_state = browser.get(to_app.headers["Location"], allow_redirects=False)
        assert with_state.status_code == 303
        assert re.search(r"/marketplace/returned\?install=[^&]+&state=[A-Za-z0-9_-]+$", with_state.headers["Location"])
        finalize = press_connect(browser, standin_port, browser.get(with_state.headers["Location"]))
        assert finalize.startswith(f"http://localhost:{port}/oauth/install?step=finalize&code=")
        done = browser.get(finalize)
        assert done.status_code == 200 and 'data-page="installed"' in done.text
        assert 'data-exchanged="yes"' in done.text  # the built-in exchange ran, against 2026-03
        assert "12345" in stored_hub_ids(work)
