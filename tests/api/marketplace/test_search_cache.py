"""The anonymous project search is cached under the projects data version (``api.kit.versions``): a
change is visible to the next search at once, from this process (its commits mark the version stale) and
from any other writer (triggers move the version in the writing transaction). About 3 s."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from eth_account import Account
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from api.app import create_app
from api.identity.models import User, Wallet
from api.settings import ApiSettings
from tests.support.api_client import bearer, login


def _ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, (r.status_code, r.text[:500])
    return r.json()


def _versions(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT name, version FROM data_versions")).all())  # type: ignore[arg-type]


def test_a_change_is_seen_by_the_next_anonymous_search(settings_factory: Callable[..., ApiSettings],
                                                       engine: Engine) -> None:
    word = "zq" + secrets.token_hex(4)
    search = {"q": word, "limit": 5}
    # A version remembered for a minute: only the invalidation can make the changes below visible.
    with TestClient(create_app(settings_factory(cache_version_ttl_seconds=60))) as client:
        owner = bearer(login(client, Account.create())["tokens"]["access_token"])
        handle = "u" + secrets.token_hex(5)
        _ok(client.patch("/v1/me/profile", headers=owner, json={"handle": handle, "display_name": handle}))
        p = _ok(client.post("/v1/projects", headers=owner, json={
            "title": f"Cache {word}", "description": "a project to find", "budget": "10", "chain": "anvil-1",
            "token": "native"}), 201)
        assert _ok(client.get("/v1/projects", params=search))["items"] == []  # a draft: nobody else sees it
        _ok(client.post(f"/v1/projects/{p['id']}/transition", headers=owner, json={"to": "open"}))
        first = client.get("/v1/projects", params=search)
        assert [(x["title"], x["client"]) for x in _ok(first)["items"]] == [(f"Cache {word}", handle)]
        repeat = client.get("/v1/projects", params=search)  # answered from the cache (the fast path)
        assert repeat.content == first.content and repeat.headers["etag"] == first.headers["etag"]
        _ok(client.patch(f"/v1/projects/{p['id']}", headers=owner, json={"title": f"Renamed {word}"}))
        assert [x["title"] for x in _ok(client.get("/v1/projects", params=search))["items"]] == [f"Renamed {word}"]
        renamed = "u" + secrets.token_hex(5)
        _ok(client.patch("/v1/me/profile", headers=owner, json={"handle": renamed}))
        assert [x["client"] for x in _ok(client.get("/v1/projects", params=search))["items"]] == [renamed]

    # Another process's write (here: SQL on the test's own engine), seen once the version is read again.
    with TestClient(create_app(settings_factory(cache_version_ttl_seconds=0))) as client:
        assert [x["title"] for x in _ok(client.get("/v1/projects", params=search))["items"]] == [f"Renamed {word}"]
        with engine.begin() as conn:
            conn.execute(text("UPDATE projects SET title = :t WHERE id = :i"), {"t": f"Retitled {word}", "i": p["id"]})
        assert [x["title"] for x in _ok(client.get("/v1/projects", params=search))["items"]] == [f"Retitled {word}"]


def test_triggers_move_only_their_version(engine: Engine) -> None:
    before = _versions(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE profiles SET display_name = display_name WHERE false"))  # not shown by search
    assert _versions(engine) == before
    with engine.begin() as conn:
        conn.execute(text("UPDATE organizations SET slug = slug WHERE false"))
    after = _versions(engine)
    assert after["projects"] == before["projects"] + 1 and after["reputation"] == before["reputation"]
    # Wallets: who owns an address moves the reputation version; a sign-in's last_login_at does not.
    address = Account.create().address
    with Session(engine) as db:
        user = User()
        db.add(user)
        db.flush()
        db.add(Wallet(user_id=user.id, address=address, chain_id=31337))
        db.commit()
    assert _versions(engine)["reputation"] == before["reputation"] + 1
    with engine.begin() as conn:
        conn.execute(text("UPDATE user_wallets SET last_login_at = now() WHERE address = :a"), {"a": address})
    assert _versions(engine)["reputation"] == before["reputation"] + 1
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM user_wallets WHERE address = :a"), {"a": address})
    assert _versions(engine)["reputation"] == before["reputation"] + 2


def test_the_apis_connections_plan_each_search_for_its_own_words(client: TestClient) -> None:
    """A prepared statement (psycopg prepares one after its 5th run on a connection) must not fall back to a
    generic plan: one plan for every ``q`` walked the newest-first index for rare words and AND-ed big GIN
    bitmaps for common ones, 3-5x the PostgreSQL CPU of a full-text search (README "Project search")."""
    sql = ("SELECT id FROM projects WHERE search @@ websearch_to_tsquery('english', %(q)s) "
           "ORDER BY created_at DESC, id DESC LIMIT 21")
    with client.app.state.engine.connect() as conn:  # type: ignore[attr-defined]
        for i in range(12):
            conn.exec_driver_sql(sql, {"q": f"word{i}"}).all()
        generic, custom = conn.execute(text("SELECT generic_plans, custom_plans FROM pg_prepared_statements "
                                            "WHERE statement LIKE '%websearch_to_tsquery%'")).one()
        cost = conn.execute(text("SHOW random_page_cost")).scalar()
    assert generic == 0 and custom >= 5, (generic, custom)  # prepared from the 6th run on
    assert cost == "1.1"
