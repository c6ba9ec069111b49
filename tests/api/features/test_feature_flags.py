"""Feature flags (issue 18): every product area has one; off, its routes are 404 and out of OpenAPI; admins
turn an area on or off for one user or org (audited), and that override wins over the configuration."""

from __future__ import annotations

import importlib.util
import secrets
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from eth_account import Account
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from api.auth import iter_routes, public, user
from api.kit.features import FEATURES
from api.orgs.models import Organization
from api.settings import ApiSettings
from tests.support.api_client import ADMIN, bearer, login, login_with_2fa

PROBE = "/v1/test/feature-probe"


def _gated(app: FastAPI, flag: str) -> list[tuple[str, str]]:
    return [(m, path) for path, route, reqs in iter_routes(list(app.routes))
            if isinstance(route, APIRoute) and reqs and reqs[0].feature == flag
            for m in sorted(route.methods - {"HEAD", "OPTIONS"})]


def _app_with_probe(settings: ApiSettings, flag: str) -> FastAPI:
    """The app, plus a route under ``flag`` for areas that have no route yet (the mechanism is the same)."""
    app = create_app(settings)

    def probe() -> dict[str, bool]:
        return {"ok": True}

    app.add_api_route(PROBE, probe, methods=["GET"], dependencies=[user(feature=flag)])
    app.add_api_route(PROBE + "/public", probe, methods=["GET"], dependencies=[public(feature=flag)])
    return app


def test_every_product_area_has_a_flag_in_settings(api_settings: ApiSettings) -> None:
    assert set(FEATURES) == {"2fa", "matching", "community", "support", "integrations", "token_economy", "sustainability",
                             "escrow_service", "notifications", "dashboards", "skill_verification"}
    for flag in FEATURES.values():
        assert isinstance(getattr(api_settings, flag), bool), flag


@pytest.mark.parametrize("area", sorted(FEATURES))
def test_a_disabled_area_is_404_and_hidden_from_openapi(settings_factory: Any, area: str) -> None:
    flag = FEATURES[area]
    with TestClient(_app_with_probe(settings_factory(**{flag: False}), flag)) as off, \
            TestClient(_app_with_probe(settings_factory(**{flag: True}), flag)) as on:
        gated = _gated(off.app, flag)
        assert (("GET", PROBE) in gated) and len(gated) >= 2
        h_off = bearer(login(off, Account.create())["tokens"]["access_token"])
        h_on = bearer(login(on, Account.create())["tokens"]["access_token"])
        paths_off, paths_on = off.get("/openapi.json").json()["paths"], on.get("/openapi.json").json()["paths"]
        for method, path in gated:
            assert method.lower() not in paths_off.get(path, {}), (area, method, path)
            assert method.lower() in paths_on[path], (area, method, path)
            for headers in ({}, h_off, {"X-API-Key": "lnc_" + "x" * 40}):
                r = off.request(method, path, json={}, headers=headers)
                assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json"), \
                    (area, method, path, r.status_code, r.text[:200])
        assert on.get(PROBE, headers=h_on).json() == {"ok": True}
        assert on.get(PROBE + "/public").status_code == 200


# Which routes belong to each area: by the domain package that serves them (2FA: by path, its routes live in
# identity).
AREA_ROUTES: dict[str, tuple[tuple[str, ...], Callable[[str, str], bool]]] = {
    "2fa": (("api.identity",), lambda path, module: path.startswith(("/v1/me/2fa", "/v1/auth/mfa"))),
    "matching": (("api.matching",), lambda path, module: module.startswith("api.matching.")),
    "community": (("api.community",), lambda path, module: module.startswith("api.community.")),
    "integrations": (("api.integrations",), lambda path, module: module.startswith("api.integrations.")),
    "token_economy": (("api.rewards", "api.staking", "api.governance"),
                      lambda path, module: module.startswith(("api.rewards.", "api.staking.", "api.governance."))),
    "sustainability": (("api.sustainability",), lambda path, module: module.startswith("api.sustainability.")),
    "escrow_service": (("api.escrow_service",), lambda path, module: module.startswith("api.escrow_service.")),
    "support": (("api.support",), lambda path, module: module.startswith("api.support.")),
    "notifications": (("api.notifications",), lambda path, module: module.startswith("api.notifications.")),
    "dashboards": (("api.dashboard",), lambda path, module: module.startswith("api.dashboard.")),
    "skill_verification": (("api.verification",), lambda path, module: module.startswith("api.verification.")),
}


@pytest.mark.parametrize("area", sorted(FEATURES))
def test_every_route_of_an_area_declares_its_flag(client: TestClient, area: str) -> None:
    """The real routes of each area carry its flag (so the 404/OpenAPI test above covers them), and no route
    outside the area does."""
    assert set(AREA_ROUTES) == set(FEATURES)
    packages, belongs = AREA_ROUTES[area]
    flag = FEATURES[area]
    routes = [(path, route.endpoint.__module__, reqs[0].feature if reqs else None)
              for path, route, reqs in iter_routes(list(client.app.routes)) if isinstance(route, APIRoute)]
    mine = [(path, feature) for path, module, feature in routes if belongs(path, module)]
    assert [p for p, feature in mine if feature != flag] == [], f"{area}: routes without feature={flag!r}"
    assert [p for p, module, feature in routes if feature == flag and not belongs(p, module)] == []
    if all(importlib.util.find_spec(p) is not None for p in packages):
        assert mine, f"{area}: no route found in {packages}"


