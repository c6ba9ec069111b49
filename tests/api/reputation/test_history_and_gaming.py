"""lancer-rep-v2: persisted events and score history that follow reorgs, badges, automatic
engagement_completed attestations, and the gaming rules (refunds, linked wallets, self-review).
Real anvil + EAS, PostgreSQL, Redis; the reorg is anvil_reorg."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.reputation import history as rep_history
from api.reputation.models import ReputationEvent
from contracts.eas.lancer_schemas import ENGAGEMENT_COMPLETED
from tests.support.api_client import bearer, login, siwe_body
from tests.support.reputation_env import Env, completed_escrow

ETH = 10**18


def _ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


def _rep(env: Env, address: str, auth: dict[str, str]) -> dict[str, Any]:
    return _ok(env.client.get(f"/v1/reputation/{address}", headers=auth))


def test_refunds_weigh_and_a_full_refund_is_no_completion(env: Env) -> None:
    p = env.platform
    client, freelancer, arbiter = env.account(5), env.account(6), p.users[2]
    auth = env.token_for(client)
    completed_escrow(p, client.address, freelancer.address, arbiter, [ETH], dispute={0: 0})  # all back to client
    env.index()
    parts = _rep(env, freelancer.address, auth)["parts"]
    assert parts["completed_escrows"]["count"] == 0 and parts["volume"]["decayed_units"] == 0
    completed_escrow(p, client.address, freelancer.address, arbiter, [ETH, ETH], dispute={1: 5000})  # 3/4 released
    env.index()
    parts = _rep(env, freelancer.address, auth)["parts"]
    assert parts["completed_escrows"]["count"] == 1
    # 4 points per completion x share released (1.5 of 2 ETH, fees aside), barely decayed.
    assert parts["completed_escrows"]["points"] == pytest.approx(4 * 0.75, rel=0.02)


def test_escrows_and_reviews_between_linked_wallets_count_for_nothing(env: Env) -> None:
    p = env.platform
    main, second, arbiter = env.account(1), env.account(3), p.users[6]
    out = login(env.client, main)
    h = bearer(out["tokens"]["access_token"])
    _ok(env.client.post("/v1/me/wallets", json=siwe_body(env.client, second), headers=h), 201)
    before = _rep(env, second.address, h)["score"]
    escrow, _ = completed_escrow(p, main.address, second.address, arbiter, [2 * ETH])
    env.index()
    rep = _rep(env, second.address, h)
    assert rep["parts"]["completed_escrows"]["count"] == 0 and rep["parts"]["on_time_releases"]["count"] == 0
    assert rep["score"] == before
    # Reviewing "the other party" is reviewing oneself: refused, whichever wallet signed in.
    r = env.client.post("/v1/reviews", headers=h, json={"chain_id": 31337, "escrow": escrow, "rating": 5,
                                                        "text": "great work, me"})
    assert r.status_code == 403 and r.json()["type"].endswith("self-review"), r.text
    # Nor is it attested as a completed engagement.
    rep_history.sweep(env.engine, env.redis, env.settings)
    listed = _ok(env.client.get("/v1/attestations", headers=h, params={"recipient": second.address,
                                                                       "schema": "engagement_completed"}))
    assert listed["items"] == []


def test_history_events_badges_and_engagement_attestation_follow_the_chain(env: Env) -> None:
    p = env.platform
    client, freelancer, arbiter = env.account(2), env.account(4), p.users[2]
    auth, mine = env.token_for(client), env.token_for(freelancer)
    url = f"/v1/reputation/{freelancer.address}/history"
    assert env.client.get(url).status_code == 401
    assert env.client.get("/v1/reputation/0x" + "12" * 20 + "/history", headers=auth).status_code == 404
    assert env.client.get("/v1/reputation/0x1234/history", headers=auth).status_code == 422
    empty = _ok(env.client.get(url, headers=mine))
    assert empty["formula_version"] == "lancer-rep-v2" and empty["events"] == []
    assert {b["id"]: b["earned"] for b in empty["badges"]}["first_contract"] is False

    escrow, receipts = completed_escrow(p, client.address, freelancer.address, arbiter, [ETH, 2 * ETH])
    env.index()
    # The sweep attests the confirmed completion, once, to the freelancer.
    assert rep_history.sweep(env.engine, env.redis, env.settings) >= 1
    rep_history.sweep(env.engine, env.redis, env.settings)
    issued = _ok(env.client.get("/v1/attestations", headers=auth, params={"recipient": freelancer.address,
                                                                          "schema": "engagement_completed"}))["items"]
    assert len(issued) == 1 and issued[0]["schema_uid"] == ENGAGEMENT_COMPLETED.uid
    assert issued[0]["decoded"]["milestones"] in (2, "2") and issued[0]["decoded"]["client"] == client.address

    seen = _ok(env.client.get(url, headers=auth))
    types = sorted(e["type"] for e in seen["events"])
    assert types == ["escrow_completed", "on_time_delivery", "on_time_delivery"], types
    done = next(e for e in seen["events"] if e["type"] == "escrow_completed")
    assert done["payload"]["escrow"] == escrow and done["weight"] == pytest.approx(4.0)
    assert {b["id"]: b["earned"] for b in seen["badges"]}["first_contract"] is True
    assert len(seen["series"]) == len(empty["series"]) + 1 and seen["series"][-1]["score"] > 0
    high = seen["series"][-1]["score"]

    # A reorg drops the final release (the block that completed the escrow) and the blocks above it.
    p.reorg(4)
    env.index()
    after = _ok(env.client.get(url, headers=auth))
    types = sorted(e["type"] for e in after["events"])
    assert types == ["on_time_delivery"], types  # the first release stays; the completion is retracted
    assert {b["id"]: b["earned"] for b in after["badges"]}["first_contract"] is False
    assert after["series"][-1]["score"] < high
    with Session(env.engine) as db:
        keys = list(db.scalars(select(ReputationEvent.key).where(ReputationEvent.address == freelancer.address)))
    assert not any(k.startswith("escrow_completed") for k in keys)
    assert receipts  # (the receipts list the release order the events were derived from)
    # The engagement_completed attestation of the retracted completion is revoked by the next sweep.
    assert _ok(env.client.get(f"/v1/attestations/{issued[0]['uid']}"))["revoked_at"] is None
    rep_history.sweep(env.engine, env.redis, env.settings)
    assert _ok(env.client.get(f"/v1/attestations/{issued[0]['uid']}"))["revoked_at"] is not None
