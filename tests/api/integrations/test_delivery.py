"""Webhook delivery end to end, against a live receiver that verifies every message with the official
``standardwebhooks`` library: signatures, order per endpoint, retries on 500 and timeouts, give-up,
auto-disable, replay, secret rotation, test pings, chain events passed through (pending → retracted)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.integrations.delivery import backoff
from api.settings import ApiSettings
from tests.support.webhook_env import emit, endpoint, integration, pump
from tests.support.webhook_receiver import Receiver


def _setup(client: TestClient, owner: dict[str, Any], receiver: Receiver, path: str,
           events: list[str]) -> dict[str, Any]:
    it = integration(client, owner["headers"])
    hook = endpoint(client, owner["headers"], it["id"], receiver.url(path), events)
    assert hook["secret"].startswith("whsec_")
    receiver.secrets[path].append(hook["secret"])
    return hook


def _kind() -> str:
    return f"test.k{uuid.uuid4().hex[:10]}"


def test_signed_messages_arrive_in_order_and_only_to_their_audience(
        client: TestClient, engine: Engine, fast: ApiSettings, owner: dict[str, Any], receiver: Receiver) -> None:
    kind = _kind()
    hook = _setup(client, owner, receiver, "/in-order", [kind])
    other_user = uuid.uuid4()
    for n in range(6):
        emit(engine, kind, f"thing:{n}", {"n": str(n)}, [owner["user_id"]])
    emit(engine, kind, "thing:not-mine", {"n": "x"}, [str(other_user)])  # someone else's event
    emit(engine, _kind(), "thing:other-kind", {"n": "y"}, [owner["user_id"]])  # not subscribed
    pump(engine, fast, lambda: len(receiver.at("/in-order")) >= 6)
    got = receiver.at("/in-order")
    assert [r.json["data"]["n"] for r in got] == [str(n) for n in range(6)]
    assert all(r.verified_with == [0] for r in got), "standardwebhooks must verify every message"
    assert all(r.json["type"] == kind for r in got)
    assert len({r.msg_id for r in got}) == 6 and all(r.msg_id.startswith("msg_") for r in got)
    log = client.get(f"/v1/integrations/webhooks/{hook['id']}/deliveries", headers=owner["headers"]).json()["items"]
    assert [d["status"] for d in log] == ["succeeded"] * 6 and all(d["last_status_code"] == 200 for d in log)
    detail = client.get(f"/v1/integrations/webhooks/{hook['id']}/deliveries/{log[0]['id']}",
                        headers=owner["headers"]).json()
    assert detail["attempts_log"][0]["outcome"] == "ok" and detail["attempts_log"][0]["latency_ms"] >= 0
    assert "127.0.0.1" not in str(detail["attempts_log"])  # the log never carries the URL


def test_retries_500_and_timeouts_with_backoff_keeping_order(
        client: TestClient, engine: Engine, fast: ApiSettings, owner: dict[str, Any], receiver: Receiver,
        capsys: Any) -> None:
    kind = _kind()
    hook = _setup(client, owner, receiver, "/flaky", [kind])
    receiver.on("/flaky", 500, (1.0, 200), 503)  # error, a stall past the 0.5 s timeout, error, then 200s
    emit(engine, kind, "a", {"n": "first"}, [owner["user_id"]])
    emit(engine, kind, "b", {"n": "second"}, [owner["user_id"]])
    pump(engine, fast, lambda: len(receiver.at("/flaky")) >= 4)
    got = receiver.at("/flaky")
    # The 500 and the 503 were answered to "first" (recorded), the stall never completed; "second" waited.
    assert [r.json["data"]["n"] for r in got] == ["first", "first", "first", "second"]
    assert len({r.msg_id for r in got[:3]}) == 1, "a retry keeps its webhook-id"
    assert len({r.headers["webhook-timestamp"] for r in got}) >= 1
    items = client.get(f"/v1/integrations/webhooks/{hook['id']}/deliveries", headers=owner["headers"]).json()["items"]
    first = client.get(f"/v1/integrations/webhooks/{hook['id']}/deliveries/{items[-1]['id']}",
                       headers=owner["headers"]).json()
    outcomes = [(a["outcome"], a["status_code"]) for a in first["attempts_log"]]
    assert outcomes == [("http_error", 500), ("timeout", None), ("http_error", 503), ("ok", 200)]
    assert first["status"] == "succeeded" and first["attempts"] == 4
    assert all(len(a["response_excerpt"]) <= 200 for a in first["attempts_log"])
    times = [datetime.fromisoformat(a["created_at"]) for a in first["attempts_log"]]
    assert times == sorted(times)
    logged = capsys.readouterr()
    assert "webhook attempt" in logged.out + logged.err and "/flaky" not in logged.out + logged.err  # no URLs


def test_429_retry_after_is_honoured(
        client: TestClient, engine: Engine, fast: ApiSettings, owner: dict[str, Any], receiver: Receiver) -> None:
    kind = _kind()
    hook = _setup(client, owner, receiver, "/busy", [kind])
    receiver.on("/busy", 429)
    emit(engine, kind, "b", {"n": "1"}, [owner["user_id"]])
    pump(engine, fast, lambda: len(receiver.at("/busy")) == 1)
    item = client.get(f"/v1/integrations/webhooks/{hook['id']}/deliveries", headers=owner["headers"]).json()["items"][0]
    assert item["status"] == "pending" and item["last_status_code"] == 429
    wait = datetime.fromisoformat(item["next_attempt_at"]) - datetime.fromisoformat(item["created_at"])
    assert wait.total_seconds() >= 0.9  # the receiver's Retry-After: 1 (over the 0.2 s backoff cap)
    pump(engine, fast, lambda: len(receiver.at("/busy")) == 2)


def test_backoff_is_exponential_jittered_and_capped(fast: ApiSettings) -> None:
    settings = fast.model_copy(update={"webhook_retry_base_seconds": 10.0, "webhook_retry_max_seconds": 300.0})
    for attempt, ceiling in ((1, 10), (2, 20), (3, 40), (6, 300), (20, 300)):
        delays = [backoff(settings, attempt) for _ in range(200)]
        assert all(5 <= d <= ceiling for d in delays), (attempt, min(delays), max(delays))
        assert len({round(d, 3) for d in delays}) > 50  # jittered
    assert backoff(settings, 1, retry_after=120) >= 120  # Retry-After is honoured (up to the cap)


def test_gives_up_then_auto_disables_and_reenables(
        client: TestClient, engine: Engine, fast: ApiSettings, owner: dict[str, Any], receiver: Receiver) -> None:
    kind = _kind()
    hook = _setup(client, owner, receiver, "/down", [kind])
    receiver.default_status["/down"] = 500
    for n in range(3):
        emit(engine, kind, f"d:{n}", {"n": str(n)}, [owner["user_id"]])

    def disabled() -> bool:
        return client.get(f"/v1/integrations/webhooks/{hook['id']}", headers=owner["headers"]).json()["status"] == "disabled"

    pump(engine, fast, disabled)
    state = client.get(f"/v1/integrations/webhooks/{hook['id']}", headers=owner["headers"]).json()
    assert state["disabled_reason"] == "failures" and state["consecutive_failures"] == 6
    log = client.get(f"/v1/integrations/webhooks/{hook['id']}/deliveries", headers=owner["headers"]).json()["items"]
    by_n = {d["event_id"]: d for d in log}
    assert sorted(d["status"] for d in by_n.values()) == ["failed", "pending", "pending"]  # 4 attempts, then 2
    with engine.connect() as conn:
        event = conn.execute(text("SELECT payload, audience FROM outbox_events WHERE kind = "
                                  "'integration.webhook.disabled' AND subject = :s"),
                             {"s": f"webhook:{hook['id']}"}).one()
    assert event.payload["webhook_id"] == hook["id"] and [str(u) for u in event.audience] == [owner["user_id"]]
    # Fixed and re-enabled: the queued messages go out, in order.
    receiver.default_status["/down"] = 200
    r = client.patch(f"/v1/integrations/webhooks/{hook['id']}", json={"status": "active"}, headers=owner["headers"])
    assert r.status_code == 200 and r.json()["consecutive_failures"] == 0
    pump(engine, fast, lambda: [x.json["data"]["n"] for x in receiver.at("/down")][-2:] == ["1", "2"])


def test_replay_sends_the_same_message_again(
        client: TestClient, engine: Engine, fast: ApiSettings, owner: dict[str, Any], receiver: Receiver) -> None:
    kind = _kind()
    hook = _setup(client, owner, receiver, "/replay", [kind])
    emit(engine, kind, "r", {"n": "1"}, [owner["user_id"]])
    pump(engine, fast, lambda: len(receiver.at("/replay")) == 1)
    first = client.get(f"/v1/integrations/webhooks/{hook['id']}/deliveries", headers=owner["headers"]).json()["items"][0]
    r = client.post(f"/v1/integrations/webhooks/{hook['id']}/deliveries/{first['id']}/replay", headers=owner["headers"])
    assert r.status_code == 202 and r.json()["replay_of"] == first["id"]
    pump(engine, fast, lambda: len(receiver.at("/replay")) == 2)
    a, b = receiver.at("/replay")
    assert a.msg_id == b.msg_id and a.body == b.body and b.verified_with == [0]
    again = client.post(f"/v1/integrations/webhooks/{hook['id']}/deliveries/{first['id']}/replay",
                        headers=owner["headers"])
    assert again.status_code == 202  # a finished delivery can be replayed any number of times
    missing = client.post(f"/v1/integrations/webhooks/{hook['id']}/deliveries/999999999/replay",
                          headers=owner["headers"])
    assert missing.status_code == 404


def test_rotation_signs_with_both_secrets_during_the_grace_period(
        client: TestClient, engine: Engine, fast: ApiSettings, owner: dict[str, Any], receiver: Receiver) -> None:
    kind = _kind()
    hook = _setup(client, owner, receiver, "/rotate", [kind])
    r = client.post(f"/v1/integrations/webhooks/{hook['id']}/rotate-secret", headers=owner["headers"])
    assert r.status_code == 200, r.text
    new_secret = r.json()["secret"]
    assert new_secret != hook["secret"] and r.json()["previous_secret_expires_at"]
    receiver.secrets["/rotate"].append(new_secret)
    emit(engine, kind, "x", {"n": "1"}, [owner["user_id"]])
    pump(engine, fast, lambda: len(receiver.at("/rotate")) == 1)
    got = receiver.at("/rotate")[0]
    assert got.verified_with == [0, 1], "old and new secret both verify during the grace period"
    assert len(got.headers["webhook-signature"].split(" ")) == 2


def test_test_ping_and_chain_events_pass_through(
        client: TestClient, engine: Engine, fast: ApiSettings, owner: dict[str, Any], receiver: Receiver) -> None:
    hook = _setup(client, owner, receiver, "/chain", ["escrow.event.*"])
    r = client.post(f"/v1/integrations/webhooks/{hook['id']}/test", headers=owner["headers"])
    assert r.status_code == 202 and r.json()["event_type"] == "webhook.test"
    escrow = {"chain_id": 31337, "escrow": "0x" + "ab" * 20, "event": "Funded", "block_number": 7,
              "block_hash": "0x" + "cd" * 32, "log_index": 0, "tx_hash": "0x" + "ef" * 32}
    subject = f"escrow:31337:{escrow['escrow']}"
    emit(engine, "escrow.event.pending", subject, escrow, [owner["user_id"]])
    emit(engine, "escrow.event.retracted", subject, escrow, [owner["user_id"]])
    pump(engine, fast, lambda: len(receiver.at("/chain")) == 3)
    got = receiver.at("/chain")
    assert [g.json["type"] for g in got] == ["webhook.test", "escrow.event.pending", "escrow.event.retracted"]
    assert got[2].json["data"]["block_hash"] == escrow["block_hash"] and all(g.verified_with == [0] for g in got)


def test_a_4xx_answer_is_final_and_is_not_retried(
        client: TestClient, engine: Engine, fast: ApiSettings, owner: dict[str, Any], receiver: Receiver) -> None:
    kind = _kind()
    hook = _setup(client, owner, receiver, "/gone", [kind])
    receiver.on("/gone", 410)
    emit(engine, kind, "g", {"n": "1"}, [owner["user_id"]])
    emit(engine, kind, "g", {"n": "2"}, [owner["user_id"]])
    pump(engine, fast, lambda: len(receiver.at("/gone")) == 2)
    log = client.get(f"/v1/integrations/webhooks/{hook['id']}/deliveries", headers=owner["headers"]).json()["items"]
    assert [(d["status"], d["attempts"], d["last_status_code"]) for d in log] == [("succeeded", 1, 200),
                                                                                  ("failed", 1, 410)]


def test_organization_endpoints_get_the_organizations_events_and_batches_are_idempotent(
        client: TestClient, engine: Engine, fast: ApiSettings, owner: dict[str, Any], receiver: Receiver) -> None:
    slug = f"org{uuid.uuid4().hex[:8]}"
    assert client.post("/v1/orgs", json={"slug": slug, "name": "Org"}, headers=owner["headers"]).status_code == 201
    it = integration(client, owner["headers"], org=slug)
    org = {"id": it["owner_org_id"]}
    hook = endpoint(client, owner["headers"], it["id"], receiver.url("/org"), ["org.*"])
    receiver.secrets["/org"].append(hook["secret"])
    emit(engine, "org.member_joined", f"org:{org['id']}", {"role": "member"}, [str(uuid.uuid4())])
    emit(engine, "org.member_joined", f"org:{uuid.uuid4()}", {"role": "member"}, [owner["user_id"]])  # other org
    pump(engine, fast, lambda: len(receiver.at("/org")) == 1)
    assert receiver.at("/org")[0].json["data"]["subject"] == f"org:{org['id']}"
    # The dispatcher's batch comes again (at-least-once): nothing is delivered twice.
    with engine.begin() as conn:
        conn.execute(text("UPDATE outbox_cursors SET txid = 0, event_id = 0 WHERE consumer = 'webhooks'"))
    pump(engine, fast, lambda: lag_zero(engine))
    assert len(receiver.at("/org")) == 1


def lag_zero(engine: Engine) -> bool:
    from api.kit import outbox

    with engine.connect() as conn:
        return outbox.lag(conn, "webhooks") == 0


def test_the_delivery_log_is_kept_for_the_retention_period(
        client: TestClient, engine: Engine, fast: ApiSettings, owner: dict[str, Any], receiver: Receiver) -> None:
    from api.integrations.service import purge_delivery_log

    kind = _kind()
    hook = _setup(client, owner, receiver, "/retention", [kind])
    emit(engine, kind, "r", {"n": "1"}, [owner["user_id"]])
    pump(engine, fast, lambda: len(receiver.at("/retention")) == 1)
    url = f"/v1/integrations/webhooks/{hook['id']}/deliveries"
    purge_delivery_log(engine, None, fast)
    assert len(client.get(url, headers=owner["headers"]).json()["items"]) == 1  # recent: kept
    with engine.begin() as conn:
        conn.execute(text("UPDATE webhook_deliveries SET finished_at = now() - interval '31 days' "
                          "WHERE webhook_id = :w"), {"w": hook["id"]})
    assert purge_delivery_log(engine, None, fast) >= 1
    assert client.get(url, headers=owner["headers"]).json()["items"] == []


def test_organization_endpoints_get_their_projects_events_and_admins_hear_of_a_disable(
        client: TestClient, engine: Engine, fast: ApiSettings, owner: dict[str, Any], receiver: Receiver) -> None:
    from decimal import Decimal

    from sqlalchemy.orm import Session

    from api.projects.models import Project

    slug = f"org{uuid.uuid4().hex[:8]}"
    assert client.post("/v1/orgs", json={"slug": slug, "name": "Org"}, headers=owner["headers"]).status_code == 201
    it = integration(client, owner["headers"], org=slug)
    hook = endpoint(client, owner["headers"], it["id"], receiver.url("/org-projects"), ["project.*", "proposal.*"])
    receiver.secrets["/org-projects"].append(hook["secret"])
    with Session(engine) as db:
        ours = Project(client_user_id=uuid.UUID(owner["user_id"]), org_id=uuid.UUID(it["owner_org_id"]), title="t",
                       description="d", budget=Decimal(1), chain_id=31337, token="0x" + "00" * 20)
        theirs = Project(client_user_id=uuid.UUID(owner["user_id"]), title="t", description="d", budget=Decimal(1),
                         chain_id=31337, token="0x" + "00" * 20)
        db.add_all([ours, theirs])
        db.commit()
        ours_id, theirs_id = str(ours.id), str(theirs.id)
    someone = [str(uuid.uuid4())]
    emit(engine, "project.state_changed", f"project:{ours_id}", {"state": "open"}, someone)
    emit(engine, "project.state_changed", f"project:{theirs_id}", {"state": "open"}, someone)  # not the org's
    emit(engine, "proposal.submitted", f"proposal:{uuid.uuid4()}", {"project": ours_id}, someone)
    pump(engine, fast, lambda: len(receiver.at("/org-projects")) == 2)
    assert [r.json["type"] for r in receiver.at("/org-projects")] == ["project.state_changed", "proposal.submitted"]
    # Failing until disabled: the organization's owners and admins are the notice's audience.
    receiver.default_status["/org-projects"] = 500
    for _ in range(2):  # 4 attempts on the first (then it is failed), 2 on the second: 6 in a row
        emit(engine, "project.updated", f"project:{ours_id}", {}, someone)
    pump(engine, fast, lambda: client.get(f"/v1/integrations/webhooks/{hook['id']}",
                                          headers=owner["headers"]).json()["status"] == "disabled")
    with engine.connect() as conn:
        audience = conn.execute(text("SELECT audience FROM outbox_events WHERE kind = 'integration.webhook.disabled' "
                                     "AND subject = :s"), {"s": f"webhook:{hook['id']}"}).scalar_one()
    assert [str(u) for u in audience] == [owner["user_id"]]
