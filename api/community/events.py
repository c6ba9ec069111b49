"""Community events: create (moderators), edit and delete (their creator or a moderator, audited), upcoming
and past lists, RSVP within capacity, iCalendar export.

Lowering the capacity below the RSVPs already given keeps every one of them (people planned on coming);
new RSVPs are refused until withdrawals bring the count under the new capacity.

Times are stored in UTC; each answer also gives them in the viewer's time zone (``tz``, an IANA name).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
from sqlalchemy import delete, func, select, tuple_
from sqlalchemy.orm import Session

from api.audit import service as audit
from api.community.models import Event, Rsvp
from api.community.schemas import EventEdit, EventIn, EventOut
from api.kit.client import ClientContext
from api.kit import markdown
from api.kit.db import commit_unique, utcnow
from api.kit.pagination import decode_cursor, encode_cursor, invalid_cursor
from api.kit.problems import Problem

# iCalendar UIDs must be globally unique and stable: the event id under a Lancer-owned name.
UID_DOMAIN = "events.lancer"


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Problem(422, f"unknown time zone {name!r} (use an IANA name such as Europe/Paris)",
                      type_="validation-error") from None


def _going(db: Session, event_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not event_ids:
        return {}
    rows = db.execute(select(Rsvp.event_id, func.count()).where(Rsvp.event_id.in_(event_ids)).group_by(Rsvp.event_id))
    return {r[0]: int(r[1]) for r in rows}


def _out(event: Event, tz: ZoneInfo, going: int, me_going: bool) -> EventOut:
    return EventOut(id=event.id, title=event.title, description=event.description,
                    html=markdown.render(event.description), starts_at=event.starts_at.astimezone(UTC),
                    ends_at=event.ends_at.astimezone(UTC), starts_local=event.starts_at.astimezone(tz).isoformat(),
                    ends_local=event.ends_at.astimezone(tz).isoformat(), time_zone=tz.key, link=event.link,
                    capacity=event.capacity, going=going, me_going=me_going)


def _mine(db: Session, me: uuid.UUID | None, event_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    if me is None or not event_ids:
        return set()
    return set(db.scalars(select(Rsvp.event_id).where(Rsvp.user_id == me, Rsvp.event_id.in_(event_ids))))


def create(db: Session, me: uuid.UUID, body: EventIn) -> EventOut:
    event = Event(title=body.title, description=body.description, starts_at=body.starts_at.astimezone(UTC),
                  ends_at=body.ends_at.astimezone(UTC), link=str(body.link) if body.link else None,
                  capacity=body.capacity, created_by=me)
    db.add(event)
    db.commit()
    return _out(event, ZoneInfo("UTC"), 0, False)


def _event(db: Session, event_id: uuid.UUID) -> Event:
    event = db.get(Event, event_id)
    if event is None:
        raise Problem(404, "no such event", type_="not-found")
    return event


def _editable(db: Session, event_id: uuid.UUID, me: uuid.UUID, is_moderator: bool) -> Event:
    """The event, row-locked (against a concurrent RSVP counting seats), if ``me`` may change it."""
    event = db.scalar(select(Event).where(Event.id == event_id).with_for_update())
    if event is None:
        raise Problem(404, "no such event", type_="not-found")
    if event.created_by != me and not is_moderator:
        raise Problem(403, "only the event's creator or a moderator can change it", type_="forbidden")
    return event


def update(db: Session, client: ClientContext, me: uuid.UUID, is_moderator: bool, event_id: uuid.UUID,
           body: EventEdit) -> EventOut:
    event = _editable(db, event_id, me, is_moderator)
    changes = body.model_dump(exclude_unset=True)
    if "link" in changes:
        changes["link"] = str(body.link) if body.link else None
    starts, ends = changes.get("starts_at", event.starts_at), changes.get("ends_at", event.ends_at)
    if ends <= starts:
        raise Problem(422, "ends_at must be after starts_at", type_="validation-error")
    changed = sorted(k for k, v in changes.items() if getattr(event, k) != v)
    for key in changed:
        setattr(event, key, changes[key])
    going = _going(db, [event_id]).get(event_id, 0)
    if changed:
        audit.record(db, client, "community.event.update", actor_user_id=me, target=f"community_event:{event_id}",
                     details={"fields": changed, "by_moderator": event.created_by != me,
                              "rsvps_over_capacity": max(0, going - event.capacity) if event.capacity else 0})
    db.commit()
    return _out(event, ZoneInfo("UTC"), going, event_id in _mine(db, me, [event_id]))


def remove(db: Session, client: ClientContext, me: uuid.UUID, is_moderator: bool, event_id: uuid.UUID) -> None:
    """Delete the event and its RSVPs (cascade); audited with the count of RSVPs dropped."""
    event = _editable(db, event_id, me, is_moderator)
    going = _going(db, [event_id]).get(event_id, 0)
    audit.record(db, client, "community.event.delete", actor_user_id=me, target=f"community_event:{event_id}",
                 details={"title": event.title, "rsvps": going, "by_moderator": event.created_by != me})
    db.delete(event)
    db.commit()


def get(db: Session, event_id: uuid.UUID, me: uuid.UUID | None, tz: ZoneInfo) -> EventOut:
    event = _event(db, event_id)
    return _out(event, tz, _going(db, [event_id]).get(event_id, 0), event_id in _mine(db, me, [event_id]))


def list_events(db: Session, when: str, me: uuid.UUID | None, tz: ZoneInfo, limit: int,
                cursor: str | None) -> tuple[list[EventOut], str | None]:
    """``upcoming``: not yet ended, soonest first; ``past``: ended, most recent first."""
    key = decode_cursor(cursor, (str, str))
    now = utcnow()
    upcoming = when == "upcoming"
    col = Event.starts_at if upcoming else Event.ends_at
    query = select(Event).where(Event.ends_at > now if upcoming else Event.ends_at <= now)
    if key:
        try:
            after = (datetime.fromisoformat(key[0]), uuid.UUID(key[1]))
        except ValueError:
            raise invalid_cursor() from None
        cmp = tuple_(col, Event.id)
        query = query.where(cmp > tuple_(*after) if upcoming else cmp < tuple_(*after))
    order = (col.asc(), Event.id.asc()) if upcoming else (col.desc(), Event.id.desc())
    rows = list(db.scalars(query.order_by(*order).limit(limit + 1)))
    page = rows[:limit]
    ids = [e.id for e in page]
    going, mine = _going(db, ids), _mine(db, me, ids)
    items = [_out(e, tz, going.get(e.id, 0), e.id in mine) for e in page]
    last = page[-1] if page else None
    nxt = encode_cursor([(last.starts_at if upcoming else last.ends_at).isoformat(), str(last.id)]) \
        if last and len(rows) > limit else None
    return items, nxt


def rsvp(db: Session, me: uuid.UUID, event_id: uuid.UUID, going: bool) -> EventOut:
    """RSVP (or withdraw). The event row is locked while counting, so two last seats are never both taken."""
    event = db.scalar(select(Event).where(Event.id == event_id).with_for_update())
    if event is None:
        raise Problem(404, "no such event", type_="not-found")
    if going:
        if event.ends_at <= utcnow():
            raise Problem(409, "this event is over", type_="event-over")
        if db.get(Rsvp, (event_id, me)) is None:
            taken = _going(db, [event_id]).get(event_id, 0)
            if event.capacity is not None and taken >= event.capacity:
                raise Problem(409, f"this event is full ({event.capacity} places)", type_="event-full")
            db.add(Rsvp(event_id=event_id, user_id=me))
    else:
        db.execute(delete(Rsvp).where(Rsvp.event_id == event_id, Rsvp.user_id == me))
    commit_unique(db, Problem(409, "RSVP changed concurrently; retry", type_="conflict"))
    return get(db, event_id, me, ZoneInfo("UTC"))


def ics(db: Session, event_id: uuid.UUID) -> bytes:
    """An RFC 5545 calendar with the one event (UTC times), for "add to calendar"."""
    event = _event(db, event_id)
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Lancer//Community events//EN")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    item = icalendar.Event()
    item.add("uid", f"{event.id}@{UID_DOMAIN}")
    item.add("dtstamp", utcnow())
    item.add("dtstart", event.starts_at.astimezone(UTC))
    item.add("dtend", event.ends_at.astimezone(UTC))
    item.add("summary", event.title)
    if event.description:
        item.add("description", event.description)
    if event.link:
        item.add("url", event.link)
        item.add("location", event.link)
    cal.add_component(item)
    return cal.to_ical()
