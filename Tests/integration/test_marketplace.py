"""The HubSpot Marketplace install URL (/oauth/install) and the 2026 additions to /oauth/authorize
(PKCE, the account-pinned form), through the nginx site users copy, with the recording exec hook:
what HubSpot, a person and an attacker can send, and what each gets back.

Requests go out byte for byte as written here (http.client, no client-side URL normalisation), with
`returnUrl` percent-encoded as HubSpot encodes it. Every refusal must be a fixed page with no
`Location`, no hook run and, where no state is handed out, no cookie.
"""
import base64
import hashlib
import hmac
import http.client
import json
import re
from urllib.parse import parse_qsl, quote, urlsplit

import pytest

from harness import CLIENT_ID, wait_for
from hubspot_standin import StandIn

RETURN = "https://app.hubspot.com/marketplace/install/return"
EXPECTED_AUTHORIZE = ("https://app.hubspot.com/oauth/authorize"
                      f"?client_id={CLIENT_ID}"
                      "&redirect_uri=https%3A%2F%2Finstall.example.com%2Foauth%2Fcallback"
                      "&scope=oauth%20contacts"
                      "&optional_scope=automation"
                      "&state=")
COOKIE = "__Host-hubspot-install"


class Answer:
    def __init__(self, response):
        self.status = response.status
        self.headers = response.headers
        self.body = response.read()
        self.text = self.body.decode("utf-8", errors="replace")

    def header(self, name):
        return self.headers.get(name)

    def set_cookies(self):
        return self.headers.get_all("Set-Cookie") or []


def send(stack, target, cookie=None, method="GET"):
    """`method target` to nginx exactly as written (already percent-encoded)."""
    connection = http.client.HTTPConnection("127.0.0.1", stack.nginx.port, timeout=30)
    try:
        connection.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        connection.putheader("Host", "install.example.com")
        if cookie:
            connection.putheader("Cookie", cookie)
        connection.endheaders()
        answer = Answer(connection.getresponse())
    finally:
        connection.close()
    stack.bodies.append(answer.body)
    return answer


def enc(value):
    """A query value as HubSpot's redirect encodes it."""
    return quote(value, safe="")


def install(stack, cookie=None, method="GET", **pairs):
    query = "&".join(f"{name}={enc(value)}" for name, value in pairs.items())
    return send(stack, "/oauth/install?" + query, cookie=cookie, method=method)


def authorize_step(stack, return_url=RETURN, cookie=None):
    """step=authorize: (answer, state, 'name=value' of the cookie)."""
    answer = install(stack, cookie=cookie, step="authorize", returnUrl=return_url)
    assert answer.status == 303, answer.text
    location = answer.header("Location")
    state = re.search(r"[?&]state=([A-Za-z0-9_-]+)(?:#|$)", location).group(1)
    pair = answer.set_cookies()[0].split(";", 1)[0]
    stack.secrets.update({state, pair.split("=", 1)[1]})
    return answer, state, pair


def finalize(stack, state, cookie, code=None, return_url=RETURN, method="GET"):
    code = code or stack.new_code()
    return install(stack, cookie=cookie, method=method, step="finalize", code=code, state=state,
                   returnUrl=return_url), code


def reasons(stack, at_least, route="install"):
    def found():
        lines = [line["reason"] for line in stack.responder.access_lines() if line.get("route") == route]
        return lines if len(lines) >= at_least else None
    return wait_for(found, timeout=5, what=f"{at_least} {route} log lines")


def assert_refused(answer, status=400):
    assert answer.status == status, (answer.status, answer.text)
    assert answer.header("Location") is None
    assert answer.header("Content-Type").startswith("text/html")
    assert answer.header("Cache-Control") == "no-store"
    assert answer.header("X-Frame-Options") == "DENY"


def back_link(answer):
    found = re.findall(r'<a class="button" href="([^"]*)">Back to HubSpot</a>', answer.text)
    return found[0].replace("&amp;", "&") if found else None


def cookie_attributes(set_cookie):
    name_value, *attributes = [part.strip() for part in set_cookie.split(";")]
    return name_value, sorted(attributes)


