"""Tokens sealed at rest (INSTALL_TOKEN_KEYS), with real processes: the built-in `hubspot` hook
installs against the HubSpot stand-in and stores both tokens sealed, so the SQLite file and its
-wal hold neither in clear; `tokens access-token` still prints the right one; `tokens rekey` after
a new key is put first reseals every row; the old key can then go. A row nothing opens is an error
naming the hub id and the key id, never a token; `check` warns about tokens stored in clear.

Every output is searched for every token the stand-in issued (the `outputs` fixture of
test_tokens.py), except the one a command exists to print."""
import base64
import hashlib
import json
import re
import sqlite3
import struct
import subprocess

import pytest

from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from harness import binary, tokens_binary, write_config
from test_tokens import HUB_ID, Account, account, outputs, store_kind  # noqa: F401 (fixtures)


def keygen() -> str:
    return subprocess.run([str(binary()), "keygen"], capture_output=True, text=True, check=True,
                          timeout=60).stdout.strip()


def b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def key_id(key: str) -> str:
    """The id docs/tokens.md documents: base64url of the first 6 bytes of SHA-256 over a label and the key."""
    digest = hashlib.sha256(b"hubspot-install token key id\0" + b64decode(key)).digest()
    return base64.urlsafe_b64encode(digest[:6]).decode().rstrip("=")


def open_sealed(stored: str, key: str, hub_id: int, field: str) -> str:
    """Opens a stored value as docs/tokens.md says an app reading the store directly would."""
    prefix, version, kid, payload = stored.split(":")
    assert (prefix, version) == ("sealed", "v1")
    data = b64decode(payload)
    aad = (b"hubspot-install sealed token\0v1\0" + kid.encode() + b"\0" + struct.pack(">q", hub_id)
           + field.encode())
    return ChaCha20Poly1305(b64decode(key)).decrypt(data[:12], data[12:], aad).decode()


def configure(acme: Account, keys=None, **values):
    """Rewrites the account's configuration with these token keys (None: not set)."""
    if keys is None:
        acme.values.pop("INSTALL_TOKEN_KEYS", None)
    else:
        acme.values["INSTALL_TOKEN_KEYS"] = " ".join(keys)
    acme.values.update(values)
    write_config(acme.config, acme.values)
    acme.config.chmod(0o600)


def issued(acme: Account) -> dict:
    """The newest tokens the stand-in handed out."""
    answers = [r["response"] for r in acme.standin.requests if r["endpoint"] == "token" and r.get("response")]
    latest = answers[-1]
    refresh = next(a["refresh_token"] for a in reversed(answers) if a.get("refresh_token"))
    return {"access": latest["access_token"], "refresh": refresh}


def stored_bytes(acme: Account) -> bytes:
    return b"".join(path.read_bytes() for path in (acme.db, acme.db.with_name(acme.db.name + "-wal"))
                    if path.exists())


def access_token(acme: Account):
    return acme.tokens("access-token", str(HUB_ID), prints_token=True)


