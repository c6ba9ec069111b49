"""Tickets: requester and agents only, status follows the conversation, links checked, SLA stamps and the
scheduled sweep, outbox events for every update."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api import scheduler
from api.settings import ApiSettings
from tests.api.support.conftest import new_user


def _events(engine: Engine, ticket_id: str) -> list[tuple[str, str, set[str]]]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT payload, audience FROM outbox_events WHERE subject = :s ORDER BY id"),
                            {"s": f"support_ticket:{ticket_id}"}).all()
    return [(r.payload["change"], r.payload["status"], {str(u) for u in r.audience}) for r in rows]


def test_ticket_conversation_and_rights(client: TestClient, agent: dict[str, Any], engine: Engine) -> None:
    alice, bob = new_user(client), new_user(client)
    r = client.post("/v1/support/tickets", json={"subject": "Escrow stuck", "body": "My *escrow* <img src=x onerror=a()>"},
                    headers=alice["h"])
    assert r.status_code == 201, r.text
    t = r.json()
    tid = t["id"]
    assert t["status"] == "open" and t["first_response_at"] is None and t["first_response_due_at"] > t["created_at"]
    assert "<img" not in t["messages"][0]["html"] and "<em>escrow</em>" in t["messages"][0]["html"]
    # Someone else: a 404 everywhere (ids leak nothing); not in their list; no agent queue for them.
    assert client.get(f"/v1/support/tickets/{tid}", headers=bob["h"]).status_code == 404
    assert client.post(f"/v1/support/tickets/{tid}/messages", json={"body": "hi"}, headers=bob["h"]).status_code == 404
    assert client.patch(f"/v1/support/tickets/{tid}", json={"status": "solved"}, headers=bob["h"]).status_code == 404
    assert client.get("/v1/support/tickets", headers=bob["h"]).json()["items"] == []
    assert client.get("/v1/support/queue", headers=bob["h"]).status_code == 403
    assert tid in [x["id"] for x in client.get("/v1/support/queue?status=open", headers=agent["h"]).json()["items"]]
    # The agent replies: pending, first response stamped, assigned to them.
    r = client.post(f"/v1/support/tickets/{tid}/messages", json={"body": "Looking into it"}, headers=agent["h"])
    after = r.json()
    assert r.status_code == 201 and after["status"] == "pending" and after["first_response_at"] is not None
    assert after["assignee_id"] == agent["id"] and after["messages"][-1]["from_agent"] is True
    # The requester answers: open again; cannot set pending or assign; can solve; a reply reopens.
    assert client.post(f"/v1/support/tickets/{tid}/messages", json={"body": "thanks"}, headers=alice["h"]).json()["status"] == "open"
    assert client.patch(f"/v1/support/tickets/{tid}", json={"status": "pending"}, headers=alice["h"]).status_code == 403
    assert client.patch(f"/v1/support/tickets/{tid}", json={"assignee_id": agent["id"]}, headers=alice["h"]).status_code == 403
    solved = client.patch(f"/v1/support/tickets/{tid}", json={"status": "solved"}, headers=alice["h"]).json()
    assert solved["status"] == "solved" and solved["solved_at"] is not None
    reopened = client.post(f"/v1/support/tickets/{tid}/messages", json={"body": "again"}, headers=alice["h"]).json()
    assert reopened["status"] == "open" and reopened["solved_at"] is None
    assert client.patch(f"/v1/support/tickets/{tid}", json={"assignee_id": bob["id"]}, headers=agent["h"]).status_code == 422
    assert _events(engine, tid) == [
        ("created", "open", {alice["id"]}), ("agent_reply", "pending", {alice["id"], agent["id"]}),
        ("requester_reply", "open", {alice["id"], agent["id"]}), ("status", "solved", {alice["id"], agent["id"]}),
        ("requester_reply", "open", {alice["id"], agent["id"]})]


def test_links_must_be_the_requesters(client: TestClient) -> None:
    alice = new_user(client)
    base = {"subject": "About a thing", "body": "help"}
    for extra in ({"project_id": "00000000-0000-0000-0000-000000000001"},
                  {"contract_id": "00000000-0000-0000-0000-000000000001"},
                  {"escrow": "31337:0x0000000000000000000000000000000000000001"},
                  {"escrow": "not-an-escrow"},
                  {"escrow": "99999999999999999999:0x0000000000000000000000000000000000000001"}):
        r = client.post("/v1/support/tickets", json={**base, **extra}, headers=alice["h"])
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json"), (extra, r.text)
    project = client.post("/v1/projects", headers=alice["h"], json={
        "title": "A project for support", "description": "Something to build.", "budget": "1000",
        "chain": "31337", "token": "native"})
    assert project.status_code == 201, project.text
    pid = project.json()["id"]
    r = client.post("/v1/support/tickets", json={**base, "project_id": pid}, headers=alice["h"])
    assert r.status_code == 201 and r.json()["project_id"] == pid
    other = new_user(client)
    assert client.post("/v1/support/tickets", json={**base, "project_id": pid}, headers=other["h"]).status_code == 422


def test_sla_sweep_marks_late_tickets_once(client: TestClient, engine: Engine, api_settings: ApiSettings,
                                           agent: dict[str, Any]) -> None:
    alice = new_user(client)
    late = client.post("/v1/support/tickets", json={"subject": "Late one", "body": "x"}, headers=alice["h"]).json()["id"]
    answered = client.post("/v1/support/tickets", json={"subject": "Answered", "body": "x"}, headers=alice["h"]).json()["id"]
    client.post(f"/v1/support/tickets/{answered}/messages", json={"body": "on it"}, headers=agent["h"])
    with engine.begin() as conn:
        conn.execute(text("UPDATE support_tickets SET first_response_due_at = now() - interval '1 minute' "
                          "WHERE id IN (:a, :b)"), {"a": late, "b": answered})
    job = scheduler.JOBS["support_sla_sweep"]
    assert job.every_seconds is None  # every tick
    assert job.sweep(engine, None, api_settings) >= 1  # type: ignore[arg-type]
    assert client.get(f"/v1/support/tickets/{late}", headers=alice["h"]).json()["breached_at"] is not None
    assert client.get(f"/v1/support/tickets/{answered}", headers=alice["h"]).json()["breached_at"] is None
    job.sweep(engine, None, api_settings)  # type: ignore[arg-type]
    assert [e[0] for e in _events(engine, late)] == ["created", "sla_breached"]