@pytest.fixture
def sign_in(make_stack):
    return make_stack(INSTALL_MARKETPLACE="sign-in")


@pytest.fixture
def direct(make_stack):
    return make_stack(INSTALL_MARKETPLACE="direct")


# ---- sign-in: the whole round trip ----------------------------------------------------------------

def test_sign_in_hands_out_a_state_then_finalize_runs_the_hook_once_and_returns(sign_in):
    answer, state, cookie = authorize_step(sign_in)
    assert answer.header("Location") == RETURN + "?state=" + state
    assert answer.header("Cache-Control") == "no-store"
    assert re.fullmatch(r"[A-Za-z0-9_-]{40,200}", state)
    name_value, attributes = cookie_attributes(answer.set_cookies()[0])
    assert name_value.startswith(COOKIE + "=")
    # HubSpot's way back may not be a top-level navigation: SameSite=None (with Secure) on https.
    assert attributes == sorted(["Max-Age=600", "Path=/", "HttpOnly", "SameSite=None", "Secure"])
    assert sign_in.hook.started_count() == 0

    done, code = finalize(sign_in, state, cookie)
    assert done.status == 303, done.text
    assert done.header("Location") == RETURN
    runs = sign_in.hook.runs()
    assert len(runs) == 1
    grant = json.loads(runs[0]["stdin"])
    assert grant["code"] == code and grant["flow"] == "marketplace"
    assert grant["redirect_uri"] == "https://install.example.com/oauth/callback"
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", grant["install_id"])
    assert grant["install_id"] not in (state, code)
    assert "code_verifier" not in grant  # HubSpot built this flow's authorize URL: no challenge
    # The binding cookie stays until it expires (another tab may still finish), as after a callback.
    assert not [c for c in done.set_cookies() if c.startswith(COOKIE + "=")]

    # The same finalize again (a refresh, HubSpot retrying): refused, a link back, no second hook.
    again, _ = finalize(sign_in, state, cookie, code=code)
    assert_refused(again)
    assert back_link(again) == RETURN
    assert sign_in.hook.started_count() == 1
    assert reasons(sign_in, 3) == ["ok", "ok", "state_replayed"]


@pytest.mark.parametrize("return_url, separator", [
    ("https://app.hubspot.com/marketplace/return", "?"),
    ("https://app.hubspot.com/marketplace/return?portalId=123", "&"),
    ("https://app-eu1.hubspot.com/marketplace/return?a=b&c=d", "&"),
    ("https://app-na2.hubspot.com/r?next=%2Fapps%3Fx%3D1", "&"),
    ("https://app.hubspot.com/", "?"),
])
def test_the_state_is_added_to_the_return_url_with_the_right_separator(sign_in, return_url, separator):
    answer, state, cookie = authorize_step(sign_in, return_url=return_url)
    assert answer.header("Location") == return_url + separator + "state=" + state
    done, _ = finalize(sign_in, state, cookie, return_url=return_url)
    # Back exactly to the URL HubSpot gave, byte for byte.
    assert done.status == 303 and done.header("Location") == return_url


@pytest.mark.parametrize("return_url, expected", [
    ("https://app.hubspot.com/r?", "https://app.hubspot.com/r?state={}"),
    ("https://app.hubspot.com/r?a=b&", "https://app.hubspot.com/r?a=b&state={}"),
    ("https://app.hubspot.com/r#done", "https://app.hubspot.com/r?state={}#done"),
    ("https://app.hubspot.com/r?a=b#x?y", "https://app.hubspot.com/r?a=b&state={}#x?y"),
])
def test_the_state_goes_into_the_query_never_the_fragment(sign_in, return_url, expected):
    answer, state, cookie = authorize_step(sign_in, return_url=return_url)
    assert answer.header("Location") == expected.format(state)
    done, _ = finalize(sign_in, state, cookie, return_url=return_url)
    assert done.status == 303 and done.header("Location") == return_url


