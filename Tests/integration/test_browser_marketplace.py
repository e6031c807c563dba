"""Both HubSpot Marketplace install flows clicked through in a real browser (Debian's chromium,
headless, through Selenium): the stand-in's Marketplace listing, our install URL behind the nginx
site users copy, HubSpot's consent page, and back to HubSpot's return page. The hook runs once per
install and never for a refusal; every page on the way is screenshotted at a desktop and a phone
width into .build/screenshots/marketplace-*.png."""
import json
import re

import pytest
import requests

from browser import Browser, LocalInstall
from harness import APP_NAME

COOKIE = "hubspot-install"  # http://localhost: the plain name, no __Host- prefix
CLIENT_SECRET = "browser-test-client-secret"


@pytest.fixture
def make_browser(tmp_path):
    browsers = []

    def make(name="browser"):
        browsers.append(Browser(tmp_path, name))
        return browsers[-1]

    yield make
    for browser in browsers:
        browser.quit()


@pytest.fixture
def make_install(tmp_path):
    installs = []

    def make(flow, **overrides):
        installs.append(LocalInstall(tmp_path / f"install{len(installs)}", marketplace=flow, **overrides))
        return installs[-1]

    yield make
    for install in installs:
        install.stop()


def open_listing(browser, install, shot):
    browser.open(install.standin.public_url + "/marketplace")
    assert browser.h1() == f"{APP_NAME} on the HubSpot App Marketplace"
    browser.screenshots(shot)


def only_install(install):
    (marketplace,) = install.standin.installs.values()
    return marketplace


