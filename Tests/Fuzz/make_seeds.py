#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz harnesses (Tests/Fuzz/corpus/<harness>/), each seed laid out
as its harness reads its input (Sources/FuzzHarnesses). States and receipts are real: minted with the
harnesses' fixed key (32 bytes of 0x5A), the way StateSigner and InstallReceipt do; sealed tokens
too, with the same key, the way SealedToken does (with Python's cryptography package)."""
import base64, hashlib, hmac, os, shutil, struct

from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

KEY = bytes([0x5A]) * 32
NOW = 1_790_000_000
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def b64(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def key_id(key):
    return hashlib.sha256(b"hubspot-install state key id\0" + key).digest()[:4]


def state(binding, nonce, issued_at):
    payload = bytes([1]) + key_id(KEY) + struct.pack(">q", issued_at) + nonce
    tag = hmac.new(KEY, b"hubspot-install state v1\0" + payload + binding, hashlib.sha256).digest()
    return b64(payload + tag)


def receipt(account, scopes, issued_at):
    body = bytes([1]) + struct.pack(">q", issued_at)
    for field in (account.encode(), " ".join(scopes).encode()):
        body += struct.pack(">H", len(field)) + field
    return b64(body + hmac.new(KEY, b"hubspot-install receipt v1\0" + body, hashlib.sha256).digest())


def token_key_id(key):
    return b64(hashlib.sha256(b"hubspot-install token key id\0" + key).digest()[:6])


def sealed_token(token, hub_id, field, key=KEY, nonce=bytes(range(12))):
    key_id = token_key_id(key)
    aad = b"hubspot-install sealed token\0v1\0" + key_id.encode() + b"\0" + struct.pack(">q", hub_id) + field.encode()
    return f"sealed:v1:{key_id}:" + b64(nonce + ChaCha20Poly1305(key).encrypt(nonce, token.encode(), aad))


def sealed_input(stored, hub_id, field):
    """The sealed-token-opening harness's "stored text" case: mode, column, hub id, the text."""
    return b"\x00" + (b"\x01" if field == "refresh" else b"\x00") + struct.pack(">q", hub_id) + stored.encode()


BINDING = bytes(range(32))
NONCE = bytes(range(100, 132))
STATE = state(BINDING, NONCE, NOW - 30)
CODE = "na1-4f3c2b1a-9e8d-4c7b-a6f5-e4d3c2b1a098"

seeds = {
    "callback-query": {
        "success": f"code={CODE}&state={STATE}",
        "state-first": f"state={STATE}&code={CODE}",
        "denied": "error=access_denied&error_description=The+user+denied+access",
        "error-with-state": f"error=access_denied&state={STATE}",
        "duplicated-code": f"code={CODE}&code=other&state={STATE}",
        "percent-encoded": "code=na1%2Dabc%20def&state=a%2Bb+c&x=%E2%82%AC",
        "broken-escape": "code=abc%4&state=%zz",
        "empty": "",
    },
    "percent-decoding": {
        "plain": STATE,
        "escapes": "a%20b+c%2B%E2%82%AC",
        "broken": "%4",
        "not-utf8": "%C3%28",
    },
    "url-parts": {
        "redirect": "https://install.example.com/oauth/callback",
        "local": "http://localhost:8080/oauth/callback?x=1#top",
        "ipv6": "https://[::1]:8443/",
        "userinfo": "https://user:pass@example.com/",
        "token-url": "https://api.hubapi.com/oauth/v1/token",
    },
    "cookie-header": {
        "https": b"\x01" + BINDING + f"__Host-hubspot-install={b64(BINDING)}; other=1".encode(),
        "http": b"\x00" + BINDING + f"hubspot-install={b64(BINDING)}".encode(),
        "duplicated": b"\x00" + BINDING + f"hubspot-install={b64(BINDING)}; hubspot-install=AAAA".encode(),
        "malformed": b"\x01" + BINDING + b"__Host-hubspot-install=not base64!; _ga=GA1.2.3",
        "receipt": b"\x00" + BINDING + f"hubspot-install-receipt={receipt('12345678', [], NOW)}".encode(),
    },
    "state-verification": {
        # mode, binding, clock offset, then the mode's fields
        "genuine-text": b"\x00" + BINDING + b"\x00\x00" + STATE.encode(),
        "other-text": b"\x00" + bytes(32) + b"\x00\x00" + STATE.encode(),
        "token-bytes": b"\x01" + BINDING + b"\x00\x00" + base64.urlsafe_b64decode(STATE + "=" * (-len(STATE) % 4)),
        "minted": b"\x02" + BINDING + b"\x00\x00" + struct.pack(">i", -30) + NONCE + b"\x05\x01",
        "minted-expired": b"\x02" + BINDING + b"\x00\x00" + struct.pack(">i", -700) + NONCE + b"\x05\x01",
        "minted-future": b"\x02" + BINDING + b"\x00\x00" + struct.pack(">i", 120) + NONCE + b"\x05\x01",
    },
    "receipt-opening": {
        # forged flag (odd), clock offset, then a cookie value or a body to sign
        "sealed": b"\x01\x00\x00" + receipt("12345678", ["automation"], NOW).encode(),
        "body": b"\x00\x00\x00" + struct.pack(">i", 0) + b"\x00\x08acme.com\x00\x0aautomation",
        "body-short-field": b"\x00\x00\x00" + struct.pack(">i", 0) + b"\xff\xff",
    },
    "environment-file": {
        "systemd": open(os.path.join(os.path.dirname(ROOT), "..", "..", "deploy", "systemd", "hubspot-install.env"),
                        "rb").read(),
        "quotes": b"export A='one'\nB=\"two words\"\n; comment\n# comment\n\nC = x=y\nnot a line\n1BAD-KEY=v\n",
    },
    "hook-answer": {
        "answer": b"\x00\x10" + b'{"redirect":"https://app.example.com/welcome?hub=123","account":"12345678"}\n',
        "nothing": b"\x00\x00",
        "blank": b"\x00\x01 \n\t\r\n",
        "local": b"\x00\x05" + b'{"redirect":"http://localhost:3000/done"}',
        "not-string": b"\x00\x00" + b'{"redirect":5}',
        "overflow": b"\x01\x10\x04" + b'{"account":"a very long account name"}',
        "backslash": b"\x00\x00" + b'{"redirect":"https://a.example\\\\@evil.example/"}',
    },
    "token-endpoint-answer": {
        "tokens": b"\x00" + b'{"token_type":"bearer","refresh_token":"na1-8e4f-1d2c","access_token":"CJSP5qf1KhICAQEYs-gDIIGOBii1hQIyGQAf3xBKmlwHjX7OIpuIFEavB2-qYAGQsF4","expires_in":1800,"hub_id":12345,"scopes":["oauth","crm.objects.contacts.read"]}',
        "tokens-old": b"\x00" + b'{"token_type":"bearer","refresh_token":"r","access_token":"a","expires_in":"1800"}',
        "bad-code": b"\x03" + b'{"status":"BAD_AUTH_CODE","message":"missing or unknown auth code","correlationId":"3c2a"}',
        "invalid-grant": b"\x03" + b'{"error":"invalid_grant","error_description":"code expired"}',
        "category": b"\x03" + b'{"category":"VALIDATION_ERROR","message":"x","correlationId":"y","errors":[]}',
        "metadata": b"\x00" + b'{"active":true,"hub_id":12345,"hub_domain":"acme.hubspot.com","scopes":["oauth"],"token_type":"access"}',
        "not-json": b"\x07" + b"<html>Bad Gateway</html>",
        "any-status": b"\xf5" + struct.pack(">q", -1) + b"{}",
    },
    "fastcgi-parameters": {
        # small-limit flag (odd), then NAME=value entries ending in zero bytes
        "nginx": b"\x00" + b"\x00".join([
            b"QUERY_STRING=code=abc&state=" + STATE.encode(), b"REQUEST_METHOD=GET", b"CONTENT_TYPE=",
            b"CONTENT_LENGTH=", b"SCRIPT_NAME=/oauth/callback", b"REQUEST_URI=/oauth/callback?code=abc&state=x",
            b"DOCUMENT_URI=/oauth/callback", b"SERVER_PROTOCOL=HTTP/1.1", b"REQUEST_SCHEME=https", b"HTTPS=on",
            b"GATEWAY_INTERFACE=CGI/1.1", b"REMOTE_ADDR=127.0.0.1", b"HTTP_HOST=install.example.com",
            b"HTTP_COOKIE=__Host-hubspot-install=" + b64(BINDING).encode(), b"REQUEST_METHOD=HEAD"]),
        "cgi": b"\x00" + b"\x00".join([b"SCRIPT_NAME=/install", b"PATH_INFO=/oauth/authorize", b"QUERY_STRING=",
                                       b"NOEQUALS", b"=", b"A==b"]),
        "small": b"\x01\x20\x03" + b"\x00".join([b"REQUEST_METHOD=GET", b"REQUEST_URI=/", b"X=1"]),
    },
    "responder": {
        # genuine flag, method, path, query, cookie flag + cookie, hook redirect, account, hook answer
        "landing": b"\x00\x00\x00\x00\x00\x00\x00\x00",
        "callback-success": b"\x01\x00\x00code=" + CODE.encode() + b"\x00\x00\x00\x02\x00",
        "callback-redirect": b"\x01\x00\x00code=abc&error_description=hello+there+reflected\x00\x01x=1\x00"
                             + b"https://app.example.com/next\x00\x03\x01",
        "callback-failure": b"\x01\x00\x00code=abc\x00\x00\x00\x00\xc1",
        "callback-denied": b"\x00\x00\x02error=access_denied&error_description=nope+nope+nope\x00\x00\x00\x00\x00",
        "authorize-post": b"\x00\x03\x01\x00\x01hubspot-install=" + b64(BINDING).encode() + b"\x00\x00\x00\x00",
        "forged-state": b"\x00\x00\x02code=abc&state=" + STATE.encode() + b"\x00\x01hubspot-install="
                        + b64(BINDING).encode() + b"\x00\x00\x00\x00",
        "installed": b"\x00\x00\x03\x00\x01hubspot-install-receipt=" + receipt("acme", [], NOW).encode()
                     + b"\x00\x00\x00\x00",
        "odd-path": b"\x00\xf0HEAD\x00\xf0/oauth/callback/../x\x00a=b\x00\x00\x00\x00\x00",
    },
    "marketplace-parameters": {
        "sign-in-authorize": "step=authorize&returnUrl=https%3A%2F%2Fapp.hubspot.com%2Fmarketplace%2Finstalled%3Fx%3D1",
        "sign-in-finalize": "step=finalize&code=na1-abc-123&state=AAAA&returnUrl=https%3A%2F%2Fapp-eu1.hubspot.com%2Fx%23frag",
        "direct-standin": "code=na1-abc&returnUrl=http%3A%2F%2Flocalhost%3A8081%2Fmarketplace%2Freturned",
        "lookalike": "code=x&returnUrl=https%3A%2F%2Fapp.hubspot.com.evil.test%2F",
        "value-with-nul": "step=finalize&code=na1-%00%0D%0A&state=AAAA&returnUrl=https%3A%2F%2Fapp.hubspot.com%2Fx",
    },
    "sealed-token-opening": {
        "sealed-access": sealed_input(sealed_token("CK-access-4242", 4242, "access"), 4242, "access"),
        "sealed-refresh-retired": sealed_input(
            sealed_token("eu1-refresh-4242", 4242, "refresh", key=bytes([0xC3]) * 32), 4242, "refresh"),
        "sealed-other-row": sealed_input(sealed_token("CK-access-4242", 4242, "access"), 4243, "access"),
        "sealed-unknown-key": sealed_input(
            sealed_token("CK-access-1", 1, "access", key=bytes([0x01]) * 32), 1, "access"),
        "in-clear": sealed_input("CNb8x-in-clear-token", 7, "access"),
        "malformed": sealed_input("sealed:v1:AAAAAAAA:", 7, "refresh"),
        "unknown-version": sealed_input("sealed:v2:AAAAAAAA:AAAA", 7, "access"),
        # mode 1: seal, then xor one byte (position 2 bytes, change, retired key flag, token)
        "sealed-then-changed": b"\x01\x00" + struct.pack(">q", 4242) + b"\x00\x20\x01\x00CK-access-4242",
    },
}

shutil.rmtree(ROOT, ignore_errors=True)
for harness, files in seeds.items():
    os.makedirs(os.path.join(ROOT, harness))
    for name, data in files.items():
        with open(os.path.join(ROOT, harness, name), "wb") as out:
            out.write(data.encode() if isinstance(data, str) else data)