def test_installed_tokens_are_sealed_in_the_file_and_rekey_moves_them_to_a_new_first_key(account):
    old_key = keygen()
    acme = account(rotate_refresh_tokens=True)
    configure(acme, [old_key])
    # Created and held open here, so the -wal the install writes is not folded into the file and
    # removed when the hook's own connection closes: both are searched.
    assert subprocess.run([str(tokens_binary()), "check-hook", "--create-store", "--config", str(acme.config)],
                          capture_output=True, timeout=60).returncode == 0
    watcher = sqlite3.connect(acme.db)
    watcher.execute("SELECT count(*) FROM tokens").fetchone()
    acme.install()

    tokens = issued(acme)
    wal = acme.db.with_name(acme.db.name + "-wal")
    assert wal.exists() and wal.stat().st_size > 0
    raw = stored_bytes(acme)
    assert wal.read_bytes().count(b"sealed:v1:") >= 2  # the search does see the row's values
    for token in tokens.values():
        assert token.encode() not in raw, "a token is in the SQLite file or its -wal in clear"
    row = acme.row()
    for field in ("access", "refresh"):
        assert row[f"{field}_token"].startswith(f"sealed:v1:{key_id(old_key)}:")
        assert open_sealed(row[f"{field}_token"], old_key, HUB_ID, field) == tokens[field]

    done = access_token(acme)
    assert done.returncode == 0, done.stderr
    assert done.stdout == tokens["access"] + "\n"

    # A refresh (rotating the refresh token) writes sealed values too.
    assert acme.tokens("refresh", str(HUB_ID)).returncode == 0
    tokens = issued(acme)
    assert all(token.encode() not in stored_bytes(acme) for token in tokens.values())
    assert access_token(acme).stdout == tokens["access"] + "\n"

    # Rotation: the new key first, rekey, then the old key goes.
    new_key = keygen()
    configure(acme, [new_key, old_key])
    before = acme.row()
    done = acme.tokens("rekey")
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"resealed 1 row(s) with key id {key_id(new_key)}; 0 already sealed with it\n"
    after = acme.row()
    for field in ("access", "refresh"):
        assert after[f"{field}_token"].startswith(f"sealed:v1:{key_id(new_key)}:")
        assert open_sealed(after[f"{field}_token"], new_key, HUB_ID, field) == tokens[field]
    untouched = [k for k in before if k not in ("access_token", "refresh_token")]
    assert [after[k] for k in untouched] == [before[k] for k in untouched]  # status, updated_at, ...
    again = acme.tokens("rekey")
    assert again.stdout == f"resealed 0 row(s) with key id {key_id(new_key)}; 1 already sealed with it\n"

    configure(acme, [new_key])
    assert access_token(acme).stdout == tokens["access"] + "\n"
    assert acme.tokens("refresh-token", str(HUB_ID), prints_token=True).stdout == tokens["refresh"] + "\n"
    assert acme.tokens("refresh", str(HUB_ID)).returncode == 0
    tokens = issued(acme)
    assert access_token(acme).stdout == tokens["access"] + "\n"
    assert all(token.encode() not in stored_bytes(acme) for token in tokens.values())

    # Only the retired key left: a clear error naming hub and key id, never "not stored", never a token.
    configure(acme, [old_key])
    for command in (("access-token", str(HUB_ID)), ("refresh-token", str(HUB_ID)), ("rekey",)):
        done = acme.tokens(*command)
        assert done.returncode == 1, (command, done.stderr)
        assert done.stdout == ("" if command != ("rekey",) else
                               f"resealed 0 row(s) with key id {key_id(old_key)}; 0 already sealed with it; "
                               "1 left as they were\n"), (command, done.stdout)
        assert done.stderr == (f"error: store_failed: hub {HUB_ID}: the stored access token is sealed with key id "
                               f"{key_id(new_key)}, which is not among INSTALL_TOKEN_KEYS\n"), (command, done.stderr)
    # Listing shows no token, so it lists the row whatever the keys.
    listed = acme.tokens("list")
    assert listed.returncode == 0 and str(HUB_ID) in listed.stdout


def test_rows_stored_in_clear_stay_readable_and_rekey_seals_them(account):
    acme = account()
    acme.install()
    tokens = issued(acme)
    assert acme.row()["access_token"] == tokens["access"]  # no keys yet: in clear

    key = keygen()
    configure(acme, [key])
    assert access_token(acme).stdout == tokens["access"] + "\n"
    done = acme.tokens("rekey")
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"resealed 1 row(s) with key id {key_id(key)}; 0 already sealed with it\n"
    row = acme.row()
    assert open_sealed(row["refresh_token"], key, HUB_ID, "refresh") == tokens["refresh"]
    assert open_sealed(row["access_token"], key, HUB_ID, "access") == tokens["access"]
    assert access_token(acme).stdout == tokens["access"] + "\n"

    # Without the keys now, a sealed row is an error, not a missing account or a garbled token.
    configure(acme, None)
    done = access_token(acme)
    assert done.returncode == 1
    assert done.stderr == (f"error: store_failed: hub {HUB_ID}: the stored access token is sealed with key id "
                           f"{key_id(key)}, but INSTALL_TOKEN_KEYS is not set\n")
    done = acme.tokens("rekey")
    assert done.returncode == 1
    assert done.stderr == "error: misconfigured: INSTALL_TOKEN_KEYS is not set: there is no key to seal with\n"


