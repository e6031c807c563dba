#!/usr/bin/env python3
"""A local stand-in for HubSpot's OAuth 2.0 server (authorize page, token
endpoints, token metadata, token introspection) and for the App Marketplace's
install flows, behaving as HubSpot documents them.

Standard library only. Binds 127.0.0.1 only.

Command line
------------
    python3 hubspot_standin.py --port 0 --client-id ID --client-secret S \\
        --redirect-uri http://localhost:8080/oauth/callback [--redirect-uri URI2 ...] \\
        --scopes "oauth contacts" [--optional-scopes "automation social"] \\
        [--account-scopes "oauth contacts automation"] [--hub-id 12345] \\
        [--hub-domain example.hubspot.com] [--code-ttl 60] [--token-delay 0] \\
        [--access-token-ttl 1800] [--error-includes-state] [--auto-decision connect|cancel] \\
        [--app-name NAME] [--install-url URL] [--marketplace-flow sign-in|direct]
        [--public-url http://localhost:PORT] [--ready-file PATH] [--log]

It prints ``listening on http://127.0.0.1:PORT`` (then flushes) once listening,
and writes PORT to --ready-file if given. SIGTERM/SIGINT stop it.

In-process:  ``with StandIn(client_id=..., client_secret=..., redirect_uris=[...],
scopes="oauth contacts") as s: s.url`` (or ``s.start()`` / ``s.stop()``).

HubSpot endpoints
-----------------
GET  /oauth/authorize, /oauth/<hubId>/authorize
     Checks client_id, redirect_uri (exact string match against a registered
     one), scope / optional_scope against the app's configuration, in HubSpot's
     manner: failures are an HTTP 400 HTML page of its own ("Couldn't complete
     the connection ...") and never a redirect to the app. The page's <main>
     carries a stable ``data-error`` word for tests: invalid_client,
     redirect_uri_mismatch, scope_mismatch, scopes_insufficient,
     account_lacks_scopes, account_unavailable.
       - scope must contain ``oauth`` and only scopes configured as required
         (an optional scope, an unknown scope or a comma-joined list in
         ``scope`` -> scope_mismatch);
       - every configured required scope must be in ``scope`` (otherwise, also
         when it was put in optional_scope -> scopes_insufficient, HubSpot's
         "the provided scopes are insufficient");
       - optional_scope may only hold configured optional scopes (scope_mismatch);
       - required scopes the account (--account-scopes) lacks -> account_lacks_scopes;
         optional scopes it lacks are silently dropped from the grant.
     Success: a consent page with a form POSTing ``request_id`` (server-side
     pending request, single use) and ``decision`` = connect | cancel.
POST /oauth/authorize/decision
     connect -> 302 redirect_uri?code=..[&state=..]; cancel -> 302
     redirect_uri?error=access_denied&error_description=.. (state only with
     --error-includes-state).
POST /oauth/v1/token, /oauth/v3/token, /oauth/2026-03/token
     application/x-www-form-urlencoded; v1 also reads the query string, v3 and
     2026-03 reject any query string (VALIDATION_ERROR). grant_type
     authorization_code (client_id, client_secret, redirect_uri, code,
     [code_verifier]) or refresh_token (client_id, client_secret,
     refresh_token). Errors are HTTP 400: v1 {"status","message","correlationId"};
     v3/2026-03 add RFC 6749 "error"/"error_description"; missing or malformed
     parameters on v3/2026-03 use {"status":"error","category":"VALIDATION_ERROR",
     "message","correlationId","errors":[..]}.
GET  /oauth/v1/access-tokens/<token>, /oauth/v1/refresh-tokens/<token>  (404 if unknown)
DELETE /oauth/v1/refresh-tokens/<token>  (204; revokes it and its access tokens)
POST /oauth/2026-03/token/introspect  (form: client_id, client_secret, token, token_type_hint)
     also answers signed_access_token (hublet, hubId, userId, appId, expiresAt, scopes)

Token lifecycle (the functions under "token lifecycle" below)
---------------------------------------------------------------
grant_type=refresh_token (every token path): a new access token; with
     rotate_refresh_tokens a new refresh token too, and the old one stops
     working. An unknown, revoked or uninstalled refresh token is HTTP 400 in
     the shape refresh_error_shape names: "both" (default: legacy status
     BAD_REFRESH_TOKEN plus RFC 6749 error invalid_grant on v3/2026-03), "rfc"
     (error/error_description only) or "legacy" (status/message only).
POST /oauth/2026-03/token/revoke  (form: client_id, client_secret, token,
     token_type_hint) -> 200 and an empty body, also for a token it does not
     know (RFC 7009); a refresh token takes its access tokens with it.
DELETE /appinstalls/2026-03/external-install  (Authorization: Bearer <access
     token>) -> 204: the app is uninstalled from that account, every token of
     the account stops working; 401 without a live access token.
POST /_standin/lifecycle  {"rotate_refresh_tokens":bool, "refresh_error_shape":
     "both"|"rfc"|"legacy"}; GET -> those and {"refresh_requests": n (refresh
     grant requests received, failed ones too), "revocations": [..],
     "uninstalls": [hub ids]}
POST /_standin/uninstall-account {"hub_id": N}: the customer uninstalls the app
     in HubSpot: every token of the account stops working.

HubSpot App Marketplace (pages on the stand-in's own host)
----------------------------------------------------------
HubSpot calls the app's install URL (--install-url) in one of two ways, "without partner
sign-in" (direct) and "with partner sign-in" (sign-in); returnUrl is always HubSpot's own page.
GET  /marketplace    the app's listing, with an "Install app" link to /marketplace/install.
GET  /marketplace/install[?flow=direct|sign-in]   starts one install (default flow:
     --marketplace-flow) and makes its return URL R = <public url>/marketplace/returned?install=ID.
       direct:  HubSpot's consent page; Connect issues a code (bound to the first registered
                redirect URI) and sends the browser to <install URL>?code=C&returnUrl=R.
       sign-in: sends the browser to <install URL>?step=authorize&returnUrl=R; the app is to
                send it back to R with `state` added to R's query.
GET  /marketplace/returned?install=ID[&state=S]
       sign-in, waiting for the state: exactly one non-empty `state` -> HubSpot's consent page;
                Connect issues a code and sends the browser to
                <install URL>?step=finalize&code=C&state=S&returnUrl=R. No state, two states or an
                empty one -> a 400 page (data-error="state_missing").
       after the app redirected back at the end: "installed" (data-page="installed") once the app
                has exchanged the code, else "not installed yet" (data-page="pending"): HubSpot
                counts an install only when its code has been exchanged.
       unknown ID -> 400, "This install link is no longer valid" (data-error="install_link_invalid").
     Cancel on the consent page goes to R, which then says the install was cancelled.
     Installs are kept in ``StandIn.installs`` (and GET /_standin/installs): flow, status
     (authorizing, consent, sent, returned, cancelled), state, code, return_url.

Test control (prefix /_standin/, JSON)
--------------------------------------
POST /_standin/fail     {"endpoint":"token","status":500,"body":"...","count":1,
                         "delay":0,"content_type":null,"close":false}
     The next ``count`` requests to ``endpoint`` (token = the three token
     endpoints; also introspect, metadata, authorize, decision, revoke,
     uninstall, any) sleep
     ``delay`` seconds, then answer ``status`` with ``body`` (a JSON value is
     serialised; content type JSON if the body parses as JSON, else text/plain),
     or, with "close": true, drop the connection without an answer. Without
     "status" and "close" the request is only delayed, then handled normally.
     count 0 = every request until reset. Rules queue up in order.
GET  /_standin/requests  -> [records of token and introspect requests]: id,
     time, endpoint, method, path, query, content_type, params (client_secret
     redacted), status, response (the JSON answered), injected (bool)
GET  /_standin/config    -> the current configuration (secret redacted)
POST /_standin/config    {"account_scopes":[..]|null, "auto_decision":"connect"|"cancel"|null,
                          "error_includes_state":bool, "code_ttl":s, "token_delay":s,
                          "access_token_ttl":s, "install_url":URL|null,
                          "marketplace_flow":"sign-in"|"direct"}   changes these at run time
GET  /_standin/installs  -> {ID: Marketplace install} (codes and states included: test use only)
POST /_standin/reset     clears failure rules, recorded requests, pending
                         requests, Marketplace installs, codes and tokens (configuration stays)
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import json
import os
import re
import secrets
import signal
import socket
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

# What each scope gives access to, in HubSpot's scope table (shown on the consent page).
SCOPE_DESCRIPTIONS = {
    "oauth": "Basic OAuth access",
    "automation": "Workflows",
    "business-intelligence": "Analytics",
    "contacts": "Contacts, companies, deals, engagements and owners",
    "content": "Website content, calendar, email and email events",
    "conversations.visitor_identification.tokens.create":
        "Identification tokens for chat widget visitors",
    "e-commerce": "Products and line items",
    "files": "File Manager",
    "forms": "Forms",
    "hubdb": "HubDB",
    "integration-sync": "Ecommerce Bridge",
    "sales-email-read": "Content of email engagements",
    "social": "Social media",
    "tickets": "Tickets",
    "timeline": "Timeline events",
    "transactional-email": "Transactional email",
}

ERROR_TEXTS = {
    "invalid_client": "An invalid app client_id was provided. Please contact the app developer.",
    "redirect_uri_mismatch": "Authorization failed as the redirect URL {redirect_uri!s} "
                             "doesn't match the app's registered redirect URL. "
                             "Please contact the app developer.",
    "scope_mismatch": "Authorization failed because there is a mismatch between the scopes "
                      "in the install URL and the app's configured scopes. "
                      "Please contact the app developer.",
    "scopes_insufficient": "Authorization failed because the provided scopes are insufficient. "
                           "Please contact the app developer.",
    "account_lacks_scopes": "This account doesn't have access to the tools this app requires: "
                            "{scopes!s}. Ask a Super Admin about upgrading, or contact the app "
                            "developer.",
    "account_unavailable": "You don't have access to the account {hub_id!s}.",
    "request_expired": "This authorization request has expired or was already used. "
                       "Go back to the app and start again.",
    # The Marketplace install pages.
    "install_link_invalid": "This install link is no longer valid. Go back to the App Marketplace "
                            "and install the app again.",
    "state_missing": "The app didn't return to HubSpot as expected, so the install can't continue. "
                     "Please contact the app developer.",
    "no_install_url": "This app has no install URL in its listing. Please contact the app developer.",
}
MARKETPLACE_FLOWS = ("sign-in", "direct")

TOKEN_PATHS = {
    "/oauth/v1/token": "v1",
    "/oauth/v3/token": "v3",
    "/oauth/2026-03/token": "2026-03",
}
FORM_TYPE = "application/x-www-form-urlencoded"
REFRESH_ERROR_SHAPES = ("both", "rfc", "legacy")
# Token lifecycle routes: path -> (method or None for several, handler method name).
LIFECYCLE_ROUTES = {
    "/oauth/2026-03/token/revoke": ("POST", "lifecycle_revoke"),
    "/appinstalls/2026-03/external-install": ("DELETE", "lifecycle_uninstall"),
    "/_standin/lifecycle": (None, "lifecycle_control"),
    "/_standin/uninstall-account": ("POST", "lifecycle_uninstall_account"),
}
MAX_BODY = 64 * 1024
PENDING_TTL = 600.0
REDACTED = "[REDACTED]"


def describe_scope(scope: str) -> str:
    if scope in SCOPE_DESCRIPTIONS:
        return SCOPE_DESCRIPTIONS[scope]
    m = re.fullmatch(r"crm\.(objects|schemas)\.([a-z_]+)\.(sensitive\.|highly_sensitive\.)?(read|write)",
                     scope)
    if m:
        what = m.group(2).replace("_", " ")
        kind = "records" if m.group(1) == "objects" else "schemas"
        level = {"sensitive.": " (sensitive data)", "highly_sensitive.": " (highly sensitive data)"}
        verb = "View" if m.group(4) == "read" else "Edit"
        return f"{verb} {what} {kind}{level.get(m.group(3) or '', '')}"
    return "Access to " + scope


def split_scopes(value) -> list:
    """Space-separated scope string (or iterable) -> list, order kept, no duplicates."""
    if value is None:
        return []
    items = value.split(" ") if isinstance(value, str) else list(value)
    out = []
    for s in items:
        if s and s not in out:
            out.append(s)
    return out


def append_query(uri: str, pairs: list) -> str:
    sep = "&" if "?" in uri else "?"
    return uri + sep + urlencode(pairs, quote_via=quote, safe="")


def extract_request_id(page: str) -> str:
    """The pending-request id from a consent page (for tests)."""
    m = re.search(r'name="request_id" value="([^"]+)"', page)
    if not m:
        raise ValueError("no consent form on this page")
    return m.group(1)


def _esc(value) -> str:
    return html.escape(str(value), quote=True)


# Every page's head: a viewport for phones and a plain readable style, so screenshots of the
# stand-in's pages are legible at 390 px as at 1280 px.
PAGE_HEAD = (
    "<meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    "<style>body{font-family:system-ui,sans-serif;font-size:16px;line-height:1.5;max-width:40rem;"
    "margin:2rem auto;padding:0 1rem;color:#33475b}h1{font-size:1.5rem;line-height:1.25}"
    "code{overflow-wrap:anywhere}button,.button{font:inherit;padding:.5rem 1rem;margin:.25rem .5rem .25rem 0;"
    "border-radius:4px;border:1px solid #ff7a59;background:#ff7a59;color:#fff;text-decoration:none;"
    "display:inline-block}</style>")


def _page(title: str, main: str, attributes: str = "") -> str:
    return ("<!doctype html>\n<html lang=\"en\"><head>" + PAGE_HEAD
            + f"<title>{_esc(title)} | HubSpot</title></head>\n<body><main{attributes}>\n{main}"
            "<p><small>HubSpot OAuth stand-in</small></p>\n</main></body></html>\n")


def _pkce_ok(challenge: str, method: str, verifier: str) -> bool:
    if method == "S256":
        digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
        computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    else:
        computed = verifier
    return secrets.compare_digest(computed, challenge)


class StandIn:
    """The stand-in server. Options mirror the command line."""

    def __init__(self, client_id: str, client_secret: str, redirect_uris, scopes="oauth",
                 optional_scopes=(), account_scopes=None, hub_id: int = 12345,
                 hub_domain: str = "example.hubspot.com", code_ttl: float = 60,
                 token_delay: float = 0, access_token_ttl: int = 1800,
                 error_includes_state: bool = False, auto_decision=None,
                 app_name: str = "Test app", app_id: int = 1000001,
                 user: str = "dev@example.com", user_id: int = 2000001, hublet: str = "na1",
                 rotate_refresh_tokens: bool = False, refresh_error_shape: str = "both",
                 install_url=None, marketplace_flow: str = "sign-in", public_url=None,
                 port: int = 0, host: str = "127.0.0.1", ready_file=None, log: bool = False):
        if isinstance(redirect_uris, str):
            redirect_uris = [redirect_uris]
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uris = list(redirect_uris)
        self.scopes = split_scopes(scopes)
        if "oauth" not in self.scopes:          # every app has oauth as a required scope
            self.scopes.insert(0, "oauth")
        self.optional_scopes = split_scopes(optional_scopes)
        self.account_scopes = None if account_scopes is None else split_scopes(account_scopes)
        self.hub_id = int(hub_id)
        self.hub_domain = hub_domain
        self.code_ttl = float(code_ttl)
        self.token_delay = float(token_delay)
        self.access_token_ttl = int(access_token_ttl)
        self.error_includes_state = bool(error_includes_state)
        if auto_decision not in (None, "connect", "cancel"):
            raise ValueError("auto_decision must be None, 'connect' or 'cancel'")
        self.auto_decision = auto_decision
        if marketplace_flow not in MARKETPLACE_FLOWS:
            raise ValueError("marketplace_flow must be 'sign-in' or 'direct'")
        self.install_url = install_url
        self.marketplace_flow = marketplace_flow
        # Where the browser reaches the stand-in (the Marketplace's return URLs point there):
        # http://localhost:<port> unless given, localhost being the one plain-http host apps accept.
        self._public_url = public_url
        self.app_name = app_name
        self.app_id = int(app_id)
        self.user = user
        self.user_id = int(user_id)
        self.hublet = hublet
        self.rotate_refresh_tokens = bool(rotate_refresh_tokens)
        if refresh_error_shape not in REFRESH_ERROR_SHAPES:
            raise ValueError("refresh_error_shape must be one of " + ", ".join(REFRESH_ERROR_SHAPES))
        self.refresh_error_shape = refresh_error_shape
        self.host = host
        self.port = int(port)
        self.ready_file = ready_file
        self.log = log
        self.lock = threading.Lock()
        self._server = None
        self._thread = None
        self._clear()

    # ----- lifecycle -----
    def _clear(self):
        self.pending = {}
        self.codes = {}
        self.access_tokens = {}
        self.refresh_tokens = {}
        self.requests = []
        self.failures = []
        self.installs = {}
        self.revocations = []
        self.uninstalls = []

    def reset(self):
        with self.lock:
            self._clear()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def public_url(self) -> str:
        return self._public_url or f"http://localhost:{self.port}"

    def bind(self):
        server = ThreadingHTTPServer((self.host, self.port), _Handler)
        server.daemon_threads = True
        server.block_on_close = False
        server.standin = self
        self._server = server
        self.port = server.server_address[1]
        if self.ready_file:
            tmp = f"{self.ready_file}.tmp{os.getpid()}"
            with open(tmp, "w") as f:
                f.write(f"{self.port}\n")
            os.replace(tmp, self.ready_file)
        return server

    def start(self):
        """Bind and serve in a background thread; returns self."""
        self.bind()
        # a short poll interval makes stop() quick (shutdown waits for one poll)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,),
                                        name="hubspot-standin", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self):
        if self._server is None:
            self.bind()
        self._server.serve_forever()

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # ----- helpers used by the handler -----
    def public_config(self) -> dict:
        return {
            "client_id": self.client_id, "client_secret": REDACTED,
            "redirect_uris": self.redirect_uris, "scopes": self.scopes,
            "optional_scopes": self.optional_scopes, "account_scopes": self.account_scopes,
            "hub_id": self.hub_id, "hub_domain": self.hub_domain, "code_ttl": self.code_ttl,
            "token_delay": self.token_delay, "access_token_ttl": self.access_token_ttl,
            "error_includes_state": self.error_includes_state,
            "auto_decision": self.auto_decision, "app_name": self.app_name,
            "app_id": self.app_id, "user": self.user, "user_id": self.user_id, "hublet": self.hublet,
            "install_url": self.install_url, "marketplace_flow": self.marketplace_flow,
            "public_url": self.public_url,
        }

    def account_has(self, scope: str) -> bool:
        return self.account_scopes is None or scope == "oauth" or scope in self.account_scopes

    def take_failure(self, endpoint: str):
        with self.lock:
            for i, rule in enumerate(self.failures):
                if rule["endpoint"] in (endpoint, "any"):
                    if rule["count"] > 0:
                        rule["count"] -= 1
                        if rule["count"] == 0:
                            del self.failures[i]
                    return dict(rule)
        return None

    def new_access_token(self) -> str:
        # HubSpot access tokens are opaque, URL-safe and a few hundred characters long.
        return "CK" + secrets.token_urlsafe(150)

    def issue_tokens(self, grant: dict, refresh_token=None) -> dict:
        """Caller holds the lock."""
        now = time.time()
        if refresh_token is None:
            refresh_token = f"{self.hublet}-" + str(uuid.uuid4())
            self.refresh_tokens[refresh_token] = dict(grant, issued_at=now)
        access = self.new_access_token()
        self.access_tokens[access] = dict(grant, issued_at=now,
                                          expires_at=now + self.access_token_ttl,
                                          refresh_token=refresh_token)
        return {
            "access_token": access,
            "refresh_token": refresh_token,
            "expires_in": self.access_token_ttl,
            "token_type": "bearer",
            "hub_id": grant["hub_id"],
            "scopes": list(grant["scopes"]),
        }


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True      # headers and body go out in separate writes
    server_version = "HubSpotStandIn/1.0"
    sys_version = ""

    @property
    def si(self) -> StandIn:
        return self.server.standin

    def log_message(self, fmt, *args):
        if self.si.log:
            path = urlsplit(self.path).path          # never log query strings (codes, state)
            sys.stderr.write(f"standin: {self.command} {path} {args[1] if len(args) > 1 else ''}\n")

    def log_request(self, code="-", size="-"):
        self.log_message('"%s" %s %s', self.command, str(code), str(size))

    # ----- plumbing -----
    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks, total = [], 0
            while True:
                line = self.rfile.readline(1024)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                total += size
                if total > MAX_BODY:
                    raise ValueError("body too large")
                chunks.append(self.rfile.read(size))
                self.rfile.readline(16)
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ValueError("body too large")
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, status: int, body: bytes, content_type: str, headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, obj, headers=()):
        self._send(status, json.dumps(obj).encode(), "application/json;charset=utf-8", headers)

    def _html(self, status: int, page: str):
        self._send(status, page.encode("utf-8"), "text/html; charset=utf-8",
                   [("X-Frame-Options", "DENY"), ("X-Content-Type-Options", "nosniff")])

    def _redirect(self, location: str):
        self._send(302, b"", "text/plain; charset=utf-8", [("Location", location)])

    def _apply_failure(self, endpoint: str):
        """True if an injected failure answered (or dropped) the request."""
        rule = self.si.take_failure(endpoint)
        if rule is None:
            return None
        if rule.get("delay"):
            time.sleep(float(rule["delay"]))
        if rule.get("close"):
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return rule
        if rule.get("status") is None:
            return None                     # delay only, then handle normally
        body = rule.get("body")
        if body is None:
            body = {"status": "error", "message": "injected failure",
                    "correlationId": str(uuid.uuid4())}
        if not isinstance(body, str):
            body = json.dumps(body)
        ctype = rule.get("content_type")
        if not ctype:
            try:
                json.loads(body)
                ctype = "application/json;charset=utf-8"
            except ValueError:
                ctype = "text/plain; charset=utf-8"
        self._send(int(rule["status"]), body.encode("utf-8"), ctype)
        return rule

    def _dispatch(self):
        self.body = b""
        path = urlsplit(self.path).path
        try:
            self.body = self._read_body()
        except ValueError:
            self.close_connection = True
            return self._json(413, {"status": "error", "message": "request body too large"})
        m = "GET" if self.command == "HEAD" else self.command
        if path == "/oauth/authorize" or re.fullmatch(r"/oauth/\d+/authorize", path):
            return self._only(m, "GET", lambda: self.authorize(path))
        if path == "/oauth/authorize/decision":
            return self._only(m, "POST", self.decision)
        if path in TOKEN_PATHS:
            return self._only(m, "POST", lambda: self.token(TOKEN_PATHS[path]))
        if path == "/oauth/2026-03/token/introspect":
            return self._only(m, "POST", self.introspect)
        mt = re.fullmatch(r"/oauth/v1/(access|refresh)-tokens/([^/]+)", path)
        if mt:
            kind, tok = mt.group(1), unquote(mt.group(2))
            if m == "DELETE" and kind == "refresh":
                return self.revoke_refresh(tok)
            return self._only(m, "GET", lambda: self.metadata(kind, tok))
        if path == "/marketplace":
            return self._only(m, "GET", self.marketplace_listing)
        if path == "/marketplace/install":
            return self._only(m, "GET", self.marketplace_install)
        if path == "/marketplace/returned":
            return self._only(m, "GET", self.marketplace_returned)
        if path in LIFECYCLE_ROUTES:
            allowed, name = LIFECYCLE_ROUTES[path]
            handler = getattr(self, name)
            return handler() if allowed is None else self._only(m, allowed, handler)
        if path.startswith("/_standin/"):
            return self.control(m, path)
        return self._json(404, {"status": "error", "message": "Not found",
                                "correlationId": str(uuid.uuid4()), "category": "OBJECT_NOT_FOUND"})

    def _only(self, method, allowed, fn):
        if method != allowed:
            return self._send(405, b"method not allowed\n", "text/plain; charset=utf-8",
                              [("Allow", allowed)])
        return fn()

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = _dispatch

    # ----- authorize -----
    def _error_page(self, word: str, **fmt):
        text = _esc(ERROR_TEXTS[word].format(**fmt))
        page = (
            "<!doctype html>\n<html lang=\"en\"><head>" + PAGE_HEAD +
            "<title>Couldn't complete the connection | HubSpot</title></head>\n"
            f"<body><main data-error=\"{word}\">\n"
            "<h1>Couldn't complete the connection</h1>\n"
            f"<p class=\"error\">{text}</p>\n"
            "<p><small>HubSpot OAuth stand-in</small></p>\n"
            "</main></body></html>\n")
        return self._html(400, page)

    def authorize(self, path: str):
        if self._apply_failure("authorize"):
            return
        si = self.si
        params = {}
        for k, v in parse_qsl(urlsplit(self.path).query, keep_blank_values=True):
            params.setdefault(k, v)                   # first occurrence wins
        mh = re.fullmatch(r"/oauth/(\d+)/authorize", path)
        if params.get("client_id") != si.client_id:
            return self._error_page("invalid_client")
        redirect_uri = params.get("redirect_uri", "")
        if redirect_uri not in si.redirect_uris:
            return self._error_page("redirect_uri_mismatch", redirect_uri=f"'{redirect_uri}'")
        requested = split_scopes(params.get("scope", ""))
        optional = split_scopes(params.get("optional_scope", ""))
        if ("oauth" not in requested
                or any(s not in si.scopes for s in requested)
                or any(s not in si.optional_scopes and s not in si.scopes for s in optional)):
            return self._error_page("scope_mismatch")
        if any(s not in requested for s in si.scopes):
            return self._error_page("scopes_insufficient")
        if any(s in si.scopes for s in optional):
            return self._error_page("scope_mismatch")
        if mh and int(mh.group(1)) != si.hub_id:
            return self._error_page("account_unavailable", hub_id=mh.group(1))
        lacking = [s for s in requested if not si.account_has(s)]
        if lacking:
            return self._error_page("account_lacks_scopes", scopes=" ".join(lacking))
        granted = requested + [s for s in optional if si.account_has(s) and s not in requested]
        dropped = [s for s in optional if s not in granted]
        request_id = secrets.token_urlsafe(24)
        entry = {
            "created": time.monotonic(), "client_id": si.client_id,
            "redirect_uri": redirect_uri, "state": params.get("state"),
            "scopes": granted, "hub_id": si.hub_id,
            "code_challenge": params.get("code_challenge"),
            "code_challenge_method": params.get("code_challenge_method") or "plain",
        }
        with si.lock:
            now = time.monotonic()
            for k in [k for k, p in si.pending.items() if now - p["created"] > PENDING_TTL]:
                del si.pending[k]
            si.pending[request_id] = entry
        if si.auto_decision:
            return self._decide(request_id, si.auto_decision)
        return self._html(200, self._consent_page(request_id, entry, dropped))

    def _consent_page(self, request_id, entry, dropped) -> str:
        si = self.si
        items = "".join(f"<li><code>{_esc(s)}</code> &mdash; {_esc(describe_scope(s))}</li>\n"
                        for s in entry["scopes"])
        dropped_html = ""
        if dropped:
            dropped_html = ("<p>Not available in this account (will not be granted):</p>\n<ul>"
                            + "".join(f"<li><code>{_esc(s)}</code> &mdash; {_esc(describe_scope(s))}</li>"
                                      for s in dropped) + "</ul>\n")
        host = urlsplit(si.install_url if entry.get("install") else entry["redirect_uri"]).netloc
        return (
            "<!doctype html>\n<html lang=\"en\"><head>" + PAGE_HEAD +
            f"<title>Connect {_esc(si.app_name)} | HubSpot</title></head>\n<body><main>\n"
            f"<h1>Connect {_esc(si.app_name)} to your HubSpot account</h1>\n"
            f"<p>Account: <strong>{_esc(si.hub_domain)}</strong> (Hub ID {_esc(si.hub_id)}), "
            f"signed in as {_esc(si.user)}</p>\n"
            f"<p>{_esc(si.app_name)} is requesting access to:</p>\n<ul>\n{items}</ul>\n"
            f"{dropped_html}"
            f"<p>After connecting you will be sent to <code>{_esc(host)}</code>.</p>\n"
            "<form method=\"post\" action=\"/oauth/authorize/decision\">\n"
            f"<input type=\"hidden\" name=\"request_id\" value=\"{_esc(request_id)}\">\n"
            "<button type=\"submit\" name=\"decision\" value=\"connect\">Connect app</button>\n"
            "<button type=\"submit\" name=\"decision\" value=\"cancel\">Cancel</button>\n"
            "</form>\n</main></body></html>\n")

    def decision(self):
        if self._apply_failure("decision"):
            return
        form = dict(parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True))
        return self._decide(form.get("request_id", ""), form.get("decision", ""))

    def _decide(self, request_id: str, decision: str):
        si = self.si
        if decision not in ("connect", "cancel"):
            return self._send(400, b"unknown decision\n", "text/plain; charset=utf-8")
        with si.lock:
            entry = si.pending.pop(request_id, None)
            if entry is None or time.monotonic() - entry["created"] > PENDING_TTL:
                entry = None
            elif decision == "connect":
                code = "na1-" + str(uuid.uuid4())
                si.codes[code] = dict(entry, created=time.monotonic(), used=False)
            install = si.installs.get(entry["install"]) if entry and entry.get("install") else None
            if install is not None:
                install["status"] = "sent" if decision == "connect" else "cancelled"
                install["code"] = code if decision == "connect" else None
        if entry is None:
            return self._error_page("request_expired")
        if install is not None:
            if decision == "cancel":
                return self._redirect(install["return_url"])
            if install["flow"] == "direct":
                pairs = [("code", code), ("returnUrl", install["return_url"])]
            else:
                pairs = [("step", "finalize"), ("code", code), ("state", install["state"]),
                         ("returnUrl", install["return_url"])]
            return self._redirect(append_query(install["install_url"], pairs))
        if decision == "connect":
            pairs = [("code", code)]
            if entry["state"] is not None:
                pairs.append(("state", entry["state"]))
        else:
            pairs = [("error", "access_denied"),
                     ("error_description", "The user declined to connect the app")]
            if si.error_includes_state and entry["state"] is not None:
                pairs.append(("state", entry["state"]))
        return self._redirect(append_query(entry["redirect_uri"], pairs))

    # ----- App Marketplace -----
    def marketplace_listing(self):
        si = self.si
        main = (f"<h1>{_esc(si.app_name)} on the HubSpot App Marketplace</h1>\n"
                f"<p>Connect {_esc(si.app_name)} to <strong>{_esc(si.hub_domain)}</strong>.</p>\n"
                "<p><a class=\"button\" href=\"/marketplace/install\">Install app</a></p>\n")
        return self._html(200, _page(f"{si.app_name} | App Marketplace", main, ' data-page="listing"'))

    def _marketplace_consent(self, install: dict):
        """HubSpot's consent page for a Marketplace install (or the error HubSpot shows instead)."""
        si = self.si
        lacking = [s for s in si.scopes if not si.account_has(s)]
        if lacking:
            return self._error_page("account_lacks_scopes", scopes=" ".join(lacking))
        granted = list(si.scopes) + [s for s in si.optional_scopes if si.account_has(s)]
        dropped = [s for s in si.optional_scopes if not si.account_has(s)]
        request_id = secrets.token_urlsafe(24)
        entry = {"created": time.monotonic(), "client_id": si.client_id,
                 "redirect_uri": si.redirect_uris[0], "state": None, "scopes": granted,
                 "hub_id": si.hub_id, "code_challenge": None, "code_challenge_method": "plain",
                 "install": install["id"]}
        with si.lock:
            si.pending[request_id] = entry
            install["status"] = "consent"
        if si.auto_decision:
            return self._decide(request_id, si.auto_decision)
        return self._html(200, self._consent_page(request_id, entry, dropped))

    def marketplace_install(self):
        si = self.si
        query = parse_qsl(urlsplit(self.path).query, keep_blank_values=True)
        flow = dict(query).get("flow") or si.marketplace_flow
        if flow not in MARKETPLACE_FLOWS:
            return self._send(400, b"unknown flow\n", "text/plain; charset=utf-8")
        if not si.install_url:
            return self._error_page("no_install_url")
        install_id = secrets.token_urlsafe(12)
        return_url = f"{si.public_url}/marketplace/returned?install={install_id}"
        install = {"id": install_id, "flow": flow, "status": "authorizing", "state": None, "code": None,
                   "install_url": si.install_url, "return_url": return_url, "created": time.time()}
        with si.lock:
            si.installs[install_id] = install
        if flow == "direct":
            return self._marketplace_consent(install)
        return self._redirect(append_query(si.install_url, [("step", "authorize"), ("returnUrl", return_url)]))

    def marketplace_returned(self):
        si = self.si
        query = parse_qsl(urlsplit(self.path).query, keep_blank_values=True)
        ids = [v for k, v in query if k == "install"]
        with si.lock:
            install = si.installs.get(ids[0]) if len(ids) == 1 else None
        if install is None:
            return self._error_page("install_link_invalid")
        if install["flow"] == "sign-in" and install["status"] in ("authorizing", "consent"):
            # The app's answer to step=authorize: R with exactly one state added to its query.
            states = [v for k, v in query if k == "state"]
            if len(states) != 1 or not states[0]:
                return self._error_page("state_missing")
            if install["status"] == "consent" and states[0] != install["state"]:
                return self._error_page("install_link_invalid")
            install["state"] = states[0]
            return self._marketplace_consent(install)
        if install["status"] == "cancelled":
            main = (f"<h1>{_esc(si.app_name)} was not installed</h1>\n"
                    "<p>You cancelled the install. Nothing was connected.</p>\n"
                    "<p><a class=\"button\" href=\"/marketplace\">Back to the App Marketplace</a></p>\n")
            return self._html(200, _page("Install cancelled", main, ' data-page="cancelled"'))
        if install["status"] not in ("sent", "returned"):
            return self._error_page("install_link_invalid")
        install["status"] = "returned"
        with si.lock:
            exchanged = bool(install["code"] and si.codes.get(install["code"], {}).get("used"))
        if not exchanged:
            # HubSpot counts an install only once the app has exchanged the code for tokens; until
            # then the person is back on HubSpot without the app installed.
            main = (f"<h1>{_esc(si.app_name)} isn't installed yet</h1>\n"
                    "<p>The app sent you back to HubSpot, but it hasn't exchanged the install code for "
                    "tokens, so nothing is connected yet.</p>\n"
                    "<p><a class=\"button\" href=\"/marketplace\">Back to the App Marketplace</a></p>\n")
            return self._html(200, _page("App not installed yet", main, ' data-page="pending" data-exchanged="no"'))
        main = (f"<h1>{_esc(si.app_name)} is installed</h1>\n"
                f"<p>Account: <strong>{_esc(si.hub_domain)}</strong> (Hub ID {_esc(si.hub_id)})</p>\n"
                "<p>The app exchanged the install code for tokens.</p>\n"
                "<p><a class=\"button\" href=\"/marketplace\">Back to the App Marketplace</a></p>\n")
        return self._html(200, _page("App installed", main, ' data-page="installed" data-exchanged="yes"'))

    # ----- token endpoint -----
    def _content_type(self) -> str:
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()

    def _form(self) -> list:
        if self._content_type() != FORM_TYPE:
            return []
        return parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True)

    def token(self, version: str):
        si = self.si
        query = urlsplit(self.path).query
        body_pairs = self._form()
        query_pairs = parse_qsl(query, keep_blank_values=True)
        params = {}
        for k, v in body_pairs + (query_pairs if version == "v1" else []):
            params.setdefault(k, v)
        with si.lock:
            rec = {"id": len(si.requests) + 1, "time": time.time(), "endpoint": "token",
                   "version": version, "method": self.command, "path": urlsplit(self.path).path,
                   "query": _redact_query(query_pairs), "content_type": self.headers.get("Content-Type"),
                   "params": {k: (REDACTED if k == "client_secret" else v) for k, v in params.items()},
                   "status": None, "response": None, "injected": False}
            si.requests.append(rec)
        rule = self._apply_failure("token")
        if rule:
            rec["injected"] = True
            rec["status"] = None if rule.get("close") else int(rule["status"])
            return
        if si.token_delay:
            time.sleep(si.token_delay)
        status, obj = self._token_result(version, params, query_pairs, bool(body_pairs))
        rec["status"], rec["response"] = status, obj
        return self._json(status, obj)

    def _token_result(self, version, params, query_pairs, had_body):
        si = self.si
        legacy = version == "v1"
        cid = str(uuid.uuid4())

        def fail(status_word, message, rfc_error):
            obj = {"status": status_word, "message": message, "correlationId": cid}
            if not legacy:
                obj["error"] = rfc_error
                obj["error_description"] = message
            return 400, obj

        def invalid(message, errors, rfc_error="invalid_request"):
            return 400, {"status": "error", "message": message, "correlationId": cid,
                         "category": "VALIDATION_ERROR", "errors": errors,
                         "error": rfc_error, "error_description": message}

        def missing(names):
            return invalid("Missing required parameter(s): " + ", ".join(names),
                           [{"message": f"{n} is required", "code": "REQUIRED", "in": n}
                            for n in names])

        if not legacy:
            if query_pairs:
                names = sorted({k for k, _ in query_pairs})
                return invalid("Parameters must be sent in the request body as "
                               "application/x-www-form-urlencoded, not in the query string",
                               [{"message": f"{n} is not allowed in the query string",
                                 "code": "NOT_ALLOWED", "in": n} for n in names])
            if self._content_type() != FORM_TYPE:
                return invalid("Content-Type must be application/x-www-form-urlencoded",
                               [{"message": "unsupported content type", "code": "INVALID_FORMAT",
                                 "in": "Content-Type"}])

        grant_type = params.get("grant_type", "")
        if grant_type not in ("authorization_code", "refresh_token"):
            if legacy:
                return fail("BAD_GRANT_TYPE", "missing or invalid grant_type", "unsupported_grant_type")
            if not grant_type:
                return missing(["grant_type"])
            return invalid("Unsupported grant_type",
                           [{"message": "grant_type must be authorization_code or refresh_token",
                             "code": "INVALID_ENUM", "in": "grant_type"}], "unsupported_grant_type")
        needed = ["client_id", "client_secret"] + (
            ["redirect_uri", "code"] if grant_type == "authorization_code" else ["refresh_token"])
        absent = [n for n in needed if not params.get(n)]
        if absent and not legacy:
            return missing(absent)
        if params.get("client_id") != si.client_id:
            return fail("BAD_CLIENT_ID", "missing or invalid client id", "invalid_client")
        if not secrets.compare_digest(params.get("client_secret", "").encode(),
                                      si.client_secret.encode()):
            return fail("BAD_CLIENT_SECRET", "missing or invalid client secret", "invalid_client")

        with si.lock:
            if grant_type == "refresh_token":
                result = self._refresh_grant(params, fail, legacy, cid)
                if result[0] != 200:
                    return result
                out = result[1]
            else:
                code = params.get("code", "")
                entry = si.codes.get(code)
                if entry is None or entry["used"] or entry["client_id"] != params["client_id"]:
                    return fail("BAD_AUTH_CODE", "missing or unknown auth code", "invalid_grant")
                if time.monotonic() - entry["created"] > si.code_ttl:
                    return fail("EXPIRED_AUTH_CODE", "auth code expired", "invalid_grant")
                if params.get("redirect_uri") != entry["redirect_uri"]:
                    return fail("BAD_REDIRECT_URI",
                                "redirect_uri does not match the redirect_uri used to obtain the code",
                                "invalid_grant")
                if entry.get("code_challenge") and not _pkce_ok(
                        entry["code_challenge"], entry["code_challenge_method"],
                        params.get("code_verifier", "")):
                    return fail("BAD_AUTH_CODE", "code_verifier does not match" if params.get("code_verifier")
                                else "code_verifier is required: the authorize request had a code_challenge",
                                "invalid_grant")
                entry["used"] = True                      # single use, atomically under the lock
                grant = {"client_id": entry["client_id"], "hub_id": entry["hub_id"],
                         "scopes": list(entry["scopes"]), "user": si.user,
                         "user_id": si.user_id, "hub_domain": si.hub_domain, "app_id": si.app_id,
                         "hublet": si.hublet}
                out = si.issue_tokens(grant)
        if version == "2026-03":
            out["user_id"] = si.user_id
        return 200, out

    # ----- metadata / introspection -----
    def metadata(self, kind: str, tok: str):
        if self._apply_failure("metadata"):
            return
        si = self.si
        with si.lock:
            grant = (si.access_tokens if kind == "access" else si.refresh_tokens).get(tok)
            if grant is not None and kind == "access" and grant["expires_at"] <= time.time():
                grant = None
        if grant is None:
            return self._json(404, {"status": "error", "message": f"{kind} token not found",
                                    "correlationId": str(uuid.uuid4()),
                                    "category": "OBJECT_NOT_FOUND"})
        obj = {"token": tok, "user": grant["user"], "hub_domain": grant["hub_domain"],
               "scopes": list(grant["scopes"]), "hub_id": grant["hub_id"],
               "app_id": grant["app_id"], "user_id": grant["user_id"]}
        if kind == "access":
            obj.update(token_type="access", expires_in=max(0, int(grant["expires_at"] - time.time())),
                       scope_to_scope_group_pks=[], trial_scopes=[],
                       trial_scope_to_scope_group_pks=[])
        else:
            obj.update(token_type="refresh", client_id=grant["client_id"])
        return self._json(200, obj)

    def revoke_refresh(self, tok: str):
        si = self.si
        with si.lock:
            grant = si.refresh_tokens.pop(tok, None)
            for a in [a for a, g in si.access_tokens.items() if g["refresh_token"] == tok]:
                del si.access_tokens[a]
        if grant is None:
            return self._json(404, {"status": "error", "message": "refresh token not found",
                                    "correlationId": str(uuid.uuid4()),
                                    "category": "OBJECT_NOT_FOUND"})
        return self._send(204, b"", "text/plain")

    def introspect(self):
        si = self.si
        query_pairs = parse_qsl(urlsplit(self.path).query, keep_blank_values=True)
        params = {}
        for k, v in self._form():
            params.setdefault(k, v)
        with si.lock:
            rec = {"id": len(si.requests) + 1, "time": time.time(), "endpoint": "introspect",
                   "version": "2026-03", "method": self.command, "path": urlsplit(self.path).path,
                   "query": _redact_query(query_pairs), "content_type": self.headers.get("Content-Type"),
                   "params": {k: (REDACTED if k == "client_secret" else v) for k, v in params.items()},
                   "status": None, "response": None, "injected": False}
            si.requests.append(rec)
        rule = self._apply_failure("introspect")
        if rule:
            rec["injected"] = True
            rec["status"] = None if rule.get("close") else int(rule["status"])
            return
        status, obj = self._introspect_result(params, query_pairs)
        rec["status"], rec["response"] = status, obj
        return self._json(status, obj)

    def _introspect_result(self, params, query_pairs):
        si = self.si
        cid = str(uuid.uuid4())
        absent = [n for n in ("client_id", "client_secret", "token") if not params.get(n)]
        if query_pairs or self._content_type() != FORM_TYPE or absent:
            msg = ("Parameters must be sent in the request body as application/x-www-form-urlencoded"
                   if query_pairs or self._content_type() != FORM_TYPE
                   else "Missing required parameter(s): " + ", ".join(absent))
            return 400, {"status": "error", "message": msg, "correlationId": cid,
                         "category": "VALIDATION_ERROR",
                         "errors": [{"message": f"{n} is required", "code": "REQUIRED", "in": n}
                                    for n in absent],
                         "error": "invalid_request", "error_description": msg}
        if params["client_id"] != si.client_id or not secrets.compare_digest(
                params["client_secret"].encode(), si.client_secret.encode()):
            return 400, {"status": "BAD_CLIENT_SECRET" if params["client_id"] == si.client_id
                         else "BAD_CLIENT_ID", "message": "invalid client credentials",
                         "correlationId": cid, "error": "invalid_client",
                         "error_description": "invalid client credentials"}
        tok, hint = params["token"], params.get("token_type_hint", "")
        order = ["refresh", "access"] if hint == "refresh_token" else ["access", "refresh"]
        with si.lock:
            for kind in order:
                grant = (si.access_tokens if kind == "access" else si.refresh_tokens).get(tok)
                if grant is None or grant["client_id"] != si.client_id:
                    continue
                if kind == "access" and grant["expires_at"] <= time.time():
                    continue
                obj = {"active": True, "token_type": f"{kind}_token", "client_id": grant["client_id"],
                       "hub_id": grant["hub_id"], "hub_domain": grant["hub_domain"],
                       "user": grant["user"], "user_id": grant["user_id"], "app_id": grant["app_id"],
                       "scopes": list(grant["scopes"]), "scope": " ".join(grant["scopes"]),
                       "iat": int(grant["issued_at"])}
                if kind == "access":
                    obj["exp"] = int(grant["expires_at"])
                    obj["expires_in"] = max(0, int(grant["expires_at"] - time.time()))
                    obj["signed_access_token"] = self._signed_access_token(grant)
                return 200, obj
        return 200, {"active": False}

    # ----- test control -----
    def control(self, method: str, path: str):
        si = self.si
        try:
            data = json.loads(self.body or b"{}")
        except ValueError:
            return self._json(400, {"error": "body must be JSON"})
        if path == "/_standin/requests" and method == "GET":
            with si.lock:
                return self._json(200, json.loads(json.dumps(si.requests)))
        if path == "/_standin/reset" and method == "POST":
            si.reset()
            return self._json(200, {"ok": True})
        if path == "/_standin/config" and method == "GET":
            return self._json(200, si.public_config())
        if path == "/_standin/installs" and method == "GET":
            with si.lock:
                return self._json(200, json.loads(json.dumps(si.installs)))
        if path == "/_standin/config" and method == "POST":
            if not isinstance(data, dict):
                return self._json(400, {"error": "expected a JSON object"})
            unknown = set(data) - {"account_scopes", "auto_decision", "error_includes_state",
                                   "code_ttl", "token_delay", "access_token_ttl", "install_url",
                                   "marketplace_flow"}
            if unknown:
                return self._json(400, {"error": "unknown keys: " + ", ".join(sorted(unknown))})
            if data.get("auto_decision") not in (None, "connect", "cancel"):
                return self._json(400, {"error": "auto_decision must be connect, cancel or null"})
            if "marketplace_flow" in data and data["marketplace_flow"] not in MARKETPLACE_FLOWS:
                return self._json(400, {"error": "marketplace_flow must be sign-in or direct"})
            with si.lock:
                if "account_scopes" in data:
                    a = data["account_scopes"]
                    si.account_scopes = None if a is None else split_scopes(a)
                if "auto_decision" in data:
                    si.auto_decision = data["auto_decision"]
                if "error_includes_state" in data:
                    si.error_includes_state = bool(data["error_includes_state"])
                if "install_url" in data:
                    si.install_url = data["install_url"]
                if "marketplace_flow" in data:
                    si.marketplace_flow = data["marketplace_flow"]
                for k, conv in (("code_ttl", float), ("token_delay", float), ("access_token_ttl", int)):
                    if k in data:
                        setattr(si, k, conv(data[k]))
            return self._json(200, si.public_config())
        if path == "/_standin/fail" and method == "POST":
            if not isinstance(data, dict):
                return self._json(400, {"error": "expected a JSON object"})
            endpoint = data.get("endpoint", "token")
            if endpoint not in ("token", "introspect", "metadata", "authorize", "decision", "revoke", "uninstall",
                                "any"):
                return self._json(400, {"error": "unknown endpoint"})
            rule = {"endpoint": endpoint, "status": data.get("status"),
                    "body": data.get("body"), "count": int(data.get("count", 1)),
                    "delay": float(data.get("delay", 0) or 0),
                    "content_type": data.get("content_type"), "close": bool(data.get("close"))}
            if rule["status"] is None and not rule["close"] and "delay" not in data:
                rule["status"] = 500
            if rule["count"] < 0:
                return self._json(400, {"error": "count must be >= 0"})
            with si.lock:
                si.failures.append(rule)
            return self._json(200, {"ok": True, "rule": rule})
        return self._json(404, {"error": "unknown control endpoint or method"})


    # ----- token lifecycle: refresh, revoke, uninstall (kept together, apart from the rest) -----
    def _refresh_grant(self, params, fail, legacy, cid):
        """The refresh_token grant; the caller holds si.lock. Returns (status, answer)."""
        si = self.si
        old = params.get("refresh_token", "")
        grant = si.refresh_tokens.get(old)
        if grant is None or grant["client_id"] != params["client_id"]:
            message = "missing or invalid refresh token"
            shape = "legacy" if legacy else si.refresh_error_shape
            if shape == "rfc":
                return 400, {"error": "invalid_grant", "error_description": message, "correlationId": cid}
            if shape == "legacy":
                return 400, {"status": "BAD_REFRESH_TOKEN", "message": message, "correlationId": cid}
            return fail("BAD_REFRESH_TOKEN", message, "invalid_grant")
        if not si.rotate_refresh_tokens:
            return 200, si.issue_tokens(grant, refresh_token=old)
        del si.refresh_tokens[old]
        return 200, si.issue_tokens(grant)

    def _signed_access_token(self, grant) -> dict:
        return {"expiresAt": int(grant["expires_at"] * 1000), "scopes": " ".join(grant["scopes"]),
                "hubId": grant["hub_id"], "userId": grant["user_id"], "appId": grant["app_id"],
                "hublet": grant.get("hublet", self.si.hublet), "isUserLevel": False, "isServiceAccount": False}

    def _record(self, endpoint: str, params: dict) -> dict:
        si = self.si
        with si.lock:
            rec = {"id": len(si.requests) + 1, "time": time.time(), "endpoint": endpoint,
                   "version": "2026-03", "method": self.command, "path": urlsplit(self.path).path,
                   "query": _redact_query(parse_qsl(urlsplit(self.path).query, keep_blank_values=True)),
                   "content_type": self.headers.get("Content-Type"),
                   "params": {k: (REDACTED if k == "client_secret" else v) for k, v in params.items()},
                   "authorization": "Bearer" if (self.headers.get("Authorization") or "").startswith("Bearer ")
                   else None,
                   "status": None, "response": None, "injected": False}
            si.requests.append(rec)
        return rec

    def _drop_tokens(self, refresh=None, hub_id=None):
        """Forget a refresh token (and the access tokens issued with it), or every token of an
        account. The caller holds si.lock."""
        si = self.si
        gone = [r for r, g in si.refresh_tokens.items() if r == refresh or g["hub_id"] == hub_id]
        for r in gone:
            del si.refresh_tokens[r]
        for a in [a for a, g in si.access_tokens.items()
                  if g["refresh_token"] in gone or g["refresh_token"] == refresh or g["hub_id"] == hub_id]:
            del si.access_tokens[a]

    def lifecycle_revoke(self):
        si = self.si
        params = {}
        for k, v in self._form():
            params.setdefault(k, v)
        rec = self._record("revoke", params)
        rule = self._apply_failure("revoke")
        if rule:
            rec["injected"] = True
            rec["status"] = None if rule.get("close") else int(rule["status"])
            return
        cid = str(uuid.uuid4())
        absent = [n for n in ("client_id", "client_secret", "token") if not params.get(n)]
        if urlsplit(self.path).query or self._content_type() != FORM_TYPE or absent:
            status, obj = 400, {"status": "error", "category": "VALIDATION_ERROR", "correlationId": cid,
                                "message": "Missing or misplaced parameter(s): " + ", ".join(absent or ["query"]),
                                "error": "invalid_request"}
        elif params["client_id"] != si.client_id or not secrets.compare_digest(
                params["client_secret"].encode(), si.client_secret.encode()):
            status, obj = 400, {"status": "BAD_CLIENT_SECRET" if params["client_id"] == si.client_id
                                else "BAD_CLIENT_ID", "message": "invalid client credentials",
                                "correlationId": cid, "error": "invalid_client"}
        else:
            tok = params["token"]
            with si.lock:
                kind = ("refresh" if tok in si.refresh_tokens else
                        "access" if tok in si.access_tokens else None)
                if kind == "refresh":
                    self._drop_tokens(refresh=tok)
                elif kind == "access":
                    del si.access_tokens[tok]
                si.revocations.append({"kind": kind, "hint": params.get("token_type_hint")})
            status, obj = 200, None
        rec["status"], rec["response"] = status, obj
        if obj is None:
            return self._send(200, b"", "application/json;charset=utf-8")
        return self._json(status, obj)

    def lifecycle_uninstall(self):
        si = self.si
        rec = self._record("uninstall", {})
        rule = self._apply_failure("uninstall")
        if rule:
            rec["injected"] = True
            rec["status"] = None if rule.get("close") else int(rule["status"])
            return
        auth = self.headers.get("Authorization") or ""
        tok = auth[len("Bearer "):] if auth.startswith("Bearer ") else ""
        with si.lock:
            grant = si.access_tokens.get(tok)
            if grant is not None and grant["expires_at"] <= time.time():
                grant = None
            if grant is not None:
                self._drop_tokens(hub_id=grant["hub_id"])
                si.uninstalls.append(grant["hub_id"])
        if grant is None:
            rec["status"] = 401
            return self._json(401, {"status": "error", "category": "INVALID_AUTHENTICATION",
                                    "message": "Authentication credentials not found.",
                                    "correlationId": str(uuid.uuid4())})
        rec["status"] = 204
        return self._send(204, b"", "text/plain")

    def lifecycle_control(self):
        si = self.si
        if self.command == "POST":
            try:
                data = json.loads(self.body or b"{}")
            except ValueError:
                return self._json(400, {"error": "body must be JSON"})
            if not isinstance(data, dict) or set(data) - {"rotate_refresh_tokens", "refresh_error_shape"}:
                return self._json(400, {"error": "expected rotate_refresh_tokens and/or refresh_error_shape"})
            if data.get("refresh_error_shape", "both") not in REFRESH_ERROR_SHAPES:
                return self._json(400, {"error": "unknown refresh_error_shape"})
            with si.lock:
                if "rotate_refresh_tokens" in data:
                    si.rotate_refresh_tokens = bool(data["rotate_refresh_tokens"])
                if "refresh_error_shape" in data:
                    si.refresh_error_shape = data["refresh_error_shape"]
        elif self.command not in ("GET", "HEAD"):
            return self._send(405, b"method not allowed\n", "text/plain; charset=utf-8", [("Allow", "GET, POST")])
        with si.lock:
            return self._json(200, {
                "rotate_refresh_tokens": si.rotate_refresh_tokens,
                "refresh_error_shape": si.refresh_error_shape,
                "refresh_requests": sum(1 for r in si.requests if r["endpoint"] == "token"
                                        and r["params"].get("grant_type") == "refresh_token"),
                "revocations": list(si.revocations), "uninstalls": list(si.uninstalls)})

    def lifecycle_uninstall_account(self):
        si = self.si
        try:
            hub_id = int(json.loads(self.body or b"{}")["hub_id"])
        except (ValueError, KeyError, TypeError):
            return self._json(400, {"error": "expected {\"hub_id\": N}"})
        with si.lock:
            self._drop_tokens(hub_id=hub_id)
        return self._json(200, {"ok": True})


