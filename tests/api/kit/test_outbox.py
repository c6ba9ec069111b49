"""The transactional outbox on the real PostgreSQL: atomic with the writer, ordered without gaps, one
worker per consumer at a time, at-least-once."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from api.kit import outbox
from api.kit.db import utcnow
from indexer.core.db import make_engine
from tests.support.outbox_horizon import wait_for_outbox_horizon


def _kind() -> str:
    return f"test.{uuid.uuid4().hex[:12]}"


def test_aborted_transaction_leaves_no_event(engine: Engine) -> None:
    kind, consumer = _kind(), f"c-{uuid.uuid4().hex}"
    with Session(engine) as db:
        outbox.record(db, kind, "thing:1", {"n": "1"})
        db.flush()  # the row reached the database, inside the transaction
        db.rollback()
    with Session(engine) as db:
        outbox.record(db, kind, "thing:2", {"n": "2"}, audience=[uuid.uuid4()])
        db.commit()
    wait_for_outbox_horizon(engine)
    with outbox.claim(engine, consumer, kinds=[kind]) as events:
        assert [e.subject for e in events] == ["thing:2"]
        assert events[0].payload == {"n": "2"} and events[0].audience and len(events[0].audience) == 1
    with outbox.claim(engine, consumer, kinds=[kind]) as events:
        assert events == []  # acknowledged


def test_a_later_commit_never_overtakes_an_open_transaction(engine: Engine) -> None:
    kind, consumer = _kind(), f"c-{uuid.uuid4().hex}"
    slow = Session(engine)
    try:
        outbox.record(slow, kind, "first", {})
        slow.flush()  # takes its id and transaction id now, commits later
        with Session(engine) as fast:
            outbox.record(fast, kind, "second", {})
            fast.commit()
        with outbox.claim(engine, consumer, kinds=[kind]) as events:
            # Delivering "second" now would move the cursor past "first" for good.
            assert events == []
        slow.commit()
    finally:
        slow.close()
    wait_for_outbox_horizon(engine)
    with outbox.claim(engine, consumer, kinds=[kind]) as events:
        assert [e.subject for e in events] == ["first", "second"]


def test_failed_delivery_comes_again_and_workers_do_not_share_a_batch(engine: Engine) -> None:
    kind, consumer = _kind(), f"c-{uuid.uuid4().hex}"
    with Session(engine) as db:
        for i in range(3):
            outbox.record(db, kind, f"s{i}", {"i": i})
        db.commit()
    wait_for_outbox_horizon(engine)
    with pytest.raises(RuntimeError):
        with outbox.claim(engine, consumer, limit=2, kinds=[kind]) as events:
            assert [e.subject for e in events] == ["s0", "s1"]
            raise RuntimeError("webhook endpoint down")
    with outbox.claim(engine, consumer, limit=2, kinds=[kind]) as events:
        assert [e.subject for e in events] == ["s0", "s1"]
        with outbox.claim(engine, consumer, kinds=[kind]) as other_worker:
            assert other_worker == []  # the cursor is locked by the first worker
    with outbox.claim(engine, consumer, kinds=[kind]) as events:
        assert [e.subject for e in events] == ["s2"]
    # Another consumer has its own cursor.
    with outbox.claim(engine, f"c-{uuid.uuid4().hex}", kinds=[kind]) as events:
        assert len(events) == 3


def test_prune_deletes_delivered_old_events_and_anything_past_the_max_age(
        database_factory: Callable[[str], str]) -> None:
    """On a database of its own: other tests' consumers would hold the horizon back."""
    eng = make_engine(database_factory("outbox_prune"))
    try:
        old = utcnow() - timedelta(hours=3)
        with Session(eng) as db:
            for subject, age in (("old-1", old), ("old-2", old), ("new", utcnow())):
                db.add(outbox.OutboxEvent(kind="test.prune", subject=subject, payload={}, created_at=age))
            db.commit()
        wait_for_outbox_horizon(eng)
        # No consumer yet: nobody to deliver to, old rows go.
        assert outbox.prune(eng, timedelta(hours=1), timedelta(days=30)) == 2
        with Session(eng) as db:
            for subject in ("a", "b"):
                db.add(outbox.OutboxEvent(kind="test.prune", subject=subject, payload={}, created_at=old))
            db.commit()
        wait_for_outbox_horizon(eng)
        with outbox.claim(eng, "fast", limit=1) as events:  # "fast" acknowledges one of them
            assert [e.subject for e in events] == ["new"]
        with outbox.claim(eng, "slow", limit=1) as events:
            assert [e.subject for e in events] == ["new"]
        with outbox.claim(eng, "fast", limit=1) as events:
            assert [e.subject for e in events] == ["a"]
        # "a" is old but "slow" has not read it: kept; nothing is delivered to both.
        assert outbox.prune(eng, timedelta(hours=1), timedelta(days=30)) == 0
        with outbox.claim(eng, "slow", limit=1) as events:
            assert [e.subject for e in events] == ["a"]
        assert outbox.prune(eng, timedelta(hours=1), timedelta(days=30), batch=1) == 1  # "a"; "new" is recent
        # Past the max age, a lagging consumer no longer protects a row.
        assert outbox.prune(eng, timedelta(hours=1), timedelta(hours=2)) == 1  # "b"
        with Session(eng) as db:
            assert [e.subject for e in db.query(outbox.OutboxEvent)] == ["new"]
    finally:
        eng.dispose()
