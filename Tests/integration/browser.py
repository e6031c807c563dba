"""A real browser for the integration tests, and the install it clicks through.

`Browser` is Debian's `chromium`, driven by Debian's `chromium-driver` through Selenium, headless,
with a fresh profile (its own cookies) in a temp directory. `LocalInstall` is everything a person
meets on the way: the nginx site users copy in front of the responder, the recording exec hook, and
the HubSpot stand-in playing HubSpot, all on http://localhost (the only plain-http redirect URI
HubSpot accepts), so the binding cookie is the plain `hubspot-install`.

Nothing listens anywhere but 127.0.0.1; every process started is stopped by its own handle, and
chromium and chromedriver are shut down with the driver.
"""
import base64
import json
import re
import shutil
import struct
import tempfile
from pathlib import Path

from axe_selenium_python import Axe
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from harness import APP_NAME, CLIENT_ID, REPO, Hook, Nginx, Responder, settings, wait_for, write_config
from hubspot_standin import StandIn

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# A desktop window and a phone (an iPhone 12-15 sized viewport).
SIZES = [(1280, 800), (390, 844)]
SCREENSHOTS = REPO / ".build" / "screenshots"
CLIENT_SECRET = "browser-test-client-secret"
# Enough scopes for the landing page to look like a real app's: required ones and optional ones
# with their tier notes.
SCOPES = "contacts forms timeline"
OPTIONAL_SCOPES = "automation tickets"


