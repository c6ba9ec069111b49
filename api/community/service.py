"""Spaces, threads and posts: create, edit and delete (author or moderator), reactions, mentions, search.

Visibility: ``published`` texts are public; a ``held`` text is seen by its author and moderators; a
``hidden`` one by moderators only. Replies and mentions go to the outbox (``community.reply``,
``community.mention``) when a text becomes public, so notifications never announce a held post.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import delete, exists, func, or_, select, tuple_
from sqlalchemy.orm import Session

from api.community import access
from api.community.models import Post, Reaction, Space, Thread
from api.community.schemas import PostIn, PostOut, SpaceIn, SpaceOut, ThreadEdit, ThreadIn, ThreadOut
from api.kit import markdown, outbox
from api.kit.db import commit_unique, utcnow
from api.kit.pagination import decode_cursor, encode_cursor, invalid_cursor
from api.kit.problems import Problem
from api.profiles.models import Profile

REPLY = "community.reply"
MENTION = "community.mention"


class Viewer:
    """Who is reading: anonymous (None), a user, and whether they moderate."""

    def __init__(self, user_id: uuid.UUID | None = None, moderator: bool = False) -> None:
        self.user_id, self.moderator = user_id, moderator

    def sees(self, state: str, author_id: uuid.UUID | None) -> bool:
        return state == "published" or self.moderator or (state == "held" and author_id == self.user_id
                                                          and author_id is not None)


def _not_found(what: str) -> Problem:
    return Problem(404, f"no such {what}", type_="not-found")


# --- Spaces ------------------------------------------------------------------------------------------------

def space_out(space: Space) -> SpaceOut:
    gated = space.min_balance is not None
    return SpaceOut(id=space.id, slug=space.slug, name=space.name, description=space.description,
                    chain_id=space.chain_id, min_balance=str(int(space.min_balance)) if gated else None,
                    decimals=18 if gated else None)


def create_space(db: Session, me: uuid.UUID, body: SpaceIn) -> SpaceOut:
    space = Space(slug=body.slug, name=body.name, description=body.description, chain_id=body.chain_id,
                  min_balance=Decimal(body.min_balance) if body.min_balance is not None else None, created_by=me)
    db.add(space)
    commit_unique(db, Problem(409, f"space {body.slug!r} exists", type_="conflict"))
    return space_out(space)


def list_spaces(db: Session) -> list[SpaceOut]:
    return [space_out(s) for s in db.scalars(select(Space).order_by(Space.slug))]


def space_by_slug(db: Session, slug: str) -> Space:
    space = db.scalar(select(Space).where(Space.slug == slug))
    if space is None:
        raise _not_found("space")
    return space


# --- Reading -------------------------------------------------------------------------------------------------

def _reactions(db: Session, post_ids: list[int]) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = {}
    if post_ids:
        rows = db.execute(select(Reaction.post_id, Reaction.emoji, func.count()).where(Reaction.post_id.in_(post_ids))
                          .group_by(Reaction.post_id, Reaction.emoji)).all()
        for post_id, emoji, n in rows:
            out.setdefault(post_id, {})[emoji] = int(n)
    return out


def _post_out(post: Post, reactions: dict[str, int]) -> PostOut:
    return PostOut(id=post.id, thread_id=post.thread_id, author_id=post.author_id, reply_to=post.reply_to_id,
                   is_opening=post.is_opening, body=post.body, html=markdown.render(post.body),
                   state=post.state, reactions=reactions, created_at=post.created_at,  # type: ignore[arg-type]
                   edited_at=post.edited_at)


def _thread_out(db: Session, thread: Thread, slug: str, opening: Post | None) -> ThreadOut:
    op = None if opening is None else _post_out(opening, _reactions(db, [opening.id]).get(opening.id, {}))
    return ThreadOut(id=thread.id, space=slug, author_id=thread.author_id, title=thread.title, tags=list(thread.tags),
                     state=thread.state, locked=thread.locked, created_at=thread.created_at,  # type: ignore[arg-type]
                     last_activity_at=thread.last_activity_at, opening=op)


def _thread(db: Session, thread_id: uuid.UUID, viewer: Viewer) -> Thread:
    thread = db.get(Thread, thread_id)
    if thread is None or not viewer.sees(thread.state, thread.author_id):
        raise _not_found("thread")
    return thread


def _opening(db: Session, thread_id: uuid.UUID) -> Post:
    post = db.scalar(select(Post).where(Post.thread_id == thread_id, Post.is_opening.is_(True)))
    assert post is not None
    return post


def get_thread(db: Session, thread_id: uuid.UUID, viewer: Viewer) -> ThreadOut:
    thread = _thread(db, thread_id, viewer)
    space = db.get(Space, thread.space_id)
    assert space is not None
    return _thread_out(db, thread, space.slug, _opening(db, thread_id))


def _visible(viewer: Viewer, state: object, author: object) -> object:
    if viewer.moderator:
        return True
    cond = state == "published"  # type: ignore[comparison-overlap]
    if viewer.user_id is not None:
        cond = or_(cond, (state == "held") & (author == viewer.user_id))  # type: ignore[operator]
    return cond


def list_threads(db: Session, viewer: Viewer, *, space: str | None, tag: str | None, q: str | None, limit: int,
                 cursor: str | None) -> tuple[list[ThreadOut], str | None]:
    """Most recently active first; keyset on (last activity, id). ``q`` matches titles and post texts."""
    key = decode_cursor(cursor, (str, str))
    query = (select(Thread, Space.slug).join(Space, Space.id == Thread.space_id)
             .where(_visible(viewer, Thread.state, Thread.author_id)))  # type: ignore[arg-type]
    if space:
        query = query.where(Space.slug == space)
    if tag:
        query = query.where(Thread.tags.contains([tag]))
    if q:
        tsq = func.websearch_to_tsquery("english", q)
        in_posts = exists().where(Post.thread_id == Thread.id, Post.state == "published", Post.search.op("@@")(tsq))
        query = query.where(or_(Thread.search.op("@@")(tsq), in_posts))
    if key:
        try:
            after = (datetime.fromisoformat(key[0]), uuid.UUID(key[1]))
        except ValueError:
            raise invalid_cursor() from None
        query = query.where(tuple_(Thread.last_activity_at, Thread.id) < tuple_(*after))
    rows = db.execute(query.order_by(Thread.last_activity_at.desc(), Thread.id.desc()).limit(limit + 1)).all()
    page = rows[:limit]
    items = [_thread_out(db, t, slug, None) for t, slug in page]
    last = page[-1][0] if page else None
    next_cursor = encode_cursor([last.last_activity_at.isoformat(), str(last.id)]) if last and len(rows) > limit else None
    return items, next_cursor


def list_posts(db: Session, thread_id: uuid.UUID, viewer: Viewer, limit: int,
               cursor: str | None) -> tuple[list[PostOut], str | None]:
    """Oldest first (a conversation reads forwards); the cursor is the last post's id."""
    _thread(db, thread_id, viewer)
    key = decode_cursor(cursor, (int,))
    query = select(Post).where(Post.thread_id == thread_id, _visible(viewer, Post.state, Post.author_id))  # type: ignore[arg-type]
    if key:
        query = query.where(Post.id > key[0])
    rows = list(db.scalars(query.order_by(Post.id).limit(limit + 1)))
    page = rows[:limit]
    reactions = _reactions(db, [p.id for p in page])
    items = [_post_out(p, reactions.get(p.id, {})) for p in page]
    return items, (encode_cursor([page[-1].id]) if len(rows) > limit else None)


