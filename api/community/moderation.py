"""Moderation: reports, hide/unhide (which also approves held posts), lock, bans, moderator roles.

Every moderator action is written to the audit log in the same transaction as the change.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from api.audit import service as audit
from api.community import service
from api.community.models import Ban, Moderator, Post, Report, Thread
from api.community.schemas import BanIn, BanOut, ReportedPost, ReportOut
from api.identity.models import User
from api.kit.client import ClientContext
from api.kit.db import utcnow
from api.kit import markdown
from api.kit.pagination import decode_cursor, encode_cursor, invalid_cursor
from api.kit.problems import Problem


def _report_out(r: Report, post: Post | None) -> ReportOut:
    shown = None if post is None else ReportedPost(thread_id=post.thread_id, author_id=post.author_id,
                                                   html=markdown.render(post.body), state=post.state)  # type: ignore[arg-type]
    return ReportOut(id=r.id, post_id=r.post_id, reporter_id=r.reporter_id, reason=r.reason,
                     status=r.status, created_at=r.created_at, post=shown)  # type: ignore[arg-type]


def report(db: Session, me: uuid.UUID, post_id: int, reason: str) -> ReportOut:
    post = db.get(Post, post_id)
    if post is None or post.state != "published":
        raise Problem(404, "no such post", type_="not-found")
    row = Report(post_id=post_id, reporter_id=me, reason=reason, status="open")
    db.add(row)
    db.commit()
    return _report_out(row, post)


def list_reports(db: Session, status: str, limit: int, cursor: str | None) -> tuple[list[ReportOut], str | None]:
    key = decode_cursor(cursor, (int,))
    query = select(Report).where(Report.status == status)
    if key:
        query = query.where(Report.id > key[0])
    # One statement: each report with its post (an outer join, as a deleted post takes its reports with it).
    rows = db.execute(query.add_columns(Post).outerjoin(Post, Post.id == Report.post_id)
                      .order_by(Report.id).limit(limit + 1)).all()
    items = [_report_out(report, post) for report, post in rows[:limit]]
    return items, (encode_cursor([items[-1].id]) if len(rows) > limit else None)


def resolve_report(db: Session, client: ClientContext, me: uuid.UUID, report_id: int, status: str) -> ReportOut:
    row = db.get(Report, report_id)
    if row is None:
        raise Problem(404, "no such report", type_="not-found")
    row.status, row.resolved_by, row.resolved_at = status, me, utcnow()
    audit.record(db, client, f"community.report.{status}", actor_user_id=me, target=f"community_report:{report_id}",
                 details={"post_id": row.post_id})
    db.commit()
    return _report_out(row, db.get(Post, row.post_id))


def set_hidden(db: Session, client: ClientContext, me: uuid.UUID, post_id: int, hidden: bool,
               reason: str | None) -> None:
    """Hide a post (an opening post hides its thread), or make it public again, which is also how a held
    post is approved: then its reply and mention events go out."""
    post = db.get(Post, post_id)
    if post is None:
        raise Problem(404, "no such post", type_="not-found")
    thread = db.get(Thread, post.thread_id)
    assert thread is not None
    was = post.state
    post.state = "hidden" if hidden else "published"
    if post.is_opening:
        thread.state = post.state
    if not hidden and was == "held":
        thread.last_activity_at = max(thread.last_activity_at, post.created_at)
        service.announce(db, post, thread)
    action = "community.post.hide" if hidden else ("community.post.approve" if was == "held" else "community.post.unhide")
    audit.record(db, client, action, actor_user_id=me, target=f"community_post:{post_id}",
                 details={"thread_id": str(thread.id), "reason": reason, "previous_state": was})
    db.commit()


def set_locked(db: Session, client: ClientContext, me: uuid.UUID, thread_id: uuid.UUID, locked: bool,
               reason: str | None) -> None:
    thread = db.get(Thread, thread_id)
    if thread is None:
        raise Problem(404, "no such thread", type_="not-found")
    thread.locked = locked
    audit.record(db, client, "community.thread.lock" if locked else "community.thread.unlock", actor_user_id=me,
                 target=f"community_thread:{thread_id}", details={"reason": reason})
    db.commit()


def _user_exists(db: Session, user_id: uuid.UUID) -> None:
    if db.scalar(select(User.id).where(User.id == user_id, User.deleted_at.is_(None))) is None:
        raise Problem(404, "no such user", type_="not-found")


def ban(db: Session, client: ClientContext, me: uuid.UUID, user_id: uuid.UUID, body: BanIn, is_admin: bool) -> None:
    _user_exists(db, user_id)
    if user_id == me:
        raise Problem(422, "moderators cannot ban themselves", type_="validation-error")
    if (db.get(Moderator, user_id) is not None) and not is_admin:
        raise Problem(403, "only an admin can ban a moderator", type_="forbidden")
    if body.expires_at is not None and (body.expires_at.tzinfo is None or body.expires_at <= utcnow()):
        raise Problem(422, "expires_at must be a future time with a time zone", type_="validation-error")
    row = db.get(Ban, user_id) or Ban(user_id=user_id)
    row.reason, row.banned_by, row.expires_at, row.created_at = body.reason, me, body.expires_at, utcnow()
    db.add(row)
    audit.record(db, client, "community.ban", actor_user_id=me, target=f"user:{user_id}",
                 details={"reason": body.reason, "expires_at": body.expires_at.isoformat() if body.expires_at else None})
    db.commit()


def list_bans(db: Session, limit: int, cursor: str | None) -> tuple[list[BanOut], str | None]:
    """Bans in force (an expired one no longer counts), newest first."""
    now = utcnow()
    query = select(Ban).where((Ban.expires_at.is_(None)) | (Ban.expires_at > now))
    key = decode_cursor(cursor, (str, str))
    if key:
        try:
            after = (datetime.fromisoformat(key[0]), uuid.UUID(key[1]))
        except ValueError:
            raise invalid_cursor() from None
        query = query.where(tuple_(Ban.created_at, Ban.user_id) < tuple_(*after))
    rows = list(db.scalars(query.order_by(Ban.created_at.desc(), Ban.user_id.desc()).limit(limit + 1)))
    items = [BanOut(user_id=b.user_id, reason=b.reason, banned_by=b.banned_by, created_at=b.created_at,
                    expires_at=b.expires_at) for b in rows[:limit]]
    nxt = encode_cursor([items[-1].created_at.isoformat(), str(items[-1].user_id)]) if len(rows) > limit else None
    return items, nxt


def unban(db: Session, client: ClientContext, me: uuid.UUID, user_id: uuid.UUID) -> None:
    row = db.get(Ban, user_id)
    if row is None:
        raise Problem(404, "this user is not banned", type_="not-found")
    db.delete(row)
    audit.record(db, client, "community.unban", actor_user_id=me, target=f"user:{user_id}")
    db.commit()


def set_moderator(db: Session, client: ClientContext, me: uuid.UUID, user_id: uuid.UUID, grant: bool) -> None:
    _user_exists(db, user_id)
    row = db.get(Moderator, user_id)
    if grant and row is None:
        db.add(Moderator(user_id=user_id, granted_by=me))
    elif not grant:
        if row is None:
            raise Problem(404, "this user is not a moderator", type_="not-found")
        db.delete(row)
    audit.record(db, client, "community.moderator.grant" if grant else "community.moderator.revoke",
                 actor_user_id=me, target=f"user:{user_id}")
    db.commit()