def _redact_query(pairs) -> dict:
    out = {}
    for k, v in pairs:
        out.setdefault(k, REDACTED if k == "client_secret" else v)
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="Local stand-in for HubSpot's OAuth 2.0 server.")
    p.add_argument("--port", type=int, default=0, help="0 = pick a free port")
    p.add_argument("--client-id", required=True)
    p.add_argument("--client-secret", required=True)
    p.add_argument("--redirect-uri", action="append", required=True, dest="redirect_uris",
                   help="a registered redirect URL (repeatable)")
    p.add_argument("--scopes", default="oauth", help="the app's configured required scopes")
    p.add_argument("--optional-scopes", default="", help="the app's configured optional scopes")
    p.add_argument("--account-scopes", default=None,
                   help="scopes the test account's tier has (default: all)")
    p.add_argument("--hub-id", type=int, default=12345)
    p.add_argument("--hub-domain", default="example.hubspot.com")
    p.add_argument("--code-ttl", type=float, default=60)
    p.add_argument("--token-delay", type=float, default=0)
    p.add_argument("--access-token-ttl", type=int, default=1800)
    p.add_argument("--error-includes-state", action="store_true")
    p.add_argument("--auto-decision", choices=["connect", "cancel"], default=None,
                   help="skip the consent page and act as if this button was pressed")
    p.add_argument("--app-name", default="Test app")
    p.add_argument("--install-url", default=None,
                   help="the app's install URL in its Marketplace listing (enables /marketplace)")
    p.add_argument("--marketplace-flow", choices=list(MARKETPLACE_FLOWS), default="sign-in",
                   help="how HubSpot calls the install URL: with partner sign-in, or direct")
    p.add_argument("--public-url", default=None,
                   help="where browsers reach the stand-in (default http://localhost:PORT)")
    p.add_argument("--hublet", default="na1")
    p.add_argument("--rotate-refresh-tokens", action="store_true",
                   help="every refresh answers a new refresh token and retires the old one")
    p.add_argument("--refresh-error-shape", choices=REFRESH_ERROR_SHAPES, default="both")
    p.add_argument("--ready-file", default=None, help="write the bound port here once listening")
    p.add_argument("--log", action="store_true", help="log requests (paths only) to stderr")
    a = p.parse_args(argv)
    si = StandIn(client_id=a.client_id, client_secret=a.client_secret,
                 redirect_uris=a.redirect_uris, scopes=a.scopes, optional_scopes=a.optional_scopes,
                 account_scopes=a.account_scopes, hub_id=a.hub_id, hub_domain=a.hub_domain,
                 code_ttl=a.code_ttl, token_delay=a.token_delay,
                 access_token_ttl=a.access_token_ttl, error_includes_state=a.error_includes_state,
                 auto_decision=a.auto_decision, app_name=a.app_name, hublet=a.hublet,
                 rotate_refresh_tokens=a.rotate_refresh_tokens,
                 refresh_error_shape=a.refresh_error_shape, install_url=a.install_url,
                 marketplace_flow=a.marketplace_flow, public_url=a.public_url, port=a.port,
                 ready_file=a.ready_file, log=a.log)
    server = si.bind()

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"listening on {si.url}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
