"""The loopback rule (`URLParts.isLoopback`: plain http only to a host that never leaves the machine)
against hosts that look like 127.x addresses but are not addresses at all (`127.0.0.256`, a part
above 255; `127.08.0.1`, a leading zero): no resolver reads either as an address, so libcurl would
hand them to DNS (the search domains of /etc/resolv.conf included), and the client secret and the
code would travel in plain http to whatever the name resolves to. Found by an adversarial review."""
import json
import re
import socket
import subprocess
import time

import pytest

from harness import Hook, REPO, binary, settings, state_key, tokens_binary, write_config

NOT_ADDRESSES = ["127.0.0.256", "127.08.0.1", "127.0.0.99999", "127.0.0.0377777"]


def not_an_ipv4_address(host):
    try:
        socket.inet_aton(host)
    except OSError:
        return True
    return False


@pytest.mark.parametrize("host", NOT_ADDRESSES)
@pytest.mark.parametrize("key", ["HUBSPOT_TOKEN_URL", "HUBSPOT_AUTHORIZE_URL", "INSTALL_SUCCESS_URL", "webhook"])
def test_plain_http_is_refused_to_a_127_name_that_is_no_address(tmp_path, host, key):
    assert not_an_ipv4_address(host), "the premise: the C library does not read it as an address"
    url = f"http://{host}:9/oauth/2026-03/token"
    if key == "webhook":
        overrides = {"INSTALL_TOKEN_HOOK": "webhook:" + url, "INSTALL_WEBHOOK_KEY": state_key()}
        named = "INSTALL_TOKEN_HOOK"
    else:
        overrides = {key: url}
        named = key
    config = write_config(tmp_path / "env", settings(tmp_path, Hook(tmp_path / "hook"), **overrides))
    done = subprocess.run([str(binary()), "check", "--config", str(config)], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin"}, cwd=tmp_path, timeout=60)
    assert re.search(rf"^error: {named}: ", done.stderr, re.M), \
        f"plain http to {host} (not a loopback address) was accepted: exit {done.returncode} {done.stderr[:300]}"


def test_the_token_program_looks_such_a_host_up_in_dns(tmp_path):
    """What the acceptance means: the token program sends the exchange to a name it resolves, not to
    127.0.0.1 (the answer is "host not found" where a loopback address would be "connection refused")."""
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    redirect = "https://install.example.com/oauth/callback"
    values = {"HUBSPOT_CLIENT_ID": "5d3e2a1c-7b9f-4e6d-8c2a-1f0e9d8c7b6a", "HUBSPOT_REDIRECT_URI": redirect,
              "INSTALL_STATE_KEYS": state_key(), "INSTALL_STATE_DIR": str(state), "INSTALL_TOKEN_HOOK": "hubspot",
              "HUBSPOT_CLIENT_SECRET": "3f1c2a9e-5b7d-4e8f-9a0b-1c2d3e4f5a6b",
              "HUBSPOT_TOKEN_URL": "http://127.0.0.256:9/oauth/2026-03/token",
              "INSTALL_TOKEN_DB": str(state / "tokens.sqlite3"), "INSTALL_PUBLIC_DIR": str(REPO / "public"),
              "INSTALL_TOKEN_HOOK_TIMEOUT": "5"}
    config = tmp_path / "c.env"
    config.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    config.chmod(0o600)
    grant = json.dumps({"code": "na1-code-0001", "redirect_uri": redirect, "client_id": values["HUBSPOT_CLIENT_ID"],
                        "scopes": ["oauth"], "optional_scopes": [], "issued_at": int(time.time()),
                        "request_id": "t-1", "flow": "install"})
    done = subprocess.run([str(tokens_binary()), "hook", "hubspot"], input=grant, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "HUBSPOT_INSTALL_CONFIG": str(config)}, timeout=60)
    # The configuration must be refused before anything is sent (exit 1, "configuration: ...").
    assert "host not found" not in done.stderr, f"the exchange was sent to a name looked up in DNS: {done.stderr}"
    assert done.returncode == 1 and "configuration: HUBSPOT_TOKEN_URL" in done.stderr, (done.returncode, done.stderr)