def test_a_value_moved_to_another_field_does_not_open(account):
    acme = account()
    key = keygen()
    configure(acme, [key])
    acme.install()
    with sqlite3.connect(acme.db) as db:
        db.execute("UPDATE tokens SET access_token = refresh_token WHERE hub_id = ?", (HUB_ID,))
    done = access_token(acme)
    assert done.returncode == 1
    assert done.stderr == (f"error: store_failed: hub {HUB_ID}: the stored access token does not open with key id "
                           f"{key_id(key)}: it was changed, or copied from another row or column\n")

    # A row that does not open (this one, or one planted by whoever can write the database) does not
    # stop a rekey: every other row is still resealed with the new first key, and the bad one is named.
    with sqlite3.connect(acme.db) as db:
        db.execute("INSERT INTO tokens (hub_id, access_token, refresh_token, scopes, token_type, installed_at, "
                   "updated_at) SELECT ?, ?, ?, scopes, token_type, installed_at, updated_at FROM tokens "
                   "WHERE hub_id = ?", (HUB_ID + 1, "CK-in-clear", "eu1-in-clear", HUB_ID))
        db.execute("INSERT INTO tokens (hub_id, access_token, refresh_token, scopes, token_type, installed_at, "
                   "updated_at) SELECT ?, ?, ?, scopes, token_type, installed_at, updated_at FROM tokens "
                   "WHERE hub_id = ?", (1, "sealed:", "sealed:", HUB_ID))
    new_key = keygen()
    configure(acme, [new_key, key])
    for _ in range(2):  # and again: the bad rows do not become good, the good one stays resealed
        done = acme.tokens("rekey")
        assert done.returncode == 1
        assert done.stderr == (
            "error: store_failed: hub 1: the stored access token starts with `sealed:` but is not a well-formed "
            "sealed value\n"
            f"error: store_failed: hub {HUB_ID}: the stored access token does not open with key id {key_id(key)}: "
            "it was changed, or copied from another row or column\n")
        with sqlite3.connect(acme.db) as db:
            access, refresh = db.execute("SELECT access_token, refresh_token FROM tokens WHERE hub_id = ?",
                                         (HUB_ID + 1,)).fetchone()
        assert open_sealed(access, new_key, HUB_ID + 1, "access") == "CK-in-clear"
        assert open_sealed(refresh, new_key, HUB_ID + 1, "refresh") == "eu1-in-clear"
    assert done.stdout == f"resealed 0 row(s) with key id {key_id(new_key)}; 1 already sealed with it; 2 left as they were\n"


def test_check_warns_about_tokens_in_clear_and_refuses_a_bad_key_without_printing_it(account, tmp_path):
    acme = account()

    def check():
        done = subprocess.run([str(binary()), "check", "--config", str(acme.config)], capture_output=True,
                              text=True, timeout=120, cwd=tmp_path)
        acme.outputs.add("check stdout", done.stdout)
        acme.outputs.add("check stderr", done.stderr)
        return done

    done = check()
    assert done.returncode == 0, done.stderr
    assert re.search(r"^warning: INSTALL_TOKEN_KEYS: not set: the hubspot hook stores access and refresh tokens in "
                     r"clear", done.stdout, re.M), done.stdout

    configure(acme, [keygen()])
    done = check()
    assert done.returncode == 0, done.stderr
    assert "INSTALL_TOKEN_KEYS" not in done.stderr + done.stdout

    short = base64.urlsafe_b64encode(b"\x01" * 31).decode().rstrip("=")
    configure(acme, [keygen(), short])
    done = check()
    assert done.returncode == 1
    assert "error: INSTALL_TOKEN_KEYS: key 2 is 31 bytes; token keys are exactly 32" in done.stderr, done.stderr
    assert short not in done.stderr + done.stdout

    key_file = tmp_path / "token-keys"
    key_file.write_text(keygen() + "\n")
    key_file.chmod(0o644)
    configure(acme, None, INSTALL_TOKEN_KEYS_FILE=str(key_file))
    done = check()
    assert done.returncode == 0, done.stderr
    assert re.search(r"^warning: INSTALL_TOKEN_KEYS_FILE: .* is readable by its group or by every user",
                     done.stderr, re.M), done.stderr
    assert key_file.read_text().strip() not in done.stderr + done.stdout