@pytest.fixture
def matching_off(settings_factory: Any) -> Iterator[TestClient]:
    with TestClient(_app_with_probe(settings_factory(enable_matching=False), "enable_matching")) as c:
        yield c


def _org_id(client: TestClient, slug: str) -> uuid.UUID:
    from sqlalchemy.orm import Session
    with Session(client.app.state.engine) as db:
        return db.scalars(select(Organization.id).where(Organization.slug == slug)).one()


def test_overrides_per_user_and_org_win_over_the_configuration(matching_off: TestClient) -> None:
    c = matching_off
    admin = bearer(login_with_2fa(c, ADMIN)["access_token"])
    beta, member, other = (login(c, Account.create())["tokens"] for _ in range(3))
    hb, hm, ho = (bearer(t["access_token"]) for t in (beta, member, other))
    assert c.get(PROBE, headers=hb).status_code == 404
    assert c.get("/v1/me/features", headers=hb).json()["features"]["matching"] is False

    url = f"/v1/admin/features/matching/overrides/user/{beta['user_id']}"
    r = c.put(url, json={"enabled": True, "reason": "beta tester"}, headers=admin)
    assert r.status_code == 200 and r.json()["enabled"] is True, r.text
    assert c.get(PROBE, headers=hb).json() == {"ok": True}
    assert c.get("/v1/me/features", headers=hb).json()["features"]["matching"] is True
    assert c.get(PROBE, headers=ho).status_code == 404
    assert c.get(PROBE).status_code == 404  # anonymous callers get the configuration

    # An org override enables the area for its members; a member's own override wins over it.
    slug = "ff-" + secrets.token_hex(4)
    assert c.post("/v1/orgs", json={"slug": slug, "name": "Beta org"}, headers=hm).status_code == 201
    org = _org_id(c, slug)
    assert c.put(f"/v1/admin/features/matching/overrides/org/{org}", json={"enabled": True},
                 headers=admin).status_code == 200
    assert c.get(PROBE, headers=hm).status_code == 200
    assert c.put(f"/v1/admin/features/matching/overrides/user/{member['user_id']}", json={"enabled": False},
                 headers=admin).status_code == 200
    assert c.get(PROBE, headers=hm).status_code == 404

    listed = {f["area"]: f for f in c.get("/v1/admin/features", headers=admin).json()["items"]}
    assert listed["matching"]["enabled"] is False
    assert {(o["subject_kind"], o["enabled"]) for o in listed["matching"]["overrides"]} >= {
        ("user", True), ("org", True), ("user", False)}

    assert c.delete(url, headers=admin).status_code == 204
    assert c.get(PROBE, headers=hb).status_code == 404
    assert c.delete(url, headers=admin).status_code == 404

    actions = [e["action"] for e in c.get("/v1/admin/audit?action=feature.override_set", headers=admin).json()["items"]]
    assert len(actions) >= 3
    cleared = c.get("/v1/admin/audit?action=feature.override_cleared", headers=admin).json()["items"]
    assert cleared and cleared[0]["target"] == f"user:{beta['user_id']}"


def test_an_override_can_turn_an_enabled_area_off_for_one_user(settings_factory: Any) -> None:
    with TestClient(_app_with_probe(settings_factory(), "enable_community")) as c:
        admin = bearer(login_with_2fa(c, ADMIN)["access_token"])
        t = login(c, Account.create())["tokens"]
        h = bearer(t["access_token"])
        assert c.get(PROBE, headers=h).status_code == 200
        assert c.put(f"/v1/admin/features/community/overrides/user/{t['user_id']}", json={"enabled": False},
                     headers=admin).status_code == 200
        assert c.get(PROBE, headers=h).status_code == 404
        assert c.get(PROBE + "/public").status_code == 200


def test_override_routes_authorization_and_validation(client: TestClient, signed_in: dict[str, Any]) -> None:
    url = f"/v1/admin/features/matching/overrides/user/{signed_in['user_id']}"
    assert client.put(url, json={"enabled": True}).status_code == 401
    assert client.put(url, json={"enabled": True}, headers=bearer(signed_in["access_token"])).status_code == 403
    assert client.get("/v1/admin/features", headers=bearer(signed_in["access_token"])).status_code == 403
    assert client.get("/v1/me/features").status_code == 401
    admin = bearer(login_with_2fa(client, ADMIN)["access_token"])
    r = client.put("/v1/admin/features/teleport/overrides/user/" + signed_in["user_id"], json={"enabled": True},
                   headers=admin)
    assert r.status_code == 404 and "known areas" in r.json()["detail"]
    r = client.put(f"/v1/admin/features/matching/overrides/user/{uuid.uuid4()}", json={"enabled": True},
                   headers=admin)
    assert r.status_code == 404 and "no user" in r.json()["detail"]
    assert client.put(url, json={"enabled": "maybe"}, headers=admin).status_code == 422


def test_listing_flags_is_not_n_plus_one(client: TestClient) -> None:
    from tests.support.queries import assert_no_n_plus_one

    admin = bearer(login_with_2fa(client, ADMIN)["access_token"])

    def call() -> None:
        assert client.get("/v1/admin/features", headers=admin).status_code == 200

    def grow() -> None:
        for _ in range(5):
            uid = login(client, Account.create())["tokens"]["user_id"]
            assert client.put(f"/v1/admin/features/integrations/overrides/user/{uid}", json={"enabled": True},
                              headers=admin).status_code == 200

    assert_no_n_plus_one(client.app.state.engine, call, grow)
