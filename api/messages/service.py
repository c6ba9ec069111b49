"""Conversations and messages: who may open, read and write them; unread counts; outbox and push.

Only participants see a conversation (anyone else gets a 404, so ids leak nothing). Other domains open
the conversation of their own subjects with :func:`ensure_conversation` (projects, contracts); users
open direct ones and the one of an indexed escrow they are a party to.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, text, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from api.identity.models import User, Wallet
from api.kit.db import utcnow
from api.kit.pagination import decode_cursor, encode_cursor
from api.kit.problems import Problem
from api.messages.models import Conversation, Message, Participant
from api.messages.schemas import ConversationIn, ConversationOut, MessageOut, ReadOut, UnreadOut
from indexer import read_models
from indexer.core.addresses import checksum
from indexer.core.errors import UnknownChainError

# Message body text is not copied into the outbox (webhook consumers get ids, and fetch with rights).
MESSAGE_CREATED = "message.created"


def _not_found() -> Problem:
    return Problem(404, "no such conversation (or you are not a participant)", type_="not-found")


def _live_user(db: Session, user_id: uuid.UUID) -> bool:
    return db.scalar(select(User.id).where(User.id == user_id, User.deleted_at.is_(None))) is not None


def _users_of(db: Session, addresses: Sequence[str]) -> list[uuid.UUID]:
    rows = db.scalars(select(Wallet.user_id).join(User, User.id == Wallet.user_id)
                      .where(Wallet.address.in_(addresses), User.deleted_at.is_(None)))
    return sorted(set(rows), key=str)


def ensure_conversation(db: Session, *, participants: Sequence[uuid.UUID], created_by: uuid.UUID | None,
                        key: str | None, subject_type: str | None = None,
                        subject_id: str | None = None) -> Conversation:
    """The conversation with this ``key`` (created if new), with at least these participants.

    Flushes, does not commit (the caller's transaction). ``key=None`` always creates a new one.
    """
    conv = db.scalar(select(Conversation).where(Conversation.key == key)) if key else None
    if conv is None:
        values = {"id": uuid.uuid4(), "subject_type": subject_type, "subject_id": subject_id, "key": key,
                  "created_by": created_by, "created_at": utcnow()}
        # ON CONFLICT: two parties opening the same conversation at once both end up in one.
        stmt = insert(Conversation).values(**values)
        db.execute(stmt.on_conflict_do_nothing(index_elements=["key"]) if key else stmt)
        conv = db.scalar(select(Conversation).where(Conversation.key == key)) if key else db.get(Conversation, values["id"])
        assert conv is not None
    for user_id in participants:
        db.execute(insert(Participant).values(conversation_id=conv.id, user_id=user_id, joined_at=utcnow(),
                                              last_read_id=0).on_conflict_do_nothing())
    db.flush()
    return conv


def open_conversation(db: Session, me: uuid.UUID, body: ConversationIn) -> Conversation:
    if body.subject_type == "escrow":
        return _open_escrow(db, me, body.subject_id or "")
    if body.subject_type is not None:
        raise Problem(422, f"conversations about a {body.subject_type} are opened by the {body.subject_type}'s "
                      "own routes", type_="unsupported-subject")
    if body.address is not None:
        users = _users_of(db, [checksum(body.address)])
        if not users:
            raise Problem(404, "no Lancer user has linked this wallet", type_="not-found")
        other = users[0]
    else:
        assert body.user_id is not None
        if not _live_user(db, body.user_id):
            raise Problem(404, "no such user", type_="not-found")
        other = body.user_id
    if other == me:
        raise Problem(422, "a conversation needs another user", type_="invalid-participants")
    pair = sorted([str(me), str(other)])
    return ensure_conversation(db, participants=[me, other], created_by=me, key=f"direct:{pair[0]}:{pair[1]}")


def _open_escrow(db: Session, me: uuid.UUID, subject_id: str) -> Conversation:
    chain, _, address = subject_id.partition(":")
    if not chain.isdigit() or len(chain) > 19 or not address:
        raise Problem(422, "escrow subject_id is '<chain_id>:<address>'", type_="invalid-subject")
    try:
        escrow_address = checksum(address)
    except ValueError:
        raise Problem(422, "escrow subject_id has no valid address", type_="invalid-subject") from None
    try:
        detail = read_models.escrow_detail(db.connection(), int(chain), escrow_address)
    except UnknownChainError:
        detail = None
    if detail is None:
        raise Problem(404, "no such indexed escrow", type_="not-found")
    parties = _users_of(db, [detail.escrow.client, detail.escrow.freelancer])
    if me not in parties:
        raise Problem(403, "only the escrow's client and freelancer can open its conversation", type_="forbidden")
    subject = f"{int(chain)}:{escrow_address}"
    return ensure_conversation(db, participants=parties, created_by=me, key=f"escrow:{subject}",
                               subject_type="escrow", subject_id=subject)


def _participant(db: Session, me: uuid.UUID, conversation_id: uuid.UUID) -> Participant:
    found = db.get(Participant, (conversation_id, me))
    if found is None:
        raise _not_found()
    return found


def _unread(db: Session, me: uuid.UUID, conversation_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not conversation_ids:
        return {}
    rows = db.execute(
        select(Participant.conversation_id, func.count(Message.id))
        .join(Message, (Message.conversation_id == Participant.conversation_id) & (Message.id > Participant.last_read_id)
              & (Message.sender_id.is_distinct_from(me)))
        .where(Participant.user_id == me, Participant.conversation_id.in_(conversation_ids))
        .group_by(Participant.conversation_id)).all()
    return {r[0]: int(r[1]) for r in rows}


def _members(db: Session, conversation_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
    """Participants of each conversation, in joining order: one statement for a whole page."""
    out: dict[uuid.UUID, list[uuid.UUID]] = {cid: [] for cid in conversation_ids}
    if conversation_ids:
        for cid, user_id in db.execute(
                select(Participant.conversation_id, Participant.user_id)
                .where(Participant.conversation_id.in_(conversation_ids))
                .order_by(Participant.conversation_id, Participant.joined_at, Participant.user_id)).all():
            out[cid].append(user_id)
    return out


def conversation_out(db: Session, me: uuid.UUID, conv: Conversation, unread: int | None = None,
                     members: list[uuid.UUID] | None = None) -> ConversationOut:
    if members is None:
        members = _members(db, [conv.id])[conv.id]
    if unread is None:
        unread = _unread(db, me, [conv.id]).get(conv.id, 0)
    return ConversationOut(id=conv.id, subject_type=conv.subject_type, subject_id=conv.subject_id,  # type: ignore[arg-type]
                           participants=list(members), created_at=conv.created_at,
                           last_message_at=conv.last_message_at, unread=unread)


def get_conversation(db: Session, me: uuid.UUID, conversation_id: uuid.UUID) -> ConversationOut:
    _participant(db, me, conversation_id)
    conv = db.get(Conversation, conversation_id)
    assert conv is not None
    return conversation_out(db, me, conv)


def list_conversations(db: Session, me: uuid.UUID, limit: int, cursor: str | None) -> tuple[list[ConversationOut], str | None]:
    """Most recently active first; keyset on (last activity, id)."""
    key = decode_cursor(cursor, (str, str))
    activity = func.coalesce(Conversation.last_message_at, Conversation.created_at)
    query = (select(Conversation, activity.label("activity"))
             .join(Participant, Participant.conversation_id == Conversation.id)
             .where(Participant.user_id == me))
    if key:
        try:
            after_time, after_id = datetime.fromisoformat(str(key[0])), uuid.UUID(str(key[1]))
        except ValueError:
            raise Problem(400, "cursor is not one this API issued", type_="invalid-cursor") from None
        query = query.where(tuple_(activity, Conversation.id) < tuple_(after_time, after_id))
    rows = db.execute(query.order_by(activity.desc(), Conversation.id.desc()).limit(limit + 1)).all()
    page = rows[:limit]
    ids = [r[0].id for r in page]
    unread, members = _unread(db, me, ids), _members(db, ids)
    items = [conversation_out(db, me, conv, unread.get(conv.id, 0), members[conv.id]) for conv, _ in page]
    next_cursor = encode_cursor([page[-1][1].isoformat(), str(page[-1][0].id)]) if len(rows) > limit else None
    return items, next_cursor


# One round trip for everything a new message changes. With a conversation of a thousand members the
# ORM version (load the sender's row, flush, update, load every member as a UUID object, hand them back
# to the outbox as a sorted array) cost tens of milliseconds of Python; here the members never leave
# PostgreSQL except as the JSON text the push needs. All CTEs see one snapshot: ``me`` gates the rest
# (not a participant: no row inserted, nothing updated, no result).
_POST_MESSAGE = text("""
WITH me AS (
    SELECT 1 FROM conversation_participants WHERE conversation_id = :c AND user_id = :u
), msg AS (
    INSERT INTO messages (conversation_id, sender_id, body, created_at)
    SELECT :c, :u, :body, :now FROM me RETURNING id
), touched AS (
    UPDATE conversations SET last_message_at = :now FROM msg WHERE conversations.id = :c
), seen AS (  -- your own message is read
    UPDATE conversation_participants SET last_read_id = GREATEST(last_read_id, msg.id) FROM msg
     WHERE conversation_id = :c AND user_id = :u
), event AS (  -- the outbox row (api.kit.outbox), in this transaction; audience sorted like outbox.record's
    INSERT INTO outbox_events (kind, subject, payload, audience, created_at)
    SELECT :kind, :subject,
           jsonb_build_object('conversation_id', CAST(:c AS text), 'message_id', msg.id, 'sender_id', CAST(:u AS text)),
           (SELECT array_agg(user_id ORDER BY user_id) FROM conversation_participants WHERE conversation_id = :c),
           :now
      FROM msg RETURNING audience
)
SELECT msg.id, (SELECT array_to_json(audience)::text FROM event) AS audience FROM msg
""")


def post_message(db: Session, me: uuid.UUID, conversation_id: uuid.UUID, body: str) -> tuple[MessageOut, str]:
    """Store a message and its outbox event (not committed); returns it and its participants as a JSON
    array of user ids (what :func:`api.kit.realtime.publish_encoded` takes)."""
    now = utcnow()
    row = db.execute(_POST_MESSAGE, {"c": conversation_id, "u": me, "body": body, "now": now,
                                     "kind": MESSAGE_CREATED, "subject": f"conversation:{conversation_id}"}).first()
    if row is None:
        raise _not_found()
    out = MessageOut(id=row.id, conversation_id=conversation_id, sender_id=me, body=body, created_at=now)
    return out, row.audience


def history(db: Session, me: uuid.UUID, conversation_id: uuid.UUID, limit: int,
            cursor: str | None) -> tuple[list[MessageOut], str | None]:
    """Newest first; the cursor is the id of the last message of the page."""
    _participant(db, me, conversation_id)
    key = decode_cursor(cursor, (int,))
    query = select(Message).where(Message.conversation_id == conversation_id)
    if key:
        query = query.where(Message.id < key[0])
    rows = list(db.scalars(query.order_by(Message.id.desc()).limit(limit + 1)))
    items = [MessageOut(id=m.id, conversation_id=m.conversation_id, sender_id=m.sender_id, body=m.body,
                        created_at=m.created_at) for m in rows[:limit]]
    return items, (encode_cursor([items[-1].id]) if len(rows) > limit else None)


def mark_read(db: Session, me: uuid.UUID, conversation_id: uuid.UUID, up_to: int | None) -> ReadOut:
    """Move the read marker forward (never back), to ``up_to`` or the latest message."""
    mine = _participant(db, me, conversation_id)
    latest = db.scalar(select(func.max(Message.id)).where(Message.conversation_id == conversation_id)) or 0
    target = latest if up_to is None else min(up_to, latest)
    mine.last_read_id = max(mine.last_read_id, target)
    db.flush()
    unread = _unread(db, me, [conversation_id]).get(conversation_id, 0)
    return ReadOut(conversation_id=conversation_id, last_read_id=mine.last_read_id, unread=unread)


def unread_counts(db: Session, me: uuid.UUID) -> UnreadOut:
    ids = list(db.scalars(select(Participant.conversation_id).where(Participant.user_id == me)))
    counts = {k: v for k, v in _unread(db, me, ids).items() if v}
    return UnreadOut(total=sum(counts.values()), conversations=counts)
