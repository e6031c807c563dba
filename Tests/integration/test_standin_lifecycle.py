"""The stand-in's token lifecycle endpoints answer as HubSpot's do: refresh (with rotation and the
error shapes), revoke, uninstall, and the introspection's signed_access_token."""
import pytest

from conftest import CLIENT_ID, CLIENT_SECRET
from test_standin import exchange, get_code

TOKEN = "/oauth/2026-03/token"


def refresh(http, si, token):
    return http.post(si.url + TOKEN, data={"grant_type": "refresh_token", "client_id": CLIENT_ID,
                                           "client_secret": CLIENT_SECRET, "refresh_token": token})


def counters(http, si):
    return http.get(si.url + "/_standin/lifecycle").json()


def test_rotation_retires_the_old_refresh_token_and_every_refresh_is_counted(make_standin, http):
    si = make_standin(rotate_refresh_tokens=True, hublet="eu1")
    first = exchange(http, si, get_code(http, si), version="2026-03").json()
    assert first["refresh_token"].startswith("eu1-")
    second = refresh(http, si, first["refresh_token"]).json()
    assert second["refresh_token"] != first["refresh_token"]
    assert refresh(http, si, first["refresh_token"]).json()["error"] == "invalid_grant"
    assert refresh(http, si, second["refresh_token"]).status_code == 200
    assert counters(http, si)["refresh_requests"] == 3
    http.post(si.url + "/_standin/lifecycle", json={"rotate_refresh_tokens": False})
    assert counters(http, si)["rotate_refresh_tokens"] is False


@pytest.mark.parametrize("shape,expected", [
    ("both", {"status": "BAD_REFRESH_TOKEN", "error": "invalid_grant"}),
    ("rfc", {"error": "invalid_grant"}),
    ("legacy", {"status": "BAD_REFRESH_TOKEN"}),
])
def test_unknown_refresh_tokens_answer_in_the_chosen_shape(make_standin, http, shape, expected):
    si = make_standin(refresh_error_shape=shape)
    answer = refresh(http, si, "na1-unknown")
    assert answer.status_code == 400
    body = answer.json()
    assert {k: body[k] for k in ("status", "error") if k in body} == expected


def test_revoke_takes_the_access_tokens_with_it_and_answers_200_for_unknown_tokens(standin, http):
    t = exchange(http, standin, get_code(http, standin), version="2026-03").json()
    form = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "token": t["refresh_token"],
            "token_type_hint": "refresh_token"}
    url = standin.url + "/oauth/2026-03/token/revoke"
    assert http.post(url, data=form).status_code == 200
    assert refresh(http, standin, t["refresh_token"]).status_code == 400
    assert http.delete(standin.url + "/appinstalls/2026-03/external-install",
                       headers={"Authorization": "Bearer " + t["access_token"]}).status_code == 401
    assert http.post(url, data=form).status_code == 200  # RFC 7009: unknown is fine
    assert http.post(url, data=dict(form, client_secret="wrong")).json()["status"] == "BAD_CLIENT_SECRET"
    assert http.post(url, data={"client_id": CLIENT_ID}).json()["category"] == "VALIDATION_ERROR"
    assert http.get(url).status_code == 405
    assert counters(http, standin)["revocations"] == [{"kind": "refresh", "hint": "refresh_token"}, {
        "kind": None, "hint": "refresh_token"}]


def test_uninstall_needs_a_live_bearer_token_and_ends_every_token_of_the_account(make_standin, http):
    si = make_standin(hub_id=777)
    a = exchange(http, si, get_code(http, si), version="2026-03").json()
    b = exchange(http, si, get_code(http, si), version="2026-03").json()
    url = si.url + "/appinstalls/2026-03/external-install"
    assert http.delete(url).status_code == 401
    assert http.delete(url, headers={"Authorization": "Bearer nope"}).status_code == 401
    assert http.delete(url, headers={"Authorization": "Bearer " + a["access_token"]}).status_code == 204
    for t in (a, b):
        assert refresh(http, si, t["refresh_token"]).json()["error"] == "invalid_grant"
    assert counters(http, si)["uninstalls"] == [777]


def test_introspection_names_the_hublet_in_the_signed_access_token(make_standin, http):
    si = make_standin(hublet="eu1", hub_id=555)
    t = exchange(http, si, get_code(http, si), version="2026-03").json()
    answer = http.post(si.url + "/oauth/2026-03/token/introspect", data={
        "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "token": t["access_token"]}).json()
    assert answer["signed_access_token"]["hublet"] == "eu1" and answer["signed_access_token"]["hubId"] == 555
    assert answer["user"] and answer["user_id"] and answer["app_id"]


def test_a_customer_uninstall_ends_the_account_s_tokens(standin, http):
    t = exchange(http, standin, get_code(http, standin), version="2026-03").json()
    assert http.post(standin.url + "/_standin/uninstall-account", json={"hub_id": standin.hub_id}).status_code == 200
    assert refresh(http, standin, t["refresh_token"]).status_code == 400
