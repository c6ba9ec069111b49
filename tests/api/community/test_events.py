"""Events: moderators create, creator or moderator edit and delete (audited); upcoming/past lists in the viewer's time zone; RSVP within capacity; .ics export
parsed back with icalendar."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta

import icalendar
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.api.community.conftest import new_user


def _event(cc: TestClient, admin_h: dict[str, str], start: datetime, hours: int = 2, **extra: object) -> dict:
    body = {"title": f"Event {secrets.token_hex(3)}", "description": "Bring **questions**",
            "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=hours)).isoformat(), **extra}
    r = cc.post("/v1/community/events", json=body, headers=admin_h)
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_rsvp_capacity_and_time_zones(cc: TestClient, admin_h: dict[str, str]) -> None:
    start = (datetime.now(UTC) + timedelta(days=3)).replace(hour=15, minute=0, second=0, microsecond=0)
    e = _event(cc, admin_h, start, capacity=2, link="https://meet.example.com/x")
    a, b, c = new_user(cc), new_user(cc), new_user(cc)
    assert cc.put(f"/v1/community/events/{e['id']}/rsvp", headers=a["h"]).json()["going"] == 1
    assert cc.put(f"/v1/community/events/{e['id']}/rsvp", headers=a["h"]).json()["going"] == 1  # idempotent
    assert cc.put(f"/v1/community/events/{e['id']}/rsvp", headers=b["h"]).json()["me_going"] is True
    full = cc.put(f"/v1/community/events/{e['id']}/rsvp", headers=c["h"])
    assert full.status_code == 409 and full.json()["type"].endswith("event-full")
    assert cc.delete(f"/v1/community/events/{e['id']}/rsvp", headers=a["h"]).json()["going"] == 1
    assert cc.put(f"/v1/community/events/{e['id']}/rsvp", headers=c["h"]).status_code == 200
    shown = cc.get(f"/v1/community/events/{e['id']}?tz=Asia/Tokyo").json()
    assert shown["starts_at"].startswith(start.strftime("%Y-%m-%dT15:00:00")) and shown["time_zone"] == "Asia/Tokyo"
    assert shown["starts_local"].endswith("+09:00") and "T00:00:00" in shown["starts_local"]
    assert "<strong>questions</strong>" in shown["html"]
    assert cc.get(f"/v1/community/events/{e['id']}?tz=Mars/Olympus").status_code == 422
    naive = {"title": "No zone", "starts_at": "2030-01-01T10:00:00", "ends_at": "2030-01-01T11:00:00"}
    assert cc.post("/v1/community/events", json=naive, headers=admin_h).status_code == 422
    backwards = {"title": "Backwards", "starts_at": "2030-01-01T10:00:00Z", "ends_at": "2030-01-01T09:00:00Z"}
    assert cc.post("/v1/community/events", json=backwards, headers=admin_h).status_code == 422
    assert cc.post("/v1/community/events", json={**naive, "starts_at": "2030-01-01T10:00:00Z",
                                                 "ends_at": "2030-01-01T11:00:00Z"}, headers=a["h"]).status_code == 403


def test_upcoming_and_past_lists(cc: TestClient, admin_h: dict[str, str]) -> None:
    now = datetime.now(UTC)
    past = _event(cc, admin_h, now - timedelta(days=2))
    soon = _event(cc, admin_h, now + timedelta(hours=1))
    later = _event(cc, admin_h, now + timedelta(days=400))
    running = _event(cc, admin_h, now - timedelta(minutes=30))  # started, not ended: still upcoming
    upcoming = [e["id"] for e in _all(cc, "upcoming")]
    assert upcoming.index(running["id"]) < upcoming.index(soon["id"]) < upcoming.index(later["id"])
    assert past["id"] not in upcoming and past["id"] in [e["id"] for e in _all(cc, "past")]
    r = cc.put(f"/v1/community/events/{past['id']}/rsvp", headers=new_user(cc)["h"])
    assert r.status_code == 409 and r.json()["type"].endswith("event-over")


def _all(cc: TestClient, when: str) -> list[dict]:
    items: list[dict] = []
    cursor = ""
    while True:
        page = cc.get(f"/v1/community/events?when={when}&limit=2&cursor={cursor}").json()
        items += page["items"]
        if not page["next_cursor"]:
            return items
        cursor = page["next_cursor"]


def test_ics_export_parses_back(cc: TestClient, admin_h: dict[str, str]) -> None:
    start = datetime(2031, 3, 4, 17, 30, tzinfo=UTC)
    e = _event(cc, admin_h, start, hours=1, link="https://meet.example.com/abc",
               description="Line one, with; special\ncharacters")
    r = cc.get(f"/v1/community/events/{e['id']}/ics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    assert "attachment" in r.headers["content-disposition"]
    cal = icalendar.Calendar.from_ical(r.content)
    assert cal["VERSION"] == "2.0" and "Lancer" in str(cal["PRODID"])
    (vevent,) = cal.walk("VEVENT")
    assert str(vevent["UID"]) == f"{e['id']}@events.lancer"
    assert vevent.decoded("DTSTART") == start and vevent.decoded("DTEND") == start + timedelta(hours=1)
    assert str(vevent["SUMMARY"]) == e["title"] and str(vevent["URL"]) == "https://meet.example.com/abc"
    assert str(vevent["DESCRIPTION"]) == "Line one, with; special\ncharacters"
    assert cc.get("/v1/community/events/00000000-0000-0000-0000-000000000000/ics").status_code == 404


def _audit(engine: Engine, target: str) -> list[tuple[str, dict]]:
    with engine.connect() as conn:
        return [(r[0], r[1]) for r in conn.execute(text(
            "SELECT action, details FROM audit_events WHERE target = :t ORDER BY id"), {"t": target})]


def test_edit_and_delete_by_creator_or_moderator_audited(cc: TestClient, admin_h: dict[str, str],
                                                          engine: Engine) -> None:
    creator, other, mod = new_user(cc), new_user(cc), new_user(cc)
    for u in (creator, mod):
        assert cc.put(f"/v1/admin/community/moderators/{u['id']}", headers=admin_h).status_code == 204
    start = (datetime.now(UTC) + timedelta(days=5)).replace(microsecond=0)
    e = _event(cc, creator["h"], start)
    path = f"/v1/community/events/{e['id']}"
    # The creator stays the owner even once no longer a moderator.
    assert cc.delete(f"/v1/admin/community/moderators/{creator['id']}", headers=admin_h).status_code == 204

    assert cc.patch(path, json={"title": "Nope"}).status_code == 401
    denied = cc.patch(path, json={"title": "Taken over"}, headers=other["h"])
    assert denied.status_code == 403 and denied.json()["type"].endswith("forbidden")
    assert cc.delete(path, headers=other["h"]).status_code == 403
    assert cc.delete(path).status_code == 401
    assert cc.patch(f"/v1/community/events/{uuid.uuid4()}", json={"title": "Ghost"},
                    headers=creator["h"]).status_code == 404

    later = start + timedelta(days=1)
    r = cc.patch(path, json={"title": "Renamed", "starts_at": later.isoformat(),
                             "ends_at": (later + timedelta(hours=1)).isoformat(), "link": "https://meet.example.com/y"},
                 headers=creator["h"])
    assert r.status_code == 200, r.text
    assert r.json()["title"] == "Renamed" and r.json()["link"] == "https://meet.example.com/y"
    assert r.json()["starts_at"].startswith(later.strftime("%Y-%m-%dT%H:%M:%S"))
    assert r.json()["description"] == e["description"]  # absent fields are kept
    backwards = cc.patch(path, json={"ends_at": (later - timedelta(hours=1)).isoformat()}, headers=creator["h"])
    assert backwards.status_code == 422 and backwards.headers["content-type"].startswith("application/problem+json")
    assert cc.patch(path, json={"title": None}, headers=creator["h"]).status_code == 422
    assert cc.patch(path, json={"starts_at": "2031-01-01T10:00:00"}, headers=creator["h"]).status_code == 422
    assert cc.get(path).json()["title"] == "Renamed"

    # Capacity shrinks below the RSVPs given: they are kept, new ones refused until enough withdraw.
    a, b, c = new_user(cc), new_user(cc), new_user(cc)
    for u in (a, b):
        assert cc.put(f"{path}/rsvp", headers=u["h"]).status_code == 200
    r = cc.patch(path, json={"capacity": 1}, headers=mod["h"])
    assert r.status_code == 200 and r.json()["capacity"] == 1 and r.json()["going"] == 2
    assert cc.put(f"{path}/rsvp", headers=a["h"]).json()["going"] == 2  # already going: still going
    full = cc.put(f"{path}/rsvp", headers=c["h"])
    assert full.status_code == 409 and full.json()["type"].endswith("event-full")
    assert cc.delete(f"{path}/rsvp", headers=a["h"]).json()["going"] == 1
    assert cc.put(f"{path}/rsvp", headers=c["h"]).status_code == 409  # 1 going, capacity 1
    assert cc.patch(path, json={"capacity": None}, headers=mod["h"]).json()["capacity"] is None
    assert cc.put(f"{path}/rsvp", headers=c["h"]).json()["going"] == 2

    assert cc.delete(path, headers=mod["h"]).status_code == 204
    assert cc.get(path).status_code == 404 and cc.delete(path, headers=mod["h"]).status_code == 404
    trail = _audit(engine, f"community_event:{e['id']}")
    assert [x[0] for x in trail] == ["community.event.update"] * 3 + ["community.event.delete"]
    assert trail[0][1]["fields"] == ["ends_at", "link", "starts_at", "title"] and not trail[0][1]["by_moderator"]
    assert trail[1][1] == {"fields": ["capacity"], "by_moderator": True, "rsvps_over_capacity": 1}
    assert trail[3][1]["rsvps"] == 2 and trail[3][1]["by_moderator"] is True
