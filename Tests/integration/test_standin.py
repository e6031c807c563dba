"""The HubSpot OAuth stand-in behaves as HubSpot documents its OAuth server and App Marketplace install."""
import base64
import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import pytest
import requests

from conftest import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI
from hubspot_standin import extract_request_id

HERE = os.path.dirname(os.path.abspath(__file__))
VERSIONS = ["v1", "v3", "2026-03"]


def authorize_url(si, path="/oauth/authorize", **params):
    q = {"client_id": CLIENT_ID, "redirect_uri": REDIRECT_URI, "scope": "oauth contacts"}
    q.update(params)
    q = {k: v for k, v in q.items() if v is not None}
    return si.url + path + "?" + urlencode(q, quote_via=quote)


def decide(http, si, url, decision="connect"):
    """Open the consent page at url, press a button; return the redirect's Location."""
    page = http.get(url, allow_redirects=False)
    assert page.status_code == 200, page.text
    r = http.post(si.url + "/oauth/authorize/decision",
                  data={"request_id": extract_request_id(page.text), "decision": decision},
                  allow_redirects=False)
    assert r.status_code == 302, r.text
    return r.headers["Location"]


def get_code(http, si, **params):
    loc = decide(http, si, authorize_url(si, **params))
    return parse_qs(urlsplit(loc).query)["code"][0]