@pytest.mark.parametrize("store_kind", ["postgresql"])
def test_postgresql_rows_hold_no_token_in_clear_and_rekey_reseals_them(account):
    """The same promises on a shared PostgreSQL database: a dump of the database holds neither token
    in clear, the stored values open only with the key in the row they were written for, `rekey`
    reseals under a new first key, and a value moved to another column is refused."""
    acme = account(rotate_refresh_tokens=True)
    old_key = keygen()
    configure(acme, [old_key])
    acme.install()
    database = acme.postgres.database_of(acme.db)

    def dump() -> str:
        # Every row of every table, as a backup would hold it.
        return acme.postgres.sql("SELECT string_agg(t::text, E'\\n') FROM tokens t", database) + \
            acme.postgres.sql("SELECT string_agg(c::text, E'\\n') FROM install_claims c", database)

    tokens = issued(acme)
    assert "sealed:v1:" in dump()
    assert all(token not in dump() for token in tokens.values()), "a token is stored in clear"
    row = acme.row()
    for field in ("access", "refresh"):
        assert open_sealed(row[f"{field}_token"], old_key, HUB_ID, field) == tokens[field]
    assert access_token(acme).stdout == tokens["access"] + "\n"

    assert acme.tokens("refresh", str(HUB_ID)).returncode == 0
    tokens = issued(acme)
    assert all(token not in dump() for token in tokens.values())

    new_key = keygen()
    configure(acme, [new_key, old_key])
    done = acme.tokens("rekey")
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"resealed 1 row(s) with key id {key_id(new_key)}; 0 already sealed with it\n"
    configure(acme, [new_key])
    assert access_token(acme).stdout == tokens["access"] + "\n"
    row = acme.row()
    assert open_sealed(row["refresh_token"], new_key, HUB_ID, "refresh") == tokens["refresh"]
    assert all(token not in dump() for token in tokens.values())

    acme.postgres.sql("UPDATE tokens SET access_token = refresh_token WHERE hub_id = :'p1'", database, (HUB_ID,))
    done = access_token(acme)
    assert done.returncode == 1
    assert done.stderr == (f"error: store_failed: hub {HUB_ID}: the stored access token does not open with key id "
                           f"{key_id(new_key)}: it was changed, or copied from another row or column\n")


def test_a_stored_value_of_the_wrong_type_is_an_error_naming_the_row_not_a_crash(account):
    """SQLite keeps any type in any column, and whoever can write the file chooses them: a blob
    where a token belongs used to trap in the row decoder, whose message (on stderr, which a hook's
    reaches the log through) quoted the whole row, a token in clear included."""
    acme = account()
    key = keygen()
    configure(acme, [key])
    acme.install()
    tokens = issued(acme)
    with sqlite3.connect(acme.db) as db:
        db.execute("UPDATE tokens SET access_token = ?, refresh_token = ? WHERE hub_id = ?",
                   (b"\x00\xff" + tokens["access"].encode(), tokens["refresh"], HUB_ID))
    for command in (("access-token", str(HUB_ID)), ("refresh-token", str(HUB_ID)), ("list",), ("rekey",)):
        done = acme.tokens(*command)
        assert (done.returncode, done.stdout) == (1, ""), (command, done.returncode, done.stderr[-2000:])
        assert done.stderr == (f"error: store_failed: hub {HUB_ID}: the stored access_token is not of its "
                               "column's type\n"), (command, done.stderr[-2000:])
    with sqlite3.connect(acme.db) as db:
        db.execute("UPDATE tokens SET installed_at = 'yesterday', access_token = ? WHERE hub_id = ?",
                   (tokens["access"], HUB_ID))
    done = acme.tokens("access-token", str(HUB_ID))
    assert (done.returncode, done.stderr) == (
        1, f"error: store_failed: hub {HUB_ID}: the stored installed_at is not of its column's type\n")
    # The install claims too: a duplicate delivery of an install reads its claim, which a blob
    # where a number belongs used to make trap as well.
    with sqlite3.connect(acme.db) as db:
        db.execute("INSERT INTO install_claims (install_id, claimed_at) VALUES (?, ?)", ("dupInstall1", b"\xff\x00"))
    grant = {"code": "a-code", "redirect_uri": acme.values["HUBSPOT_REDIRECT_URI"], "install_id": "dupInstall1",
             "client_id": acme.values["HUBSPOT_CLIENT_ID"], "scopes": ["oauth"], "optional_scopes": [],
             "issued_at": 1, "request_id": "r1"}
    done = subprocess.run([str(tokens_binary()), "hook", "hubspot", "--config", str(acme.config)],
                          input=json.dumps(grant), capture_output=True, text=True, timeout=60)
    acme.outputs.add("hook stderr", done.stderr)
    assert (done.returncode, done.stdout) == (1, ""), done.stderr[-2000:]
    assert done.stderr == "token store: an install claim's stored claimed_at is not of its column's type\n"


