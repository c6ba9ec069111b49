"""Notifications for their owner: list (newest first, keyset), unread count, mark read, preferences."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session as Db

from api.kit.db import utcnow
from api.kit.pagination import decode_cursor, encode_cursor
from api.kit.problems import Problem
from api.notifications import schemas as s
from api.notifications import kinds
from api.notifications.kinds import KINDS
from api.notifications.models import Notification, NotificationPreference, NotificationSettings


@dataclass(frozen=True)
class Channels:
    """A kind's channels; the defaults (every channel on) apply to kinds without a stored row. Email
    goes out only once the user gave an address, so "on" costs nothing until they do."""

    in_app: bool = True
    email: bool = True
    webhook: bool = True


def channels_for(db: Db, users: Iterable[uuid.UUID]) -> dict[tuple[uuid.UUID, str], Channels]:
    """Stored preferences of many users in one query: ``(user, kind) -> Channels``."""
    ids = sorted(set(users))
    if not ids:
        return {}
    rows = db.execute(select(NotificationPreference).where(NotificationPreference.user_id.in_(ids))).scalars()
    return {(p.user_id, p.kind): Channels(p.in_app, p.email, p.webhook) for p in rows}


def webhook_muted(db: Db, users: Iterable[uuid.UUID]) -> set[tuple[uuid.UUID, str]]:
    """The ``(user, kind)`` pairs whose webhook channel the user turned off, in one query (the webhook
    dispatcher leaves those events out of the user's own endpoints)."""
    return {key for key, ch in channels_for(db, users).items() if not ch.webhook}


def kind_of(event_kind: str) -> str | None:
    """The notification kind of an outbox event kind (None: not a notification kind)."""
    return kinds.kind_of(event_kind)


def _out(n: Notification) -> s.NotificationOut:
    return s.NotificationOut(id=n.id, kind=n.kind, event=n.event_kind, subject=n.subject,  # type: ignore[arg-type]
                             title=n.title, status=n.status, payload=n.payload,  # type: ignore[arg-type]
                             created_at=n.created_at, read_at=n.read_at)


def unread_count(db: Db, me: uuid.UUID) -> int:
    return int(db.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == me, Notification.in_app, Notification.read_at.is_(None))) or 0)


def page(db: Db, me: uuid.UUID, *, unread_only: bool, kind: str | None, limit: int,
         cursor: str | None) -> s.NotificationPage:
    key = decode_cursor(cursor, (int,))
    query = select(Notification).where(Notification.user_id == me, Notification.in_app)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    if kind is not None:
        query = query.where(Notification.kind == kind)
    if key:
        query = query.where(Notification.id < key[0])
    rows = list(db.scalars(query.order_by(Notification.id.desc()).limit(limit + 1)))
    items = [_out(n) for n in rows[:limit]]
    return s.NotificationPage(items=items, unread=unread_count(db, me),
                              next_cursor=encode_cursor([items[-1].id]) if len(rows) > limit else None)


def mark_read(db: Db, me: uuid.UUID, notification_id: int) -> s.NotificationOut:
    n = db.get(Notification, notification_id)
    if n is None or n.user_id != me or not n.in_app:
        raise Problem(404, "no such notification", type_="not-found")  # someone else's: no hint it exists
    if n.read_at is None:
        n.read_at = utcnow()
        db.commit()
    return _out(n)


def mark_all_read(db: Db, me: uuid.UUID, up_to: int | None) -> int:
    query = update(Notification).where(Notification.user_id == me, Notification.in_app,
                                       Notification.read_at.is_(None))
    if up_to is not None:
        query = query.where(Notification.id <= up_to)
    updated = db.execute(query.values(read_at=utcnow())).rowcount or 0
    db.commit()
    return updated


def preferences(db: Db, me: uuid.UUID) -> s.PreferencesOut:
    stored = channels_for(db, [me])
    settings = db.get(NotificationSettings, me)
    kinds = [s.KindChannels(kind=k, **vars(stored.get((me, k)) or Channels())) for k in KINDS]  # type: ignore[arg-type]
    return s.PreferencesOut(email=settings.email if settings else None, kinds=kinds)


def set_preferences(db: Db, me: uuid.UUID, body: s.PreferencesIn) -> s.PreferencesOut:
    seen = [k.kind for k in body.kinds]
    if len(seen) != len(set(seen)):
        raise Problem(422, "kinds: each kind at most once", type_="validation-error")
    for k in body.kinds:
        values = {"in_app": k.in_app, "email": k.email, "webhook": k.webhook}
        db.execute(insert(NotificationPreference).values(user_id=me, kind=k.kind, **values)
                   .on_conflict_do_update(index_elements=["user_id", "kind"], set_=values))
    if "email" in body.model_fields_set:
        email = body.email.strip() if body.email else None
        db.execute(insert(NotificationSettings).values(user_id=me, email=email, updated_at=utcnow())
                   .on_conflict_do_update(index_elements=["user_id"], set_={"email": email, "updated_at": utcnow()}))
    db.commit()
    return preferences(db, me)


def erase_personal_data(db: Db, user_id: uuid.UUID) -> None:
    """Account deletion (``api.privacy``): the email address, preferences and every notification (their
    payloads name conversations, proposals and escrows) go; in the caller's transaction."""
    db.execute(delete(NotificationSettings).where(NotificationSettings.user_id == user_id))
    db.execute(delete(NotificationPreference).where(NotificationPreference.user_id == user_id))
    db.execute(delete(Notification).where(Notification.user_id == user_id))