def exchange(http, si, code, version="v3", **over):
    data = {"grant_type": "authorization_code", "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET, "redirect_uri": REDIRECT_URI, "code": code}
    data.update(over)
    data = {k: v for k, v in data.items() if v is not None}
    return http.post(f"{si.url}/oauth/{version}/token", data=data)


def assert_error_page(r, word, *texts):
    assert r.status_code == 400
    assert "Location" not in r.headers
    assert r.headers["Content-Type"].startswith("text/html")
    assert f'data-error="{word}"' in r.text
    assert "Couldn't complete the connection" in r.text
    for t in texts:
        assert t in r.text


# ---------- command line ----------

def test_cli_prints_listening_line_and_ready_file(tmp_path):
    ready = tmp_path / "port"
    p = subprocess.Popen(
        [sys.executable, os.path.join(HERE, "hubspot_standin.py"), "--port", "0",
         "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET,
         "--redirect-uri", REDIRECT_URI, "--redirect-uri", "https://app.example.com/cb",
         "--scopes", "oauth contacts", "--optional-scopes", "automation",
         "--account-scopes", "oauth contacts", "--auto-decision", "connect",
         "--ready-file", str(ready)],
        stdout=subprocess.PIPE, text=True)
    try:
        line = p.stdout.readline().strip()
        assert line.startswith("listening on http://127.0.0.1:")
        port = int(line.rsplit(":", 1)[1])
        assert int(ready.read_text()) == port
        r = requests.get(f"http://127.0.0.1:{port}/oauth/authorize",
                         params={"client_id": CLIENT_ID, "redirect_uri": "https://app.example.com/cb",
                                 "scope": "oauth contacts", "optional_scope": "automation"},
                         allow_redirects=False, timeout=5)
        assert r.status_code == 302
        code = parse_qs(urlsplit(r.headers["Location"]).query)["code"][0]
        t = requests.post(f"http://127.0.0.1:{port}/oauth/v3/token", timeout=5, data={
            "grant_type": "authorization_code", "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET, "redirect_uri": "https://app.example.com/cb",
            "code": code}).json()
        assert t["scopes"] == ["oauth", "contacts"]          # automation dropped
    finally:
        p.terminate()
        assert p.wait(timeout=5) == 0


# ---------- authorize: errors on HubSpot's own page ----------

@pytest.mark.parametrize("client_id", ["wrong-client", "", None])
def test_unknown_client_id(standin, http, client_id):
    r = http.get(authorize_url(standin, client_id=client_id), allow_redirects=False)
    assert_error_page(r, "invalid_client", "invalid app client_id")


@pytest.mark.parametrize("uri", [
    "http://localhost:8081/oauth/callback",        # port
    "http://localhost/oauth/callback",             # port missing
    "http://localhost:8080/oauth/callback/",       # trailing slash
    "http://localhost:8080/oauth/Callback",        # path case
    "https://localhost:8080/oauth/callback",       # scheme
    "http://127.0.0.1:8080/oauth/callback",        # IP for localhost
    "http://localhost:8080/oauth/callback?x=1",    # extra query
    "",
    None,
])
def test_redirect_uri_must_match_exactly(standin, http, uri):
    r = http.get(authorize_url(standin, redirect_uri=uri), allow_redirects=False)
    assert_error_page(r, "redirect_uri_mismatch", "doesn&#x27;t match the app&#x27;s registered")


def test_error_page_escapes_what_it_shows(standin, http):
    r = http.get(authorize_url(standin, redirect_uri='http://x/"><script>alert(1)</script>'),
                 allow_redirects=False)
    assert_error_page(r, "redirect_uri_mismatch")
    assert "<script>" not in r.text
    assert "&lt;script&gt;" in r.text


@pytest.mark.parametrize("scope", [
    "contacts",                 # oauth missing
    "",                         # nothing
    None,                       # no scope parameter
    "oauth,contacts",           # commas: one unknown scope
    "oauth contacts,files",
    "oauth contacts files",     # not configured on the app
    "oauth contacts automation",  # optional scope put in scope
])
def test_scope_mismatch(make_standin, http, scope):
    si = make_standin(optional_scopes="automation")
    r = http.get(authorize_url(si, scope=scope), allow_redirects=False)
    assert_error_page(r, "scope_mismatch",
                      "mismatch between the scopes in the install URL and the app&#x27;s configured scopes")


@pytest.mark.parametrize("optional", ["files", "automation,social", "oauth"])
def test_optional_scope_must_be_configured_optional(make_standin, http, optional):
    si = make_standin(optional_scopes="automation social")
    r = http.get(authorize_url(si, optional_scope=optional), allow_redirects=False)
    assert_error_page(r, "scope_mismatch")


def test_missing_required_scope(make_standin, http):
    si = make_standin(scopes="oauth contacts forms")
    r = http.get(authorize_url(si, scope="oauth contacts"), allow_redirects=False)
    assert_error_page(r, "scopes_insufficient", "provided scopes are insufficient")
    # HubSpot: a required scope moved to optional_scope is also "insufficient"
    r = http.get(authorize_url(si, scope="oauth contacts", optional_scope="forms"),
                 allow_redirects=False)
    assert_error_page(r, "scopes_insufficient")


def test_account_without_a_required_scope(make_standin, http):
    si = make_standin(scopes="oauth contacts social", account_scopes="oauth contacts")
    r = http.get(authorize_url(si, scope="oauth contacts social"), allow_redirects=False)
    assert_error_page(r, "account_lacks_scopes", "social")


def test_account_pinned_authorize(make_standin, http):
    si = make_standin(hub_id=777)
    loc = decide(http, si, authorize_url(si, path="/oauth/777/authorize", state="s"))
    assert parse_qs(urlsplit(loc).query)["state"] == ["s"]
    r = http.get(authorize_url(si, path="/oauth/778/authorize"), allow_redirects=False)
    assert_error_page(r, "account_unavailable")


def test_scopes_separated_by_plus_or_percent20(make_standin, http):
    si = make_standin(scopes="oauth contacts files")
    base = f"{si.url}/oauth/authorize?client_id={CLIENT_ID}&redirect_uri={quote(REDIRECT_URI, safe='')}"
    for sep in ("+", "%20"):
        r = http.get(f"{base}&scope=oauth{sep}contacts{sep}files", allow_redirects=False)
        assert r.status_code == 200, r.text


# ---------- consent page and redirect back ----------

def test_consent_page(make_standin, http):
    si = make_standin(scopes="oauth contacts", optional_scopes="automation",
                      hub_id=4242, hub_domain="acme.hubspot.com", app_name="Acme <Sync>")
    r = http.get(authorize_url(si, optional_scope="automation", state="st<>"), allow_redirects=False)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/html")
    t = r.text
    assert "Acme &lt;Sync&gt;" in t and "<Sync>" not in t
    assert "acme.hubspot.com" in t and "4242" in t
    assert "Contacts, companies, deals" in t and "Workflows" in t
    assert 'value="connect"' in t and 'value="cancel"' in t
    assert 'action="/oauth/authorize/decision"' in t
    # the form carries only a server-side id, not the raw parameters
    assert "st&lt;&gt;" not in t and "st<>" not in t and CLIENT_ID not in t
    extract_request_id(t)


@pytest.mark.parametrize("state", ["abc", "a b&c=d/é+%?#", "x" * 300])
def test_connect_redirects_with_code_and_exact_state(standin, http, state):
    loc = decide(http, standin, authorize_url(standin, state=state))
    assert loc.startswith(REDIRECT_URI + "?code=")
    q = parse_qs(urlsplit(loc).query, keep_blank_values=True)
    assert q["state"] == [state]
    assert len(q["code"][0]) >= 20
    assert set(q) == {"code", "state"}


def test_no_state_sent_means_no_state_returned(standin, http):
    loc = decide(http, standin, authorize_url(standin))
    assert set(parse_qs(urlsplit(loc).query)) == {"code"}


def test_codes_are_fresh(standin, http):
    assert get_code(http, standin) != get_code(http, standin)


def test_redirect_uri_with_query_gets_ampersand(make_standin, http):
    uri = "https://app.example.com/cb?tenant=a%20b"
    si = make_standin(redirect_uris=[REDIRECT_URI, uri])
    loc = decide(http, si, authorize_url(si, redirect_uri=uri, state="z"))
    assert loc.startswith(uri + "&code=")
    assert parse_qs(urlsplit(loc).query) == {"tenant": ["a b"], "code": [loc.split("code=")[1].split("&")[0]],
                                             "state": ["z"]}


def test_cancel_redirects_access_denied_without_state(standin, http):
    loc = decide(http, standin, authorize_url(standin, state="keep"), decision="cancel")
    assert loc.startswith(REDIRECT_URI + "?error=access_denied&error_description=")
    q = parse_qs(urlsplit(loc).query)
    assert "state" not in q and "code" not in q


def test_cancel_with_error_includes_state(make_standin, http):
    si = make_standin(error_includes_state=True)
    loc = decide(http, si, authorize_url(si, state="keep"), decision="cancel")
    assert parse_qs(urlsplit(loc).query)["state"] == ["keep"]


def test_pending_request_is_single_use(standin, http):
    page = http.get(authorize_url(standin), allow_redirects=False)
    rid = extract_request_id(page.text)
    url = standin.url + "/oauth/authorize/decision"
    assert http.post(url, data={"request_id": rid, "decision": "connect"},
                     allow_redirects=False).status_code == 302
    r = http.post(url, data={"request_id": rid, "decision": "connect"}, allow_redirects=False)
    assert_error_page(r, "request_expired")
    r = http.post(url, data={"request_id": "forged", "decision": "connect"}, allow_redirects=False)
    assert_error_page(r, "request_expired")


def test_optional_scopes_dropped_for_account_without_them(make_standin, http):
    si = make_standin(scopes="oauth contacts", optional_scopes="automation social files",
                      account_scopes="oauth contacts social")
    code = get_code(http, si, optional_scope="automation social")
    tok = exchange(http, si, code).json()
    assert tok["scopes"] == ["oauth", "contacts", "social"]
    meta = http.get(f"{si.url}/oauth/v1/access-tokens/{tok['access_token']}").json()
    assert meta["scopes"] == ["oauth", "contacts", "social"]
    # an account that has everything gets every requested optional scope
    http.post(si.url + "/_standin/config", json={"account_scopes": None})
    tok = exchange(http, si, get_code(http, si, optional_scope="automation social")).json()
    assert tok["scopes"] == ["oauth", "contacts", "automation", "social"]


# ---------- token endpoint ----------

@pytest.mark.parametrize("version", VERSIONS)
def test_exchange_works_on_every_version(make_standin, http, version):
    si = make_standin(hub_id=31337)
    r = exchange(http, si, get_code(http, si), version=version)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    t = r.json()
    assert len(t["access_token"]) >= 150 and t["refresh_token"]
    assert t["expires_in"] == 1800 and t["token_type"] == "bearer"
    assert t["hub_id"] == 31337 and t["scopes"] == ["oauth", "contacts"]


@pytest.mark.parametrize("version", VERSIONS)
def test_code_is_single_use(standin, http, version):
    code = get_code(http, standin)
    assert exchange(http, standin, code, version=version).status_code == 200
    r = exchange(http, standin, code, version=version)
    assert r.status_code == 400
    b = r.json()
    assert b["status"] == "BAD_AUTH_CODE" and b["message"] == "missing or unknown auth code"
    assert b["correlationId"]
    if version == "v1":
        assert "error" not in b
    else:
        assert b["error"] == "invalid_grant" and b["error_description"]


def test_concurrent_exchanges_of_one_code_succeed_once(standin, http):
    code = get_code(http, standin)
    results = []

    def go():
        with requests.Session() as s:
            results.append(exchange(s, standin, code).status_code)
    threads = [threading.Thread(target=go) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200] + [400] * 7


def test_unknown_code(standin, http):
    r = exchange(http, standin, "na1-00000000-0000-0000-0000-000000000000", version="v1")
    assert r.status_code == 400 and r.json()["status"] == "BAD_AUTH_CODE"


def test_code_expires(make_standin, http):
    si = make_standin(code_ttl=1)
    code = get_code(http, si)
    time.sleep(1.1)
    for version in ("v1", "v3"):
        r = exchange(http, si, code, version=version)
        assert r.status_code == 400 and r.json()["status"] == "EXPIRED_AUTH_CODE"
    assert r.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("version", VERSIONS)
def test_wrong_client_secret_and_client_id(standin, http, version):
    code = get_code(http, standin)
    r = exchange(http, standin, code, version=version, client_secret="nope")
    assert r.status_code == 400 and r.json()["status"] == "BAD_CLIENT_SECRET"
    r = exchange(http, standin, code, version=version, client_id="someone-else")
    assert r.status_code == 400 and r.json()["status"] == "BAD_CLIENT_ID"
    if version != "v1":
        assert r.json()["error"] == "invalid_client"


@pytest.mark.parametrize("version", VERSIONS)
def test_redirect_uri_must_match_the_one_used_at_authorize(make_standin, http, version):
    other = "https://app.example.com/cb"
    si = make_standin(redirect_uris=[REDIRECT_URI, other])
    code = get_code(http, si)
    for wrong in (other, "http://localhost:8081/oauth/callback"):
        r = exchange(http, si, code, version=version, redirect_uri=wrong)
        assert r.status_code == 400 and r.json()["status"] == "BAD_REDIRECT_URI"


@pytest.mark.parametrize("version", ["v3", "2026-03"])
def test_v3_rejects_query_string_parameters(standin, http, version):
    code = get_code(http, standin)
    params = {"grant_type": "authorization_code", "client_id": CLIENT_ID,
              "client_secret": CLIENT_SECRET, "redirect_uri": REDIRECT_URI, "code": code}
    r = http.post(f"{standin.url}/oauth/{version}/token", params=params,
                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 400
    b = r.json()
    assert b["category"] == "VALIDATION_ERROR" and b["errors"] and b["correlationId"]
    # a JSON body is not accepted either
    r = http.post(f"{standin.url}/oauth/{version}/token", json=params)
    assert r.status_code == 400 and r.json()["category"] == "VALIDATION_ERROR"
    # the code was not consumed by the rejected requests
    assert exchange(http, standin, code, version=version).status_code == 200


def test_v1_accepts_query_string_parameters(standin, http):
    code = get_code(http, standin)
    r = http.post(f"{standin.url}/oauth/v1/token", params={
        "grant_type": "authorization_code", "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET, "redirect_uri": REDIRECT_URI, "code": code})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("version", ["v3", "2026-03"])
def test_v3_missing_parameters_are_validation_errors(standin, http, version):
    r = http.post(f"{standin.url}/oauth/{version}/token",
                  data={"grant_type": "authorization_code", "client_id": CLIENT_ID})
    b = r.json()
    assert r.status_code == 400 and b["category"] == "VALIDATION_ERROR"
    assert {e["in"] for e in b["errors"]} == {"client_secret", "redirect_uri", "code"}
    r = http.post(f"{standin.url}/oauth/{version}/token", data={"grant_type": "password"})
    assert r.status_code == 400 and r.json()["category"] == "VALIDATION_ERROR"
    assert r.json()["error"] == "unsupported_grant_type"


def test_v1_missing_parameters_use_legacy_statuses(standin, http):
    url = f"{standin.url}/oauth/v1/token"
    assert http.post(url, data={}).json()["status"] == "BAD_GRANT_TYPE"
    assert http.post(url, data={"grant_type": "authorization_code"}).json()["status"] == "BAD_CLIENT_ID"
    r = http.post(url, data={"grant_type": "authorization_code", "client_id": CLIENT_ID,
                             "client_secret": CLIENT_SECRET})
    assert r.status_code == 400 and r.json()["status"] == "BAD_AUTH_CODE"


def test_token_endpoint_is_post_only(standin, http):
    r = http.get(f"{standin.url}/oauth/v3/token")
    assert r.status_code == 405 and r.headers["Allow"] == "POST"


@pytest.mark.parametrize("version", VERSIONS)
def test_refresh_grant(standin, http, version):
    first = exchange(http, standin, get_code(http, standin)).json()
    data = {"grant_type": "refresh_token", "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET, "refresh_token": first["refresh_token"]}
    r = http.post(f"{standin.url}/oauth/{version}/token", data=data)
    assert r.status_code == 200, r.text
    t = r.json()
    assert t["access_token"] != first["access_token"]
    assert t["refresh_token"] == first["refresh_token"]
    assert t["scopes"] == first["scopes"] and t["hub_id"] == first["hub_id"]
    r = http.post(f"{standin.url}/oauth/{version}/token", data=dict(data, refresh_token="bogus"))
    assert r.status_code == 400 and r.json()["status"] == "BAD_REFRESH_TOKEN"
    r = http.post(f"{standin.url}/oauth/{version}/token", data=dict(data, client_secret="x"))
    assert r.status_code == 400 and r.json()["status"] == "BAD_CLIENT_SECRET"


def test_pkce_code_verifier(standin, http):
    verifier = "v" * 50
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    code = get_code(http, standin, code_challenge=challenge, code_challenge_method="S256")
    r = exchange(http, standin, code, code_verifier="w" * 50)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    assert exchange(http, standin, code, code_verifier=verifier).status_code == 200


# ---------- metadata and introspection ----------

def test_token_metadata(make_standin, http):
    si = make_standin(hub_id=555, hub_domain="acme.hubspot.com")
    t = exchange(http, si, get_code(http, si)).json()
    a = http.get(f"{si.url}/oauth/v1/access-tokens/{t['access_token']}")
    assert a.status_code == 200
    a = a.json()
    assert a["hub_id"] == 555 and a["hub_domain"] == "acme.hubspot.com"
    assert a["scopes"] == ["oauth", "contacts"] and a["token_type"] == "access"
    assert 1790 <= a["expires_in"] <= 1800
    assert a["user"] and a["user_id"] and a["app_id"]
    rt = http.get(f"{si.url}/oauth/v1/refresh-tokens/{t['refresh_token']}").json()
    assert rt["hub_id"] == 555 and rt["token_type"] == "refresh" and rt["client_id"] == CLIENT_ID
    for kind in ("access", "refresh"):
        r = http.get(f"{si.url}/oauth/v1/{kind}-tokens/unknown")
        assert r.status_code == 404 and r.headers["Content-Type"].startswith("application/json")
        assert r.json()["message"]


def test_expired_access_token_metadata_is_404(standin, http):
    http.post(standin.url + "/_standin/config", json={"access_token_ttl": 0})
    t = exchange(http, standin, get_code(http, standin)).json()
    assert t["expires_in"] == 0
    assert http.get(f"{standin.url}/oauth/v1/access-tokens/{t['access_token']}").status_code == 404


def test_revoke_refresh_token(standin, http):
    t = exchange(http, standin, get_code(http, standin)).json()
    assert http.delete(f"{standin.url}/oauth/v1/refresh-tokens/{t['refresh_token']}").status_code == 204
    assert http.get(f"{standin.url}/oauth/v1/refresh-tokens/{t['refresh_token']}").status_code == 404
    assert http.get(f"{standin.url}/oauth/v1/access-tokens/{t['access_token']}").status_code == 404
    r = http.post(f"{standin.url}/oauth/v3/token", data={
        "grant_type": "refresh_token", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
        "refresh_token": t["refresh_token"]})
    assert r.json()["status"] == "BAD_REFRESH_TOKEN"


def test_introspect(standin, http):
    t = exchange(http, standin, get_code(http, standin)).json()
    url = f"{standin.url}/oauth/2026-03/token/introspect"
    base = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    a = http.post(url, data=dict(base, token=t["access_token"], token_type_hint="access_token")).json()
    assert a["active"] is True and a["token_type"] == "access_token"
    assert a["hub_id"] == 12345 and a["scopes"] == ["oauth", "contacts"] and a["exp"] > time.time()
    assert 1790 <= a["expires_in"] <= 1800 and a["signed_access_token"]["hublet"] == "na1"
    assert a["hub_domain"] and a["user"] and a["user_id"] and a["app_id"] and a["client_id"] == CLIENT_ID
    rt = http.post(url, data=dict(base, token=t["refresh_token"], token_type_hint="refresh_token")).json()
    assert rt["active"] is True and rt["token_type"] == "refresh_token"
    assert http.post(url, data=dict(base, token="nope")).json() == {"active": False}
    r = http.post(url, data=dict(base, client_secret="bad", token=t["access_token"]))
    assert r.status_code == 400 and r.json()["error"] == "invalid_client"
    r = http.post(url, data=base)
    assert r.status_code == 400 and r.json()["category"] == "VALIDATION_ERROR"


# ---------- test control ----------

def test_requests_are_recorded_with_secret_redacted(standin, http):
    code = get_code(http, standin)
    exchange(http, standin, code, version="v1")
    exchange(http, standin, code, version="v3")
    recs = http.get(standin.url + "/_standin/requests").json()
    assert [(r["version"], r["status"]) for r in recs] == [("v1", 200), ("v3", 400)]
    assert recs[0]["params"]["client_secret"] == "[REDACTED]"
    assert recs[0]["params"]["code"] == code
    assert recs[0]["params"]["redirect_uri"] == REDIRECT_URI
    assert recs[0]["content_type"].startswith("application/x-www-form-urlencoded")
    assert recs[0]["response"]["access_token"]
    assert recs[1]["response"]["status"] == "BAD_AUTH_CODE"
    assert CLIENT_SECRET not in json.dumps(recs)


def test_fail_injection(standin, http):
    r = http.post(standin.url + "/_standin/fail",
                  json={"endpoint": "token", "status": 503, "body": "upstream down", "count": 2})
    assert r.status_code == 200
    code = get_code(http, standin)
    for _ in range(2):
        r = exchange(http, standin, code)
        assert r.status_code == 503 and r.text == "upstream down"
        assert r.headers["Content-Type"].startswith("text/plain")
    assert exchange(http, standin, code).status_code == 200      # code not consumed by failures
    recs = http.get(standin.url + "/_standin/requests").json()
    assert [(r["injected"], r["status"]) for r in recs] == [(True, 503), (True, 503), (False, 200)]


def test_fail_injection_json_body_delay_and_close(standin, http):
    http.post(standin.url + "/_standin/fail",
              json={"status": 500, "body": {"status": "error", "message": "boom"}, "delay": 0.3})
    start = time.monotonic()
    r = exchange(http, standin, "x")
    assert time.monotonic() - start >= 0.3
    assert r.status_code == 500 and r.json() == {"status": "error", "message": "boom"}
    # delay only: then handled normally
    http.post(standin.url + "/_standin/fail", json={"delay": 0.2})
    start = time.monotonic()
    r = exchange(http, standin, "x")
    assert time.monotonic() - start >= 0.2 and r.json()["status"] == "BAD_AUTH_CODE"
    # connection dropped without an answer
    http.post(standin.url + "/_standin/fail", json={"close": True})
    with pytest.raises(requests.ConnectionError):
        requests.post(standin.url + "/oauth/v3/token", data={"grant_type": "x"}, timeout=5)
    assert exchange(http, standin, "x").status_code == 400


def test_token_delay_and_reset(make_standin, http):
    si = make_standin(token_delay=0.2)
    http.post(si.url + "/_standin/fail", json={"status": 500, "count": 0})
    start = time.monotonic()
    code = get_code(http, si)
    assert exchange(http, si, code).status_code == 500
    assert exchange(http, si, code).status_code == 500          # count 0: until reset
    assert http.post(si.url + "/_standin/reset").json() == {"ok": True}
    assert http.get(si.url + "/_standin/requests").json() == []
    # reset forgets codes too
    r = exchange(http, si, code)
    assert r.status_code == 400 and r.json()["status"] == "BAD_AUTH_CODE"
    assert time.monotonic() - start >= 0.2
    cfg = http.get(si.url + "/_standin/config").json()
    assert cfg["client_secret"] == "[REDACTED]" and cfg["token_delay"] == 0.2


def test_auto_decision_via_config(standin, http):
    http.post(standin.url + "/_standin/config", json={"auto_decision": "connect"})
    r = http.get(authorize_url(standin, state="q"), allow_redirects=False)
    assert r.status_code == 302
    assert parse_qs(urlsplit(r.headers["Location"]).query)["state"] == ["q"]
    # checks still run first
    r = http.get(authorize_url(standin, scope="contacts"), allow_redirects=False)
    assert_error_page(r, "scope_mismatch")
    assert http.post(standin.url + "/_standin/config", json={"bogus": 1}).status_code == 400


def test_pkce_on_2026_03_missing_or_wrong_verifier_is_invalid_grant(standin, http):
    verifier = "k" * 43
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    code = get_code(http, standin, code_challenge=challenge, code_challenge_method="S256")
    for wrong in (None, "", "k" * 42 + "l", challenge):
        r = exchange(http, standin, code, version="2026-03", code_verifier=wrong)
        assert r.status_code == 400, wrong
        body = r.json()
        assert body["error"] == "invalid_grant" and body["status"] == "BAD_AUTH_CODE", body
    r = exchange(http, standin, code, version="2026-03", code_verifier=verifier)
    assert r.status_code == 200, r.text
    t = r.json()
    assert t["hub_id"] == 12345 and t["scopes"] == ["oauth", "contacts"] and t["token_type"] == "bearer"
    # Without a challenge at authorize, no verifier is needed.
    assert exchange(http, standin, get_code(http, standin), version="2026-03").status_code == 200


def test_2026_03_token_takes_the_form_body_only(standin, http):
    code = get_code(http, standin)
    r = http.post(f"{standin.url}/oauth/2026-03/token", json={
        "grant_type": "authorization_code", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
        "redirect_uri": REDIRECT_URI, "code": code})
    assert r.status_code == 400 and r.json()["category"] == "VALIDATION_ERROR"
    assert exchange(http, standin, code, version="2026-03").status_code == 200


# ---------- App Marketplace ----------

INSTALL_URL = "https://install.example.com/oauth/install"


def query_pairs(location):
    return parse_qsl_strict(urlsplit(location).query)


def parse_qsl_strict(query):
    from urllib.parse import parse_qsl
    return parse_qsl(query, keep_blank_values=True, strict_parsing=True)


def press(http, si, page, decision="connect"):
    r = http.post(si.url + "/oauth/authorize/decision",
                  data={"request_id": extract_request_id(page), "decision": decision}, allow_redirects=False)
    assert r.status_code == 302, r.text
    return r.headers["Location"]


def test_marketplace_listing_links_to_the_install(make_standin, http):
    si = make_standin(install_url=INSTALL_URL, app_name="Acme Sync")
    r = http.get(si.url + "/marketplace")
    assert r.status_code == 200 and 'data-page="listing"' in r.text
    assert 'href="/marketplace/install"' in r.text and "Acme Sync" in r.text
    assert "width=device-width" in r.text


def test_marketplace_direct_sends_code_and_return_url_then_shows_installed(make_standin, http):
    si = make_standin(install_url=INSTALL_URL, marketplace_flow="direct", optional_scopes="automation")
    consent = http.get(si.url + "/marketplace/install", allow_redirects=False)
    assert consent.status_code == 200 and "Connect app" in consent.text
    assert "install.example.com" in consent.text
    location = press(http, si, consent.text)
    assert location.startswith(INSTALL_URL + "?code=")
    pairs = query_pairs(location)
    assert [k for k, _ in pairs] == ["code", "returnUrl"]
    code, back = pairs[0][1], pairs[1][1]
    assert back.startswith(f"http://localhost:{si.port}/marketplace/returned?install=")
    install = next(iter(si.installs.values()))
    assert install["flow"] == "direct" and install["code"] == code and install["status"] == "sent"
    # Back on HubSpot before the app exchanged the code: not installed yet.
    page = http.get(back.replace("localhost", "127.0.0.1"))
    assert page.status_code == 200 and 'data-page="pending"' in page.text and 'data-exchanged="no"' in page.text
    # The code is an ordinary one, bound to the app's registered redirect URI.
    t = exchange(http, si, code, version="2026-03")
    assert t.status_code == 200, t.text
    assert t.json()["scopes"] == ["oauth", "contacts", "automation"] and t.json()["hub_id"] == 12345
    assert exchange(http, si, code, version="2026-03").json()["status"] == "BAD_AUTH_CODE"
    page = http.get(back.replace("localhost", "127.0.0.1"))
    assert 'data-page="installed"' in page.text and 'data-exchanged="yes"' in page.text


def test_marketplace_sign_in_authorize_then_consent_then_finalize(make_standin, http):
    si = make_standin(install_url=INSTALL_URL + "?site=eu", marketplace_flow="direct")
    start = http.get(si.url + "/marketplace/install?flow=sign-in", allow_redirects=False)
    assert start.status_code == 302
    location = start.headers["Location"]
    # An install URL with a query of its own gets the parameters after an "&".
    assert location.startswith(INSTALL_URL + "?site=eu&step=authorize&returnUrl=")
    back = dict(query_pairs(location))["returnUrl"]
    install = next(iter(si.installs.values()))
    assert install["status"] == "authorizing" and back == install["return_url"]
    local = back.replace("localhost", "127.0.0.1")
    # The app adds its state to R's query (R has one already: "&").
    consent = http.get(local + "&state=our-state_1", allow_redirects=False)
    assert consent.status_code == 200 and "Connect app" in consent.text
    assert install["state"] == "our-state_1"
    location = press(http, si, consent.text)
    pairs = query_pairs(location)
    assert location.startswith(INSTALL_URL + "?site=eu&step=finalize&code=")
    assert [k for k, _ in pairs] == ["site", "step", "code", "state", "returnUrl"]
    assert dict(pairs)["state"] == "our-state_1" and dict(pairs)["returnUrl"] == back
    code = dict(pairs)["code"]
    assert exchange(http, si, code, version="2026-03").status_code == 200
    done = http.get(local)
    assert 'data-page="installed"' in done.text and 'data-exchanged="yes"' in done.text


@pytest.mark.parametrize("suffix", ["", "&state=", "&state=a&state=b"])
def test_marketplace_sign_in_needs_exactly_one_state(make_standin, http, suffix):
    si = make_standin(install_url=INSTALL_URL)
    location = http.get(si.url + "/marketplace/install", allow_redirects=False).headers["Location"]
    back = dict(query_pairs(location))["returnUrl"].replace("localhost", "127.0.0.1")
    assert_error_page(http.get(back + suffix), "state_missing")
    assert next(iter(si.installs.values()))["code"] is None


def test_marketplace_unknown_install_no_install_url_and_cancel(make_standin, http):
    si = make_standin()
    assert_error_page(http.get(si.url + "/marketplace/install"), "no_install_url")
    assert_error_page(http.get(si.url + "/marketplace/returned?install=nope"), "install_link_invalid",
                      "This install link is no longer valid")
    assert http.post(si.url + "/_standin/config", json={"install_url": INSTALL_URL,
                                                       "marketplace_flow": "direct"}).status_code == 200
    assert http.post(si.url + "/_standin/config", json={"marketplace_flow": "other"}).status_code == 400
    consent = http.get(si.url + "/marketplace/install")
    location = press(http, si, consent.text, decision="cancel")
    assert location.startswith(f"http://localhost:{si.port}/marketplace/returned?install=")
    page = http.get(location.replace("localhost", "127.0.0.1"))
    assert 'data-page="cancelled"' in page.text and not si.codes
    installs = http.get(si.url + "/_standin/installs").json()
    assert [i["status"] for i in installs.values()] == ["cancelled"]


def test_marketplace_account_without_a_required_scope_sees_hubspots_error(make_standin, http):
    si = make_standin(install_url=INSTALL_URL, marketplace_flow="direct", scopes="oauth contacts social",
                      account_scopes="oauth contacts")
    assert_error_page(http.get(si.url + "/marketplace/install"), "account_lacks_scopes", "social")