# --- Writing -------------------------------------------------------------------------------------------------

def _handles_to_users(db: Session, handles: list[str]) -> list[uuid.UUID]:
    if not handles:
        return []
    return list(db.scalars(select(Profile.user_id).where(Profile.handle.in_(handles[:20]))))


def announce(db: Session, post: Post, thread: Thread) -> None:
    """Outbox events of a text that just became public: the reply to its thread's author and to the post
    it answers, and the mentions. Ids only: consumers fetch the text with the reader's rights."""
    me = post.author_id
    base = {"thread_id": str(thread.id), "post_id": post.id, "author_id": str(me) if me else None}
    if not post.is_opening:
        targets = {thread.author_id}
        if post.reply_to_id is not None:
            targets.add(db.scalar(select(Post.author_id).where(Post.id == post.reply_to_id)))
        audience = [u for u in targets if u is not None and u != me]
        if audience:
            outbox.record(db, REPLY, f"community_thread:{thread.id}", base, audience=audience)
    mentioned = [u for u in _handles_to_users(db, markdown.mentions(post.body)) if u != me]
    if mentioned:
        outbox.record(db, MENTION, f"community_thread:{thread.id}", base, audience=mentioned)


def _writable(db: Session, deployments: access.LncDirectory, space: Space, me: uuid.UUID) -> None:
    access.require_not_banned(db, me)
    access.require_gate(db, deployments, space, me)