def test_two_tabs_share_one_cookie_and_both_can_finish(sign_in):
    _, first, cookie = authorize_step(sign_in)
    _, second, again = authorize_step(sign_in, cookie=cookie)
    assert again == cookie and first != second
    assert finalize(sign_in, second, cookie)[0].status == 303
    assert finalize(sign_in, first, cookie)[0].status == 303
    assert sign_in.hook.started_count() == 2


# ---- returnUrl: only HubSpot's own pages ---------------------------------------------------------

HOSTILE_RETURN_URLS = [
    "https://evil.test/return",
    "https://app.hubspot.com.evil.test/return",
    "https://evilapp.hubspot.com/return",
    "https://app-eu1.hubspot.com@evil.test/return",
    "https://app.hubspot.com@evil.test/",
    "https://user:pw@app.hubspot.com/return",
    "https:app.hubspot.com/return",
    "https:/app.hubspot.com/return",
    "//app.hubspot.com/return",
    "/return",
    "app.hubspot.com/return",
    "javascript:alert(document.domain)",
    "JAVASCRIPT://app.hubspot.com/%0aalert(1)",
    "data:text/html,hi",
    "http://app.hubspot.com/return",
    "ftp://app.hubspot.com/return",
    "https://203.0.113.7/return",
    "https://[::1]/return",
    "https://2130706433/return",
    "https://app.hubspot.com:8443/return",
    "https://app.hubspot.com./return",
    "https://app-.hubspot.com/return",
    "https://app-eu1.evil.hubspot.com/return",
    "https://app-eu_1.hubspot.com/return",
    "https://app.hubspot.com\\@evil.test/",
    "https://app.hubspot.com/ret urn",
    "https://app.hubspot.com/return\t",
    "https://app.hubspot.com/return\r\nSet-Cookie: a=b",
    "https://app.hubspot.com/\x00",
    "https://app.hubspot.com/\x7f",
    "https://app.hubspot.com/r\u00e9turn",
    "https://app%2Ehubspot%2Ecom/return",
    "https://app.hubspot%2ecom/return",
    "https%3A%2F%2Fapp.hubspot.com%2Freturn",
    " https://app.hubspot.com/return",
    "https://app.hubspot.com/" + "a" * 2100,
    "https://app.hubspot.com/" + "a" * 5000,
    "",
]


@pytest.mark.parametrize("return_url", HOSTILE_RETURN_URLS, ids=lambda v: repr(v[:40]))
def test_a_return_url_not_on_hubspot_is_refused_in_every_flow(make_stack, return_url):
    stack = make_stack(INSTALL_MARKETPLACE="sign-in")
    refused = [
        install(stack, step="authorize", returnUrl=return_url),
        install(stack, step="finalize", code=stack.new_code(), state="x" * 103, returnUrl=return_url),
    ]
    other = make_stack(INSTALL_MARKETPLACE="direct")
    refused.append(install(other, code=other.new_code(), returnUrl=return_url))
    # A NUL byte may already fail the query's decoding, a query over 4 KiB its size check; everything
    # else fails the returnUrl checks.
    expected = "query_malformed" if "\x00" in return_url else "return_url_invalid"
    if len(return_url) > 4096:
        expected = "query_too_large"
    for answer in refused:
        assert_refused(answer)
        assert answer.set_cookies() == []
        assert back_link(answer) is None
        if expected == "return_url_invalid":
            assert "This install link did not come from HubSpot" in answer.text
        for word in ("evil", "javascript", "203.0.113", "Set-Cookie: a", "aaaaaaaaaa"):
            if word in return_url:
                assert word not in answer.text
    assert stack.hook.started_count() == 0 and other.hook.started_count() == 0
    assert set(reasons(stack, 2)) <= {expected, "return_url_invalid"}
    assert set(reasons(other, 1)) <= {expected, "return_url_invalid"}


def test_a_missing_return_url_is_refused(sign_in):
    for query in ["step=authorize", "step=finalize&code=na1-x&state=abc", "", "returnUrl"]:
        answer = send(sign_in, "/oauth/install?" + query if query else "/oauth/install")
        assert_refused(answer)
        assert answer.set_cookies() == []
    assert sign_in.hook.started_count() == 0


