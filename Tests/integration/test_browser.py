"""A person installing the app in a real browser (Debian's chromium, headless, through Selenium):
our landing page, HubSpot's consent page (the stand-in), our callback behind the nginx site users
copy, and the recording exec hook, which must run once per install and never for a refusal."""
import json
import time

import pytest

from browser import Browser, LocalInstall, consent_callback_url
from harness import APP_NAME

COOKIE = "hubspot-install"  # http://localhost: the plain name, no __Host- prefix


@pytest.fixture
def install(tmp_path):
    started = LocalInstall(tmp_path / "install")
    yield started
    started.stop()


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
def browser(make_browser):
    return make_browser()


def start_install(browser, install):
    browser.open(install.url + "/")
    assert browser.h1() == f"Install {APP_NAME}"
    browser.click(f"Install {APP_NAME}")
    assert browser.url.startswith(f"http://localhost:{install.standin.port}/oauth/authorize?")
    assert browser.h1() == f"Connect {APP_NAME} to your HubSpot account"
    assert COOKIE in browser.cookies()


def test_install_clicks_through_to_the_success_page_and_runs_the_hook_once(browser, install):
    start_install(browser, install)
    browser.click("Connect app")

    assert browser.url == install.url + "/installed"
    assert browser.h1() == f"{APP_NAME} is connected to HubSpot"
    assert browser.document()["status"] == 200
    assert install.hook_runs() == 1
    grant = json.loads(install.hook.runs()[0]["stdin"])
    assert grant["code"] in install.standin.codes  # the code HubSpot issued, handed over as is
    assert grant["redirect_uri"] == install.redirect_uri
    # The binding cookie stays until it expires with the state, so another tab can still finish.
    assert COOKIE in browser.cookies()
    assert install.reasons() == ["ok"]
    install.assert_nothing_leaked(browser.source())


@pytest.mark.parametrize("order", ["first tab first", "second tab first"])
def test_two_tabs_of_one_browser_both_finish_in_either_order(browser, install, order):
    start_install(browser, install)
    first = browser.driver.current_window_handle
    browser.driver.switch_to.new_window("tab")
    start_install(browser, install)
    second = browser.driver.current_window_handle
    for handle in ([first, second] if order == "first tab first" else [second, first]):
        browser.driver.switch_to.window(handle)
        browser.click("Connect app")
        assert browser.url == install.url + "/installed"
        assert browser.h1() == f"{APP_NAME} is connected to HubSpot"
    assert install.hook_runs() == 2
    assert install.reasons() == ["ok", "ok"]


def test_back_after_success_and_connecting_again_does_not_install_twice(browser, install):
    start_install(browser, install)
    browser.click("Connect app")
    assert install.hook_runs() == 1

    # Back leaves our success page for HubSpot's consent page (the callback answered with a
    # redirect, so it is not in the history); approving again brings a new code with the old state.
    browser.back()
    assert browser.url.startswith(f"http://localhost:{install.standin.port}/oauth/authorize?")
    browser.click("Connect app")

    assert browser.url.startswith(install.redirect_uri + "?code=")
    assert browser.document()["status"] == 400
    assert install.hook_runs() == 1
    assert len(install.reasons()) == 2 and install.reasons()[0] == "ok"
    # A way on: Start again goes back to the landing page.
    browser.click("Start again")
    assert browser.url == install.url + "/"


def test_back_after_success_says_the_link_was_already_used(browser, install):
    start_install(browser, install)
    browser.click("Connect app")
    browser.back()
    browser.click("Connect app")
    assert install.hook_runs() == 1
    assert browser.h1() == "This link was already used"


def test_cancel_on_hubspot_shows_access_denied_and_runs_no_hook(browser, install):
    start_install(browser, install)
    browser.click("Cancel")

    assert browser.url.startswith(install.redirect_uri + "?error=access_denied")
    assert browser.h1() == "Access was denied"
    assert browser.document()["status"] == 400
    # HubSpot's error_description is never shown.
    assert "declined" not in browser.source()
    assert install.hook_runs() == 0
    assert install.reasons() == ["provider_error"]
    browser.click("Start again")
    assert browser.h1() == f"Install {APP_NAME}"


def test_the_callback_opened_in_a_second_browser_profile_is_refused(make_browser, install):
    first = make_browser("first")
    start_install(first, install)
    # Where approving would send the first browser, opened in a second profile without its cookie.
    link = consent_callback_url(install, first.source())
    second = make_browser("second")
    assert second.cookies() == {}
    second.open(link)

    assert second.h1() == "Please finish in the browser you started in"
    assert second.document()["status"] == 400
    assert install.hook_runs() == 0
    assert install.reasons() == ["binding_missing"]

    # The same link in the browser that started the install: genuine, so it completes there.
    first.open(link)
    assert first.h1() == f"{APP_NAME} is connected to HubSpot"
    assert install.hook_runs() == 1
    install.assert_nothing_leaked(first.source(), second.source())


def test_approving_after_the_link_expired_says_it_expired(tmp_path, browser):
    install = LocalInstall(tmp_path / "expiring", INSTALL_STATE_TTL="2")
    try:
        start_install(browser, install)
        time.sleep(3)
        browser.click("Connect app")
        assert install.hook_runs() == 0
        assert browser.h1() == "The install link expired"
    finally:
        install.stop()
