"""The outbox consumer ``notifications``: outbox events to in-app notifications and email deliveries.

One pass (:func:`consume`) claims a batch (at least once, in commit order), writes the notifications of
every addressed user whose preferences want them, commits, then enqueues one rq job per new email. A
batch handed out again adds nothing (unique per user and event). Chain events follow their log: the
confirmed event moves the pending notification to ``confirmed``, the retracted one to ``retracted``
(and unread again, so the user sees that what they were told did not happen).
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

import structlog
from redis import Redis
from rq import Retry
from sqlalchemy import Engine, and_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session as Db

from api.identity.models import User
from api.kit import outbox
from api.kit.queue import get_queue
from api.notifications import email, kinds
from api.notifications.models import EmailDelivery, Notification, NotificationSettings
from api.notifications.service import Channels, channels_for
from api.settings import ApiSettings

log = structlog.get_logger(__name__)

CONSUMER = "notifications"
EMAIL_JOB = "api.notifications.jobs.send_email"


def _recipients(event: outbox.Event) -> list[uuid.UUID]:
    users = list(event.audience or [])
    sender = event.payload.get("sender_id") if event.kind == "message.created" else None
    return [u for u in users if str(u) != sender]  # nobody is notified of their own message


def _settle(db: Db, event: outbox.Event, ref: str, users: list[uuid.UUID], status: str) -> list[uuid.UUID]:
    """Move the users' notifications of this log to ``status``; the users who had none."""
    values: dict[str, Any] = {"status": status, "event_kind": event.kind, "title": kinds.title_of(event.kind)}
    if status == "retracted":
        values["read_at"] = None
    found = db.execute(update(Notification).where(and_(Notification.user_id.in_(users), Notification.ref == ref,
                                                       Notification.status != "retracted"))
                       .values(**values).returning(Notification.user_id)).scalars().all()
    return [u for u in users if u not in set(found)]


def _rows(db: Db, events: list[outbox.Event]) -> list[dict[str, Any]]:
    wanted = [(e, kinds.kind_of(e.kind), _recipients(e)) for e in events]
    # An account erased after its event was recorded has no row to notify: it is skipped, never retried.
    audience = {u for _, k, users in wanted if k is not None for u in users}
    existing = set(db.scalars(select(User.id).where(User.id.in_(audience)))) if audience else set()
    wanted = [(e, k, [u for u in users if u in existing]) for e, k, users in wanted if k is not None]
    wanted = [(e, k, users) for e, k, users in wanted if users]
    prefs = channels_for(db, {u for _, _, users in wanted for u in users})
    rows: list[dict[str, Any]] = []
    for event, kind, users in wanted:
        assert kind is not None
        ref = kinds.chain_ref(event.kind, event.payload)
        status = kinds.status_of(event.kind)
        if ref is not None and status in ("confirmed", "retracted"):
            users = _settle(db, event, ref, users, status)
            if status == "retracted":
                continue  # a retraction of something never notified says nothing
        for user in users:
            ch: Channels = prefs.get((user, kind)) or Channels()
            if not (ch.in_app or ch.email):
                continue
            rows.append({"user_id": user, "event_id": event.id, "kind": kind, "event_kind": event.kind,
                         "subject": event.subject, "ref": ref, "status": status, "title": kinds.title_of(event.kind),
                         "payload": event.payload, "in_app": ch.in_app, "created_at": event.created_at,
                         "_email": ch.email})
    return rows


def consume(engine: Engine, redis: Redis, settings: ApiSettings, batch: int = 500) -> int:
    """One pass; returns the notifications created."""
    email_ids: list[int] = []
    created = 0
    with outbox.claim(engine, CONSUMER, limit=batch) as events:
        if not events:
            return 0
        with Db(engine) as db:
            rows = _rows(db, events)
            if rows:
                emailed = {(r["user_id"], r["event_id"]) for r in rows if r.pop("_email")}
                stmt = insert(Notification).values(rows).on_conflict_do_nothing(
                    constraint="uq_notifications_user_event").returning(Notification.id, Notification.user_id,
                                                                         Notification.event_id)
                new = db.execute(stmt).all()
                created = len(new)
                addressed = set(db.scalars(select(NotificationSettings.user_id).where(
                    NotificationSettings.user_id.in_({r.user_id for r in new}),
                    NotificationSettings.email.is_not(None)))) if email.configured(settings) else set()
                mails = [{"notification_id": r.id, "status": "pending", "attempts": 0}
                         for r in new if (r.user_id, r.event_id) in emailed and r.user_id in addressed]
                if mails:
                    email_ids = list(db.scalars(insert(EmailDelivery).values(mails).on_conflict_do_nothing()
                                                .returning(EmailDelivery.id)))
            db.commit()
    enqueue_emails(redis, settings, email_ids)
    return created


def enqueue_emails(redis: Redis, settings: ApiSettings, ids: list[int]) -> None:
    if not ids:
        return
    queue = get_queue(settings, redis)
    delays = settings.email_retry_seconds or [0]
    retry = Retry(max=settings.email_max_attempts - 1, interval=delays) if settings.email_max_attempts > 1 else None
    for delivery_id in ids:
        queue.enqueue(EMAIL_JOB, delivery_id, retry=retry, job_timeout=int(settings.smtp_timeout_seconds * 4) + 30)


def run(engine: Engine, redis: Redis, settings: ApiSettings, stop: threading.Event, interval: float) -> None:
    """Consume until ``stop`` is set; a failed pass is logged (its error type only) and retried."""
    while not stop.is_set():
        try:
            if consume(engine, redis, settings):
                continue  # more may be waiting
        except Exception as exc:  # noqa: BLE001 - a consumer must survive a database or Redis blip
            log.warning("notifications.consume_failed", error=type(exc).__name__)
        stop.wait(interval)