class Browser:
    """One headless chromium with its own fresh profile (cookies, cache, history)."""

    def __init__(self, tmp: Path, name: str = "browser"):
        self.tmp = tmp
        self.profile = Path(tempfile.mkdtemp(prefix=f"{name}-profile-", dir=tmp))
        options = Options()
        options.binary_location = CHROMIUM
        for argument in [
            # Running as root: no sandbox; /dev/shm is small in containers.
            "--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
            f"--user-data-dir={self.profile}", "--window-size=1280,800", "--lang=en-US",
            # Nothing but the pages under test: no first-run UI, no calls home.
            "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-extensions", "--password-store=basic",
            "--disable-features=Translate,OptimizationHints,MediaRouter",
        ]:
            options.add_argument(argument)
        # The DevTools network events, to read the bytes each page was served with.
        options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
        self._documents = []
        # An explicit driver and browser: Selenium Manager is never asked to download either.
        self.service = Service(executable_path=CHROMEDRIVER, log_output=str(tmp / f"{name}-chromedriver.log"))
        self.driver = webdriver.Chrome(options=options, service=self.service)
        self.driver.set_page_load_timeout(30)

    # --- navigation ---

    def open(self, url: str):
        self.driver.get(url)

    def click(self, text: str):
        """Clicks the link or button a person would: found by its visible words."""
        before = self.driver.execute_script("return performance.timeOrigin")
        element = self.driver.find_element(
            By.XPATH, f"//a[normalize-space()={_xpath_string(text)}] | //button[normalize-space()={_xpath_string(text)}]")
        element.click()
        WebDriverWait(self.driver, 20).until(
            lambda d: d.execute_script("return document.readyState") == "complete"
            and d.execute_script("return performance.timeOrigin") != before)

    def back(self):
        before = self.driver.execute_script("return performance.timeOrigin")
        self.driver.back()
        WebDriverWait(self.driver, 20).until(
            lambda d: d.execute_script("return document.readyState") == "complete"
            and d.execute_script("return performance.timeOrigin") != before)

    @property
    def url(self) -> str:
        return self.driver.current_url

    @property
    def title(self) -> str:
        return self.driver.title

    def h1(self) -> str:
        return self.driver.find_element(By.TAG_NAME, "h1").text

    def text(self) -> str:
        return self.driver.find_element(By.TAG_NAME, "body").text

    def source(self) -> str:
        return self.driver.page_source

    def document(self) -> dict:
        """The response the current page came from, as served: {"url", "status", "headers", "body"}
        (the final response of a redirect chain; headers with lower-case names)."""
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.responseReceived" and message["params"]["type"] == "Document":
                self._documents.append(message["params"])
        current = self.driver.current_url
        for params in reversed(self._documents):
            response = params["response"]
            if response["url"] == current:
                body = self.driver.execute_cdp_cmd("Network.getResponseBody", {"requestId": params["requestId"]})
                assert not body["base64Encoded"]
                return {"url": current, "status": response["status"], "body": body["body"],
                        "headers": {k.lower(): v for k, v in response["headers"].items()}}
        raise AssertionError(f"no document response recorded for {current}")

    def cookies(self) -> dict:
        return {c["name"]: c for c in self.driver.get_cookies()}

    def show_html(self, html: str):
        """Replaces the current document with `html` (same origin, so /assets/ still loads): for the
        pages a browser cannot reach with a plain GET through the deploy site."""
        self.driver.execute_script("document.open(); document.write(arguments[0]); document.close();", html)
        WebDriverWait(self.driver, 10).until(
            lambda d: d.execute_script(
                "return document.readyState === 'complete' && Array.from(document.styleSheets).length > 0"))

    # --- what the tests assert on every page ---

    def set_viewport(self, width: int, height: int):
        """The CSS viewport of a desktop window or a phone (mobile: the viewport meta applies)."""
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})

    def screenshots(self, name: str) -> list:
        """`<repo>/.build/screenshots/<name>-<w>x<h>.png` at every size in SIZES, each checked for a
        layout that fits: no sideways scrolling, the stylesheet applied, the heading on screen."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        written = []
        try:
            for width, height in SIZES:
                self.set_viewport(width, height)
                self.driver.execute_script("window.scrollTo(0, 0)")
                self.assert_layout_fits(width)
                png = self.driver.get_screenshot_as_png()
                assert png_size(png) == (width, height), (name, png_size(png))
                path = SCREENSHOTS / f"{name}-{width}x{height}.png"
                path.write_bytes(png)
                written.append(path)
                # A page taller than the screen is also shown whole, to see what is below the fold.
                full_height = self.driver.execute_script("return document.documentElement.scrollHeight")
                full = SCREENSHOTS / f"{name}-{width}x{height}-full.png"
                if full_height > height:
                    shot = self.driver.execute_cdp_cmd("Page.captureScreenshot", {
                        "captureBeyondViewport": True,
                        "clip": {"x": 0, "y": 0, "width": width, "height": full_height, "scale": 1}})
                    full.write_bytes(base64.b64decode(shot["data"]))
                    written.append(full)
                else:
                    full.unlink(missing_ok=True)
        finally:
            self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        return written

    def assert_layout_fits(self, width: int):
        facts = self.driver.execute_script("""
            const h1 = document.querySelector('h1').getBoundingClientRect();
            const body = getComputedStyle(document.body);
            return {scrollWidth: document.documentElement.scrollWidth,
                    styled: document.styleSheets.length > 0 && body.fontFamily.includes('system-ui'),
                    fontSize: parseFloat(body.fontSize),
                    h1Left: h1.left, h1Right: h1.right, h1Top: h1.top};""")
        assert facts["scrollWidth"] <= width, f"the page scrolls sideways at {width}px: {facts}"
        assert facts["styled"], "the stylesheet did not apply"
        assert facts["fontSize"] >= 16, facts
        assert 0 <= facts["h1Left"] and facts["h1Right"] <= width and facts["h1Top"] < 400, facts

    def axe_violations(self) -> list:
        """axe-core (bundled with axe-selenium-python, read from disk: no network) on this page."""
        axe = Axe(self.driver)
        axe.inject()
        results = axe.run()
        return results["violations"]

    def assert_accessible(self):
        violations = self.axe_violations()
        assert violations == [], Axe(self.driver).report(violations)

    def quit(self):
        try:
            self.driver.quit()
        finally:
            self.service.stop()
            shutil.rmtree(self.profile, ignore_errors=True)


def _xpath_string(text: str) -> str:
    assert '"' not in text
    return f'"{text}"'


def png_size(png: bytes) -> tuple:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", png[16:24])


class LocalInstall:
    """nginx (deploy/nginx, rendered for a free port) -> the responder -> the recording exec hook
    (or the hook `overrides` configure), with the stand-in as HubSpot. The redirect URI is http://localhost:<nginx port>/oauth/callback,
    so nginx is started first (it needs no socket until the first request) and the responder is
    configured with its port."""

    def __init__(self, tmp: Path, hook_options=None, standin_options=None, marketplace=None, **overrides):
        """`marketplace` ("sign-in" or "direct"): /oauth/install serves that Marketplace flow, the
        stand-in's listing sends the browser there, and its return page is an allowed return host."""
        self.tmp = tmp
        tmp.mkdir(parents=True, exist_ok=True)
        self.hook = Hook(tmp / "hook", **(hook_options or {}))
        socket_path = tmp / "hubspot-install.sock"
        self.standin = None
        self.responder = None
        self.nginx = Nginx(tmp, socket_path)
        try:
            self.url = f"http://localhost:{self.nginx.port}"
            self.redirect_uri = self.url + "/oauth/callback"
            options = dict(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, redirect_uris=[self.redirect_uri],
                           scopes="oauth " + SCOPES, optional_scopes=OPTIONAL_SCOPES, app_name=APP_NAME,
                           hub_domain="acme-marketing.hubspot.com")
            if marketplace:
                options.update(install_url=self.url + "/oauth/install", marketplace_flow=marketplace)
            options.update(standin_options or {})
            self.standin = StandIn(**options).start()
            if marketplace:
                overrides.setdefault("INSTALL_MARKETPLACE", marketplace)
                overrides.setdefault("INSTALL_RETURN_HOSTS", "localhost:{standin_port}")
            # A value may name the stand-in's port, known only now (HUBSPOT_TOKEN_URL).
            overrides = {key: value.replace("{standin_port}", str(self.standin.port)) if isinstance(value, str)
                         else value for key, value in overrides.items()}
            self.values = settings(tmp, self.hook, HUBSPOT_REDIRECT_URI=self.redirect_uri,
                                   HUBSPOT_AUTHORIZE_URL=f"http://localhost:{self.standin.port}/oauth/authorize",
                                   HUBSPOT_SCOPES=SCOPES, HUBSPOT_OPTIONAL_SCOPES=OPTIONAL_SCOPES, **overrides)
            self.config = write_config(tmp / "hubspot-install.env", self.values)
            self.responder = Responder(tmp, self.config, socket_path=socket_path)
        except BaseException:
            self.stop()
            raise

    def hook_runs(self) -> int:
        return self.hook.started_count()

    def reasons(self, route="callback") -> list:
        """The reason words of the route's log lines, in order."""
        # The JSON log lines only: `check`'s warnings (a short INSTALL_STATE_TTL) come first, as text.
        lines = [json.loads(line) for line in self.responder.stderr().splitlines() if line.startswith("{")]
        return [line["reason"] for line in lines if line.get("route") == route]

    def assert_nothing_leaked(self, *pages: str):
        """No code, state or binding cookie of this run in the responder's log, nginx's access log or
        any page given."""
        secrets = set(self.standin.codes)
        for pending in self.standin.codes.values():
            if pending.get("state"):
                secrets.add(pending["state"])
        for marketplace in self.standin.installs.values():
            if marketplace.get("state"):
                secrets.add(marketplace["state"])
        places = {"responder stderr": self.responder.stderr(), "nginx access log": self.nginx.access_log_text()}
        places.update({f"page {i}": page for i, page in enumerate(pages)})
        for secret in secrets:
            for where, text in places.items():
                assert secret not in text, f"a code or state appears in the {where}"

    def stop(self):
        if self.nginx:
            self.nginx.stop()
        if self.responder:
            self.responder.stop()
        if self.standin:
            self.standin.stop()


def consent_callback_url(install: LocalInstall, consent_page: str, decision: str = "connect") -> str:
    """What pressing a button on the stand-in's consent page would redirect the browser to, taken
    without following it (for a second browser to open)."""
    import requests
    request_id = re.search(r'name="request_id" value="([^"]+)"', consent_page).group(1)
    answer = requests.post(install.standin.url + "/oauth/authorize/decision",
                           data={"request_id": request_id, "decision": decision}, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def hook_answer(account: str) -> str:
    """What an exec hook prints on stdout to name the connected account on the success page."""
    return json.dumps({"account": account})


__all__ = ["Browser", "LocalInstall", "SIZES", "SCREENSHOTS", "consent_callback_url", "hook_answer", "wait_for"]