def test_return_url_given_twice_is_refused(sign_in, direct):
    other = "https://app-eu1.hubspot.com/return"
    for target in [f"/oauth/install?step=authorize&returnUrl={enc(RETURN)}&returnUrl={enc(RETURN)}",
                   f"/oauth/install?step=authorize&returnUrl={enc(RETURN)}&returnUrl={enc(other)}",
                   f"/oauth/install?returnUrl={enc('https://evil.test/')}&step=authorize&returnUrl={enc(RETURN)}"]:
        answer = send(sign_in, target)
        assert_refused(answer)
        assert answer.set_cookies() == [] and back_link(answer) is None
    code = direct.new_code()
    answer = send(direct, f"/oauth/install?code={code}&returnUrl={enc(RETURN)}&returnUrl={enc(RETURN)}")
    assert_refused(answer)
    assert sign_in.hook.started_count() == 0 and direct.hook.started_count() == 0


def test_return_hosts_allow_a_stand_in_and_plain_http_only_for_localhost(make_stack):
    stack = make_stack(INSTALL_MARKETPLACE="direct", INSTALL_RETURN_HOSTS="localhost:8081 hubspot-qa.example.test")
    for ok in ["http://localhost:8081/marketplace/returned?install=1", "https://hubspot-qa.example.test/r",
               RETURN]:
        answer = install(stack, code=stack.new_code(), returnUrl=ok)
        assert answer.status == 303 and answer.header("Location") == ok, (ok, answer.text)
    for bad in ["http://localhost:8082/r", "http://localhost/r", "http://hubspot-qa.example.test/r",
                "https://localhost.evil.test:8081/r", "http://127.0.0.1:8081/r"]:
        assert_refused(install(stack, code=stack.new_code(), returnUrl=bad))
    assert stack.hook.started_count() == 3


# ---- finalize: the state must be ours, for this browser, once --------------------------------------

def test_finalize_without_a_state_is_refused_with_a_way_back(sign_in):
    _, state, cookie = authorize_step(sign_in)
    for answer in [install(sign_in, cookie=cookie, step="finalize", code=sign_in.new_code(), returnUrl=RETURN),
                   install(sign_in, cookie=cookie, step="finalize", code=sign_in.new_code(), state="",
                           returnUrl=RETURN)]:
        assert_refused(answer)
        assert back_link(answer) == RETURN
    assert sign_in.hook.started_count() == 0
    assert reasons(sign_in, 3)[1:] == ["state_missing", "state_missing"]
    # The state was not spent by the refusals.
    assert finalize(sign_in, state, cookie)[0].status == 303


def test_finalize_with_another_browsers_state_is_refused(sign_in):
    _, state, _ = authorize_step(sign_in)
    _, _, other_cookie = authorize_step(sign_in)
    answer, _ = finalize(sign_in, state, other_cookie)
    assert_refused(answer)
    assert back_link(answer) == RETURN
    answer, _ = finalize(sign_in, state, None)
    assert_refused(answer)
    assert sign_in.hook.started_count() == 0
    assert reasons(sign_in, 4)[2:] == ["state_bad_tag", "binding_missing"]


def test_finalize_with_a_tampered_or_foreign_state_is_refused(sign_in):
    _, state, cookie = authorize_step(sign_in)
    flipped = state[:30] + ("A" if state[30] != "A" else "B") + state[31:]
    sign_in.secrets.add(flipped)
    for bad in [flipped, state + "A", state[:-1], "A" * len(state), "not a state"]:
        assert_refused(finalize(sign_in, bad, cookie)[0])
    assert sign_in.hook.started_count() == 0
    assert finalize(sign_in, state, cookie)[0].status == 303


def test_a_state_from_oauth_authorize_without_its_cookie_is_refused(sign_in):
    _, state, cookie = sign_in.authorize()  # our own install's state, its cookie left behind
    answer, _ = finalize(sign_in, state, None)
    assert_refused(answer)
    assert sign_in.hook.started_count() == 0
    assert reasons(sign_in, 1) == ["binding_missing"]


