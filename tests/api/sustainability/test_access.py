"""Who may call what: admin vs user vs no credentials; the feature flag removes every route."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.app import create_app
from tests.api.sustainability.conftest import Env
from tests.support.api_client import bearer, login

BODY = {"method": "onchain", "chain_id": 31337, "grams_co2e": "1", "certificate_ref": "X-1",
        "certificate_uri": "https://registry.example.org/x"}


def test_offset_post_is_for_admins_only(env: Env) -> None:
    c = env.ledger.client
    user = bearer(login(c, env.ledger.account(4))["tokens"]["access_token"])
    assert c.post("/v1/sustainability/offset", json=BODY).status_code == 401
    assert c.post("/v1/sustainability/offset", json=BODY, headers=user).status_code == 403
    assert c.get(f"/v1/sustainability/offsets/{'0' * 8}-0000-0000-0000-{'0' * 12}", headers=user).status_code == 403
    admin = env.admin_headers()
    bad = c.post("/v1/sustainability/offset", json=BODY | {"certificate_uri": None}, headers=admin)
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    assert c.post("/v1/sustainability/offset", json=BODY | {"chain_id": 999}, headers=admin).status_code == 422


def test_my_sustainability_needs_a_user_and_shows_only_mine(env: Env) -> None:
    c = env.ledger.client
    assert c.get("/v1/me/sustainability").status_code == 401
    client_account = env.ledger.account(1)  # chainkit's users[0]: the client of every escrow
    me = c.get("/v1/me/sustainability?limit=5&from=2027-01&to=2027-02", headers=bearer(login(c, client_account)["tokens"]["access_token"]))
    assert me.status_code == 200, me.text
    body = me.json()
    assert body["wallets"] == [client_account.address]
    assert body["events"]["items"] and all(e["sender"] == client_account.address for e in body["events"]["items"])
    assert len(body["events"]["items"]) <= 5 and body["events"]["next_cursor"]
    for e in body["events"]["items"]:
        assert 0 <= float(e["offset_share"]) <= 1 and float(e["grams_co2e"]) > 0
    # The client paid every fee of the fixture's escrows: all of each month's social allocation is theirs.
    platform = c.get("/v1/sustainability/social-allocations?from=2027-01&to=2027-02").json()["items"]
    mine = body["social_allocations"]
    assert mine and len(mine) == len(platform)
    for m, p in zip(mine, platform, strict=True):
        assert m["period"] == p["period"] and m["fee_share"] == "1.000000" and m["attributed_amount"] == p["amount"]
    stranger = c.get("/v1/me/sustainability", headers=bearer(login(c, env.ledger.account(8))["tokens"]["access_token"]))
    assert stranger.status_code == 200 and stranger.json()["events"]["items"] == []
    assert stranger.json()["social_allocations"] == []


def test_public_reads_need_no_credentials_but_reject_bad_ones(env: Env) -> None:
    c = env.ledger.client
    for path in ("/v1/sustainability/report", "/v1/sustainability/offsets", "/v1/sustainability/carbon-events",
                 "/v1/sustainability/social-allocations", "/v1/treasury/offsets"):
        assert c.get(path).status_code == 200, path
        assert c.get(path, headers={"Authorization": "Bearer nope"}).status_code == 401, path


def test_feature_flag_off_removes_the_routes(env: Env) -> None:
    settings = env.ledger.settings.model_copy(update={"enable_sustainability": False})
    with TestClient(create_app(settings)) as c:
        assert c.get("/v1/sustainability/report").status_code == 404
        assert c.post("/v1/sustainability/offset", json=BODY).status_code == 404
        assert c.get("/v1/me/sustainability").status_code == 404
        assert "/v1/sustainability/report" not in c.get("/openapi.json").json()["paths"]