def the_finalize_link(install, consent_page):
    """Where pressing Connect on the consent page would send the browser, taken without following."""
    request_id = re.search(r'name="request_id" value="([^"]+)"', consent_page).group(1)
    answer = requests.post(install.standin.url + "/oauth/authorize/decision",
                           data={"request_id": request_id, "decision": "connect"}, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def exchanging(make_install, flow, tmp_path):
    """An install whose hook is the built-in exchange, against the stand-in's 2026-03 endpoint: the
    stand-in's return page says "installed" only once the code has been exchanged."""
    return make_install(flow, INSTALL_TOKEN_HOOK="hubspot", HUBSPOT_CLIENT_SECRET=CLIENT_SECRET,
                        HUBSPOT_TOKEN_URL="http://127.0.0.1:{standin_port}/oauth/2026-03/token",
                        INSTALL_TOKEN_DB=str(tmp_path / f"tokens-{flow}.sqlite3"))


def exchanges(install):
    return [r for r in install.standin.requests if r["endpoint"] == "token"]


def test_sign_in_flow_clicks_through_exchanges_once_and_returns(make_browser, make_install, tmp_path):
    install = exchanging(make_install, "sign-in", tmp_path)
    browser = make_browser()
    open_listing(browser, install, "marketplace-sign-in-1-listing")

    # Install app -> our install URL (step=authorize) -> back on HubSpot with our state -> consent.
    browser.click("Install app")
    marketplace = only_install(install)
    back = marketplace["return_url"]
    assert marketplace["state"] and browser.url == back + "&state=" + marketplace["state"]
    assert browser.h1() == f"Connect {APP_NAME} to your HubSpot account"
    cookie = browser.cookies()[COOKIE]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"  # http://localhost: Lax, as it must be
    assert exchanges(install) == []
    browser.screenshots("marketplace-sign-in-2-consent")

    # Connect -> our install URL (step=finalize) -> the exchange, once -> HubSpot's return page.
    browser.click("Connect app")
    assert browser.url == back
    assert browser.h1() == f"{APP_NAME} is installed"
    assert "The app exchanged the install code for tokens." in browser.text()
    sent = exchanges(install)
    assert [(r["path"], r["status"]) for r in sent] == [("/oauth/2026-03/token", 200)]
    assert sent[0]["params"]["code"] == marketplace["code"]
    assert sent[0]["params"]["redirect_uri"] == install.redirect_uri
    assert "code_verifier" not in sent[0]["params"]  # HubSpot built this flow's authorize request
    assert browser.cookies()[COOKIE]["httpOnly"]  # kept until it expires, as after a callback
    assert install.reasons("install") == ["ok", "ok"]
    browser.screenshots("marketplace-sign-in-3-installed")
    install.assert_nothing_leaked(browser.source())


def test_sign_in_flow_hands_the_exec_hook_the_marketplace_grant_once(make_browser, make_install):
    install = make_install("sign-in")
    browser = make_browser()
    open_listing(browser, install, "marketplace-sign-in-1-listing")
    browser.click("Install app")
    browser.click("Connect app")
    marketplace = only_install(install)
    assert browser.url == marketplace["return_url"]
    assert install.hook_runs() == 1
    grant = json.loads(install.hook.runs()[0]["stdin"])
    assert grant["flow"] == "marketplace" and grant["code"] == marketplace["code"]
    assert grant["redirect_uri"] == install.redirect_uri
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", grant["install_id"])
    # The recording hook exchanges nothing, so HubSpot does not count the install.
    assert browser.h1() == f"{APP_NAME} isn't installed yet"
    assert install.hook_runs() == 1
    install.assert_nothing_leaked(browser.source())


def test_sign_in_finalize_in_another_browser_is_refused_with_a_way_back(make_browser, make_install):
    install = make_install("sign-in")
    first = make_browser("first")
    open_listing(first, install, "marketplace-sign-in-1-listing")
    first.click("Install app")
    link = the_finalize_link(install, first.source())
    back = only_install(install)["return_url"]

    second = make_browser("second")
    second.open(link)
    assert second.h1() == "Please finish in the browser you started in"
    assert second.document()["status"] == 400
    assert install.hook_runs() == 0
    second.screenshots("marketplace-sign-in-4-other-browser")
    second.assert_accessible()
    # Its one way on is back to HubSpot's page, exactly as HubSpot gave it.
    second.click("Back to HubSpot")
    assert second.url == back

    # The browser that started it finishes it, once.
    first.open(link)
    assert first.url == back
    assert install.hook_runs() == 1
    first.open(link)
    assert first.h1() == "This link was already used"
    assert install.hook_runs() == 1
    assert install.reasons("install") == ["ok", "binding_missing", "ok", "state_replayed"]
    install.assert_nothing_leaked(first.source(), second.source())


def test_direct_flow_clicks_through_exchanges_the_code_once_and_returns(make_browser, make_install, tmp_path):
    install = exchanging(make_install, "direct", tmp_path)
    browser = make_browser()
    open_listing(browser, install, "marketplace-direct-1-listing")

    # Install app -> HubSpot's consent first (no sign-in step in this flow).
    browser.click("Install app")
    assert browser.h1() == f"Connect {APP_NAME} to your HubSpot account"
    browser.screenshots("marketplace-direct-2-consent")

    # Connect -> our install URL with code + returnUrl -> the built-in exchange -> HubSpot.
    browser.click("Connect app")
    marketplace = only_install(install)
    assert browser.url == marketplace["return_url"]
    assert browser.h1() == f"{APP_NAME} is installed"
    assert "The app exchanged the install code for tokens." in browser.text()
    sent = exchanges(install)
    assert [(r["path"], r["status"]) for r in sent] == [("/oauth/2026-03/token", 200)]
    assert sent[0]["params"]["code"] == marketplace["code"]
    assert sent[0]["content_type"].startswith("application/x-www-form-urlencoded")
    assert sent[0]["query"] == {}
    assert COOKIE not in browser.cookies()  # nothing to bind in this flow
    browser.screenshots("marketplace-direct-3-installed")

    # The same install URL again (a reload, HubSpot retrying): no second exchange, a way back.
    browser.open(install.url + "/oauth/install?code=" + marketplace["code"] + "&returnUrl="
                 + requests.utils.quote(marketplace["return_url"], safe=""))
    assert browser.h1() == "This link was already used"
    assert browser.document()["status"] == 400
    browser.screenshots("marketplace-direct-4-code-used")
    browser.assert_accessible()
    browser.click("Back to HubSpot")
    assert browser.url == marketplace["return_url"]
    assert len(exchanges(install)) == 1
    assert install.reasons("install") == ["ok", "code_replayed"]
    install.assert_nothing_leaked(browser.source())


def test_direct_flow_with_the_exec_hook_runs_it_once(make_browser, make_install):
    install = make_install("direct")
    browser = make_browser()
    open_listing(browser, install, "marketplace-direct-1-listing")
    browser.click("Install app")
    browser.click("Connect app")
    marketplace = only_install(install)
    assert browser.url == marketplace["return_url"]
    assert browser.h1() == f"{APP_NAME} isn't installed yet"  # a recording hook exchanges nothing
    assert install.hook_runs() == 1
    grant = json.loads(install.hook.runs()[0]["stdin"])
    assert grant["code"] == marketplace["code"] and grant["flow"] == "marketplace"
    assert "code_verifier" not in grant
    install.assert_nothing_leaked(browser.source())


def test_a_return_url_the_operator_did_not_allow_is_refused_in_the_browser(make_browser, make_install):
    """Without INSTALL_RETURN_HOSTS the stand-in's return page is just another host: the install URL
    refuses to send anyone there, hands out no state and sets no cookie."""
    install = make_install("sign-in", INSTALL_RETURN_HOSTS=None)
    browser = make_browser()
    open_listing(browser, install, "marketplace-sign-in-1-listing")
    browser.click("Install app")
    assert browser.url.startswith(install.url + "/oauth/install?step=authorize&returnUrl=")
    assert browser.h1() == "This install link did not come from HubSpot"
    assert browser.document()["status"] == 400
    assert "Back to HubSpot" not in browser.text()
    assert browser.cookies() == {}
    assert only_install(install)["state"] is None
    assert install.hook_runs() == 0
    assert install.reasons("install") == ["return_url_invalid"]
    browser.screenshots("marketplace-refused-return-url")
    browser.assert_accessible()