def test_a_replayed_state_runs_the_hook_once_even_with_a_new_code(sign_in):
    _, state, cookie = authorize_step(sign_in)
    assert finalize(sign_in, state, cookie)[0].status == 303
    again, _ = finalize(sign_in, state, cookie)
    assert_refused(again)
    assert sign_in.hook.started_count() == 1


def test_finalize_without_a_code_is_refused_without_spending_the_state(sign_in):
    _, state, cookie = authorize_step(sign_in)
    for answer in [install(sign_in, cookie=cookie, step="finalize", state=state, returnUrl=RETURN),
                   install(sign_in, cookie=cookie, step="finalize", code="", state=state, returnUrl=RETURN)]:
        assert_refused(answer)
        assert back_link(answer) == RETURN
    assert sign_in.hook.started_count() == 0
    assert finalize(sign_in, state, cookie)[0].status == 303


@pytest.mark.parametrize("step", ["", "Authorize", "AUTHORIZE", "finalise", "authorize ", "authorize\x00",
                                  "finalize%00", "install", "callback", "1"])
def test_step_values_other_than_the_two_are_refused(sign_in, step):
    answer = install(sign_in, step=step, returnUrl=RETURN)
    assert_refused(answer)
    assert answer.set_cookies() == []
    assert back_link(answer) == RETURN
    answer = install(sign_in, step=step, code=sign_in.new_code(), state="x" * 103, returnUrl=RETURN)
    assert_refused(answer)
    assert sign_in.hook.started_count() == 0


def test_step_given_twice_is_refused(sign_in):
    _, state, cookie = authorize_step(sign_in)
    code = sign_in.new_code()
    for target in [f"/oauth/install?step=authorize&step=finalize&returnUrl={enc(RETURN)}",
                   f"/oauth/install?step=finalize&step=finalize&code={code}&state={state}&returnUrl={enc(RETURN)}"]:
        answer = send(sign_in, target, cookie=cookie)
        assert_refused(answer)
    assert sign_in.hook.started_count() == 0


# ---- the two flows never mix ---------------------------------------------------------------------

def test_direct_requests_are_refused_while_the_flow_is_sign_in(sign_in):
    answer = install(sign_in, code=sign_in.new_code(), returnUrl=RETURN)
    assert_refused(answer)
    assert back_link(answer) == RETURN and answer.set_cookies() == []
    assert sign_in.hook.started_count() == 0
    assert reasons(sign_in, 1) == ["flow_mismatch"]


def test_sign_in_requests_are_refused_while_the_flow_is_direct(direct):
    answers = [install(direct, step="authorize", returnUrl=RETURN),
               install(direct, step="finalize", code=direct.new_code(), state="x" * 103, returnUrl=RETURN),
               install(direct, step="authorize", code=direct.new_code(), returnUrl=RETURN)]
    for answer in answers:
        assert_refused(answer)
        assert answer.set_cookies() == [] and back_link(answer) == RETURN
    assert direct.hook.started_count() == 0
    assert reasons(direct, 3) == ["flow_mismatch"] * 3


def test_install_is_not_found_while_the_marketplace_is_off(make_stack):
    stack = make_stack()
    for target in ["/oauth/install", f"/oauth/install?code=na1-x&returnUrl={enc(RETURN)}",
                   f"/oauth/install?step=authorize&returnUrl={enc(RETURN)}"]:
        answer = send(stack, target)
        assert answer.status == 404 and answer.header("Location") is None and answer.set_cookies() == []
    assert stack.hook.started_count() == 0


def test_only_the_exact_path_reaches_the_responder(sign_in):
    for path in ["/oauth/install/", "/oauth/install/x", "/oauth/installs", "/oauth/Install", "/oauth//install"]:
        answer = send(sign_in, f"{path}?step=authorize&returnUrl={enc(RETURN)}")
        assert answer.status == 404, path
        assert answer.header("Location") is None and answer.set_cookies() == []


# ---- direct -----------------------------------------------------------------------------------------