def create_thread(db: Session, deployments: access.LncDirectory, me: uuid.UUID, moderator: bool, hold_hours: int,
                  body: ThreadIn) -> ThreadOut:
    space = space_by_slug(db, body.space)
    _writable(db, deployments, space, me)
    state = access.first_state(db, me, hold_hours, moderator)
    now = utcnow()
    thread = Thread(space_id=space.id, author_id=me, title=body.title, tags=body.tags, state=state, locked=False,
                    created_at=now, last_activity_at=now)
    db.add(thread)
    db.flush()
    post = Post(thread_id=thread.id, author_id=me, is_opening=True, body=body.body, state=state, created_at=now)
    db.add(post)
    db.flush()
    if state == "published":
        announce(db, post, thread)
    db.commit()
    return _thread_out(db, thread, space.slug, post)


def create_post(db: Session, deployments: access.LncDirectory, me: uuid.UUID, moderator: bool, hold_hours: int,
                thread_id: uuid.UUID, body: PostIn) -> PostOut:
    thread = _thread(db, thread_id, Viewer(me, moderator))
    space = db.get(Space, thread.space_id)
    assert space is not None
    _writable(db, deployments, space, me)
    if thread.locked and not moderator:
        raise Problem(409, "this thread is locked", type_="thread-locked")
    if body.reply_to is not None:
        target = db.get(Post, body.reply_to)
        if target is None or target.thread_id != thread_id:
            raise Problem(422, "reply_to is not a post of this thread", type_="validation-error")
    state = access.first_state(db, me, hold_hours, moderator)
    post = Post(thread_id=thread_id, author_id=me, reply_to_id=body.reply_to, is_opening=False, body=body.body,
                state=state, created_at=utcnow())
    db.add(post)
    db.flush()
    if state == "published":
        thread.last_activity_at = post.created_at
        announce(db, post, thread)
    db.commit()
    return _post_out(post, {})


def _own_post(db: Session, post_id: int, me: uuid.UUID, moderator: bool) -> Post:
    post = db.get(Post, post_id)
    if post is None or not Viewer(me, moderator).sees(post.state, post.author_id):
        raise _not_found("post")
    if post.author_id != me and not moderator:
        raise Problem(403, "only the author or a moderator can change this post", type_="forbidden")
    return post


def edit_post(db: Session, me: uuid.UUID, moderator: bool, post_id: int, body: str) -> PostOut:
    post = _own_post(db, post_id, me, moderator)
    access.require_not_banned(db, me)
    thread = db.get(Thread, post.thread_id)
    assert thread is not None
    if thread.locked and not moderator:
        raise Problem(409, "this thread is locked", type_="thread-locked")
    post.body, post.edited_at = body, utcnow()
    db.commit()
    return _post_out(post, _reactions(db, [post.id]).get(post.id, {}))


def delete_post(db: Session, me: uuid.UUID, moderator: bool, post_id: int) -> None:
    """Deleting the opening post deletes the thread."""
    post = _own_post(db, post_id, me, moderator)
    if post.is_opening:
        db.execute(delete(Thread).where(Thread.id == post.thread_id))
    else:
        db.delete(post)
    db.commit()


def edit_thread(db: Session, me: uuid.UUID, moderator: bool, thread_id: uuid.UUID, body: ThreadEdit) -> ThreadOut:
    thread = _thread(db, thread_id, Viewer(me, moderator))
    if thread.author_id != me and not moderator:
        raise Problem(403, "only the author or a moderator can change this thread", type_="forbidden")
    access.require_not_banned(db, me)
    if body.title is not None:
        thread.title = body.title
    if body.tags is not None:
        thread.tags = body.tags
    db.commit()
    return get_thread(db, thread_id, Viewer(me, moderator))


def delete_thread(db: Session, me: uuid.UUID, moderator: bool, thread_id: uuid.UUID) -> None:
    thread = _thread(db, thread_id, Viewer(me, moderator))
    if thread.author_id != me and not moderator:
        raise Problem(403, "only the author or a moderator can delete this thread", type_="forbidden")
    db.delete(thread)
    db.commit()


def react(db: Session, me: uuid.UUID, post_id: int, emoji: str, add: bool) -> dict[str, int]:
    post = db.get(Post, post_id)
    if post is None or post.state != "published":
        raise _not_found("post")
    access.require_not_banned(db, me)
    if add:
        if db.get(Reaction, (post_id, me, emoji)) is None:
            db.add(Reaction(post_id=post_id, user_id=me, emoji=emoji))
    else:
        db.execute(delete(Reaction).where(Reaction.post_id == post_id, Reaction.user_id == me, Reaction.emoji == emoji))
    commit_unique(db, Problem(409, "reaction changed concurrently; retry", type_="conflict"))
    return _reactions(db, [post_id]).get(post_id, {})