def test_refusing_tokens_in_clear_stops_a_planted_token_of_another_account(account):
    """Whoever can write the database cannot seal, but can write a value in clear: here the
    refresh token of an account of their own into a customer's row, with an expired access token.
    Read as it is (the default), it is refreshed, and HubSpot's answer names the attacker's account,
    so nothing is handed out or sealed into the customer's row; with INSTALL_TOKENS_IN_CLEAR=refuse
    it is an error naming the row before anything is sent to HubSpot."""
    acme = account()
    key = keygen()
    configure(acme, [key])
    acme.install()  # the attacker's own account, installed like any other
    theirs = issued(acme)
    customer = HUB_ID + 1000

    def plant():
        with sqlite3.connect(acme.db) as db:
            db.execute("DELETE FROM tokens WHERE hub_id = ?", (customer,))
            db.execute("INSERT INTO tokens (hub_id, access_token, refresh_token, expires_at, scopes, token_type, "
                       "installed_at, updated_at) VALUES (?, 'CK-expired', ?, 1, 'oauth', 'bearer', 1, 1)",
                       (customer, theirs["refresh"]))

    plant()
    # Read as it is (the default), the planted refresh token goes to HubSpot, whose answer names the
    # attacker's account: nothing is handed out or stored for the customer.
    done = acme.tokens("access-token", str(customer))
    assert (done.returncode, done.stdout) == (1, ""), done.stderr
    assert done.stderr == (f"error: store_failed: hub {customer}: HubSpot says the stored refresh token is hub "
                           f"{HUB_ID}'s; the row was not written by this program, and nothing was stored\n")
    with sqlite3.connect(acme.db) as db:
        kept = db.execute("SELECT access_token FROM tokens WHERE hub_id = ?", (customer,)).fetchone()[0]
    assert kept == "CK-expired"  # nothing laundered into the row

    configure(acme, [key], INSTALL_TOKENS_IN_CLEAR="refuse")
    plant()
    requests_before = len(acme.standin.requests)
    for command in (("access-token", str(customer)), ("refresh-token", str(customer)), ("refresh", str(customer))):
        done = acme.tokens(*command)
        assert (done.returncode, done.stdout) == (1, ""), (command, done.stderr)
        assert done.stderr == (f"error: store_failed: hub {customer}: the stored access token is in clear, and "
                               "INSTALL_TOKENS_IN_CLEAR=refuse (a row from before the keys is sealed by `tokens "
                               "rekey` without that setting)\n"), (command, done.stderr)
    assert len(acme.standin.requests) == requests_before  # nothing was sent to HubSpot
    done = acme.tokens("rekey")
    assert done.returncode == 1 and f"hub {customer}: the stored access token is in clear" in done.stderr
    # The honest row, sealed, is served as before.
    done = acme.tokens("access-token", str(HUB_ID), prints_token=True)
    assert done.returncode == 0, done.stderr
    done = subprocess.run([str(binary()), "check", "--config", str(acme.config)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and "INSTALL_TOKENS_IN_CLEAR" not in done.stdout + done.stderr, done.stderr