def test_direct_runs_the_hook_once_per_code_and_returns(direct):
    code = direct.new_code()
    done = install(direct, code=code, returnUrl=RETURN + "?portalId=1")
    assert done.status == 303 and done.header("Location") == RETURN + "?portalId=1"
    assert done.set_cookies() == []  # no state, no browser binding in this flow
    grant = json.loads(direct.hook.runs()[0]["stdin"])
    assert grant["code"] == code and grant["flow"] == "marketplace"
    expected_id = grant["install_id"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", expected_id) and expected_id != code
    # The same code again (a refresh, HubSpot retrying): the hook is not run again.
    again = install(direct, code=code, returnUrl=RETURN)
    assert_refused(again)
    assert back_link(again) == RETURN
    assert direct.hook.started_count() == 1
    # Another code is another install.
    other = install(direct, code=direct.new_code(), returnUrl=RETURN)
    assert other.status == 303
    ids = [json.loads(run["stdin"])["install_id"] for run in direct.hook.runs()]
    assert len(ids) == 2 and len(set(ids)) == 2
    assert reasons(direct, 3) == ["ok", "code_replayed", "ok"]


def test_direct_without_a_code_is_refused(direct):
    for answer in [install(direct, returnUrl=RETURN), install(direct, code="", returnUrl=RETURN),
                   install(direct, code="a b", returnUrl=RETURN), install(direct, code="x" * 5000, returnUrl=RETURN)]:
        assert_refused(answer)
    assert direct.hook.started_count() == 0


def test_a_failing_hook_sends_the_person_back_to_hubspot_with_a_page(make_stack):
    stack = make_stack(INSTALL_MARKETPLACE="direct", hook_options={"exit_code": 1, "stderr": "exchange failed"})
    answer = install(stack, code=stack.new_code(), returnUrl=RETURN)
    assert_refused(answer, status=502)
    assert back_link(answer) == RETURN
    assert stack.hook.started_count() == 1


# ---- HEAD never runs a hook -----------------------------------------------------------------------

def test_head_never_mints_verifies_or_runs_a_hook(sign_in, direct):
    answer = install(sign_in, method="HEAD", step="authorize", returnUrl=RETURN)
    assert answer.status < 300 and answer.header("Location") is None and answer.set_cookies() == []
    _, state, cookie = authorize_step(sign_in)
    code = sign_in.new_code()
    head, _ = finalize(sign_in, state, cookie, code=code, method="HEAD")
    assert head.status < 300 and head.header("Location") is None and head.body == b""
    assert sign_in.hook.started_count() == 0
    # The state was not spent: the real request still completes, once.
    assert finalize(sign_in, state, cookie, code=code)[0].status == 303
    assert sign_in.hook.started_count() == 1

    code = direct.new_code()
    head = install(direct, method="HEAD", code=code, returnUrl=RETURN)
    assert head.status < 300 and head.header("Location") is None
    assert direct.hook.started_count() == 0
    assert install(direct, code=code, returnUrl=RETURN).status == 303
    assert direct.hook.started_count() == 1


# ---- cookies --------------------------------------------------------------------------------------

def test_cookie_is_lax_on_http_localhost_and_the_ordinary_cookie_is_unchanged(make_stack):
    local = make_stack(INSTALL_MARKETPLACE="sign-in", HUBSPOT_REDIRECT_URI="http://localhost:8080/oauth/callback")
    answer, state, cookie = authorize_step(local)
    name_value, attributes = cookie_attributes(answer.set_cookies()[0])
    assert name_value.startswith("hubspot-install=")
    assert attributes == sorted(["Max-Age=600", "Path=/", "HttpOnly", "SameSite=Lax"])
    assert finalize(local, state, cookie)[0].status == 303

    https = make_stack(INSTALL_MARKETPLACE="sign-in")
    for stack, expected in [(https, ["Max-Age=600", "Path=/", "HttpOnly", "SameSite=Lax", "Secure"]),
                            (local, ["Max-Age=600", "Path=/", "HttpOnly", "SameSite=Lax"])]:
        response, _, _ = stack.authorize()
        assert cookie_attributes(response.headers["Set-Cookie"])[1] == sorted(expected)


# ---- PKCE -----------------------------------------------------------------------------------------

def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def expected_verifier(key: str, state: str, cookie_value: str) -> str:
    """base64url(HMAC-SHA256(key, "hubspot-install pkce v1" || nonce || cookie)), the nonce being
    bytes 13..45 of the state."""
    nonce = unb64url(state)[13:45]
    return b64url(hmac.new(unb64url(key), b"hubspot-install pkce v1" + nonce + unb64url(cookie_value),
                           hashlib.sha256).digest())


def test_pkce_off_leaves_the_authorize_url_byte_for_byte_as_before(make_stack):
    for stack in [make_stack(), make_stack(HUBSPOT_PKCE="off")]:
        response, state, _ = stack.authorize()
        assert response.headers["Location"] == EXPECTED_AUTHORIZE + state
        assert "code_challenge" not in response.headers["Location"]


def test_pkce_challenge_for_100_states_matches_hashlib_and_the_hook_gets_the_verifier(make_stack):
    stack = make_stack(HUBSPOT_PKCE="S256")
    key = stack.values["INSTALL_STATE_KEYS"].split()[0]
    seen = set()
    for index in range(100):
        response, state, cookie = stack.authorize()  # a fresh browser each time: a new cookie
        location = response.headers["Location"]
        match = re.fullmatch(re.escape(EXPECTED_AUTHORIZE) + r"([A-Za-z0-9_-]+)&code_challenge=([A-Za-z0-9_-]{43})"
                             r"&code_challenge_method=S256", location)
        assert match, location
        assert match.group(1) == state
        challenge = match.group(2)
        verifier = expected_verifier(key, state, cookie.split("=", 1)[1])
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", verifier)
        assert challenge == b64url(hashlib.sha256(verifier.encode("ascii")).digest())
        seen.add(challenge)
        if index % 25 == 0:
            assert stack.callback(state, cookie).status_code == 303
            grant = json.loads(stack.hook.runs()[-1]["stdin"])
            assert grant["code_verifier"] == verifier
            assert grant["flow"] == "install"
            stack.secrets.add(verifier)
    assert len(seen) == 100
    assert stack.hook.started_count() == 4


def test_pkce_with_account_pinning(make_stack):
    stack = make_stack(HUBSPOT_PKCE="S256")
    response = stack.get("/oauth/authorize?hub_id=123")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("https://app.hubspot.com/oauth/123/authorize?client_id=")
    assert location.endswith("&code_challenge_method=S256")


@pytest.fixture
def exchanging(make_stack, tmp_path):
    """The built-in `hubspot` hook exchanging against the stand-in's 2026-03 endpoint, PKCE on or off."""
    secret = "pkce-test-client-secret"
    standin = StandIn(client_id=CLIENT_ID, client_secret=secret,
                      redirect_uris=["https://install.example.com/oauth/callback"],
                      scopes="oauth contacts", optional_scopes="automation").start()

    def make(pkce):
        stack = make_stack(HUBSPOT_PKCE=pkce, INSTALL_TOKEN_HOOK="hubspot", HUBSPOT_CLIENT_SECRET=secret,
                           HUBSPOT_TOKEN_URL=f"http://127.0.0.1:{standin.port}/oauth/2026-03/token",
                           INSTALL_TOKEN_DB=str(tmp_path / f"tokens-{pkce}.sqlite3"))
        stack.secrets.add(secret)
        return stack
    yield standin, make
    standin.stop()


def consent_code(standin, location):
    """HubSpot's side: the authorize URL our /oauth/authorize sent, approved; the code issued."""
    import requests
    parts = urlsplit(location)
    consent = requests.get(standin.url + parts.path + "?" + parts.query, timeout=10)
    assert consent.status_code == 200, consent.text
    request_id = re.search(r'name="request_id" value="([^"]+)"', consent.text).group(1)
    back = requests.post(standin.url + "/oauth/authorize/decision",
                         data={"request_id": request_id, "decision": "connect"}, allow_redirects=False, timeout=10)
    return dict(parse_qsl(urlsplit(back.headers["Location"]).query))["code"]


def test_pkce_exchange_against_the_stand_in(exchanging):
    standin, make = exchanging
    stack = make("S256")
    response, state, cookie = stack.authorize()
    code = consent_code(standin, response.headers["Location"])
    stack.secrets.add(code)
    done = stack.callback(state, cookie, code=code)
    assert done.status_code == 303, done.text
    exchange = [r for r in standin.requests if r["endpoint"] == "token"][-1]
    assert exchange["status"] == 200 and exchange["path"] == "/oauth/2026-03/token"
    assert exchange["params"]["code_verifier"] == expected_verifier(
        stack.values["INSTALL_STATE_KEYS"].split()[0], state, cookie.split("=", 1)[1])


@pytest.mark.parametrize("case", ["wrong", "missing"])
def test_a_refused_verifier_fails_the_install_cleanly(exchanging, case):
    """`wrong`: HubSpot was handed another challenge than ours (our verifier cannot match it);
    `missing`: PKCE is off here but the authorize request carried a challenge. The stand-in answers
    400 invalid_grant either way; the person gets a fixed page, the log a reason word, and no code,
    state or verifier shows up anywhere."""
    standin, make = exchanging
    stack = make("S256" if case == "wrong" else "off")
    response, state, cookie = stack.authorize()
    location = response.headers["Location"]
    other = b64url(hashlib.sha256(b"not our verifier").digest())
    if case == "wrong":
        location = re.sub(r"code_challenge=[A-Za-z0-9_-]+", "code_challenge=" + other, location)
    else:
        location += "&code_challenge=" + other + "&code_challenge_method=S256"
    code = consent_code(standin, location)
    stack.secrets.add(code)
    done = stack.callback(state, cookie, code=code)
    assert done.status_code in (400, 502), done.status_code
    assert "Location" not in done.headers
    exchange = [r for r in standin.requests if r["endpoint"] == "token"][-1]
    assert exchange["status"] == 400 and exchange["response"]["error"] == "invalid_grant"
    assert ("code_verifier" in exchange["params"]) == (case == "wrong")
    # HubSpot refused the code: the hook says so (exit 76), the person is told the link expired.
    assert reasons(stack, 1, route="callback") == ["code_rejected"]
    assert done.headers["Content-Type"].startswith("text/html") and done.headers["Cache-Control"] == "no-store"
    assert "<h1>The install link expired</h1>" in done.text
    assert standin.codes[code]["used"] is False


# ---- account-pinned authorize -------------------------------------------------------------------

@pytest.mark.parametrize("hub_id", ["123", "1", "9" * 20, "00042"])
def test_hub_id_pins_the_account(make_stack, hub_id):
    stack = make_stack()
    response = stack.get(f"/oauth/authorize?hub_id={hub_id}")
    assert response.status_code == 302
    location = response.headers["Location"]
    state = re.search(r"[?&]state=([^&]*)$", location).group(1)
    stack.secrets.update({state, response.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]})
    assert location == EXPECTED_AUTHORIZE.replace("/oauth/authorize?", f"/oauth/{hub_id}/authorize?") + state


@pytest.mark.parametrize("query", ["hub_id=", "hub_id=abc", "hub_id=12a", "hub_id=-1", "hub_id=%2B1", "hub_id=1%20",
                                   "hub_id=%201", "hub_id=1.5", "hub_id=" + "9" * 21, "hub_id=" + "1" * 500,
                                   "hub_id=%EF%BC%91", "hub_id=1&hub_id=2", "hub_id=123%2F..%2Fx",
                                   "hub_id=0x10"])
def test_a_bad_hub_id_gets_a_400_page_and_no_cookie(make_stack, query):
    stack = make_stack()
    answer = send(stack, "/oauth/authorize?" + query)
    assert_refused(answer)
    assert answer.set_cookies() == []
    assert reasons(stack, 1, route="authorize") == ["hub_id_invalid"]
