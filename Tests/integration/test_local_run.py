"""README's first quick-start command, run for real: deploy/local/run.sh brings up nginx, the
responder and the HubSpot stand-in, and a person's click-through (landing, Install, Connect on the
stand-in's consent page) ends on the success page naming the account, with the tokens stored by
the built-in exchange. Ctrl-C stops it all."""
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import requests

from harness import REPO, binary, free_port, wait_for


def test_local_run_clicks_through_and_stops_cleanly(tmp_path: Path):
    binary()  # the debug build the script reuses with BUILD=debug
    port, standin_port = free_port(), free_port()
    work = tmp_path / "local"
    env = dict(os.environ, PORT=str(port), STANDIN_PORT=str(standin_port), BUILD="debug", WORK=str(work))
    env.pop("HUBSPOT_CLIENT_ID", None)
    out = open(tmp_path / "run.out", "wb")
    script = subprocess.Popen(["bash", str(REPO / "deploy/local/run.sh")], env=env, stdout=out,
                              stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for(lambda: b"is running" in (tmp_path / "run.out").read_bytes() or script.poll() is not None,
                 timeout=240, what="deploy/local/run.sh")
        assert script.poll() is None, (tmp_path / "run.out").read_text()
        base = f"http://localhost:{port}"
        browser = requests.Session()
        landing = browser.get(base + "/")
        assert landing.status_code == 200 and "Install" in landing.text
        to_hubspot = browser.get(base + "/oauth/authorize", allow_redirects=False)
        assert to_hubspot.status_code == 302
        assert to_hubspot.headers["Location"].startswith(f"http://localhost:{standin_port}/oauth/authorize?")
        consent = browser.get(to_hubspot.headers["Location"])
        assert consent.status_code == 200 and "Connect" in consent.text
        action = re.search(r'<form[^>]*action="([^"]+)"', consent.text).group(1)
        fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', consent.text))
        back = browser.post(f"http://localhost:{standin_port}{action}", data={**fields, "decision": "connect"},
                            allow_redirects=False)
        assert back.status_code == 302
        done = browser.get(back.headers["Location"])
        assert done.status_code == 200 and "is connected to HubSpot" in done.text
        # The built-in exchange ran against the stand-in: the account is named, the optional
        # scope the test account lacks is listed, and the tokens are stored.
        assert "example.hubspot.com" in done.text
        assert "Not available in this account" in done.text and "automation" in done.text
        listing = subprocess.run([str(binary()), "tokens", "list", "--db", str(work / "tokens.sqlite3")],
                                 capture_output=True, text=True, check=True).stdout
        assert "12345" in listing
        assert listing.count("\n") >= 2
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
