"""The one idempotency store on the real PostgreSQL: the key commits with what the request created
(exactly once), a replay returns the stored response, another body with the same key is a 422, a failed
request remembers nothing, and two racing requests with one key create once (the loser gets a 409)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from starlette.requests import Request

from api.kit import idempotency, outbox
from api.kit.outbox import OutboxEvent
from api.kit.problems import Problem


def _request(path: str = "/v1/things") -> Request:
    return Request({"type": "http", "method": "POST", "path": path, "headers": [], "query_string": b""})


def _created(engine: Engine, subject: str) -> int:
    with Session(engine) as db:
        return int(db.scalar(select(func.count()).select_from(OutboxEvent).where(OutboxEvent.subject == subject)))


def _work(db: Session, subject: str) -> Any:
    def create() -> dict[str, str]:
        outbox.record(db, "test.created", subject, {})
        db.flush()
        return {"id": subject}
    return create


def test_replay_returns_the_stored_response_and_creates_once(engine: Engine) -> None:
    principal, key, subject = f"user:{uuid.uuid4()}", uuid.uuid4().hex, f"thing:{uuid.uuid4()}"
    with Session(engine) as db:
        assert idempotency.run(db, principal, key, _request(), {"a": 1}, 201, _work(db, subject)) == {"id": subject}
    with Session(engine) as db:
        again = idempotency.run(db, principal, key, _request(), {"a": 1}, 201, _work(db, subject))
        assert getattr(again, "status_code", None) == 201 and again.headers["idempotent-replayed"] == "true"
        with pytest.raises(Problem) as reused:
            idempotency.run(db, principal, key, _request(), {"a": 2}, 201, _work(db, subject))
        assert reused.value.status == 422
        # The same key from another principal is another key.
        idempotency.run(db, f"user:{uuid.uuid4()}", key, _request(), {"a": 2}, 201, _work(db, subject))
    assert _created(engine, subject) == 2


def test_a_failed_request_remembers_nothing(engine: Engine) -> None:
    principal, key, subject = f"user:{uuid.uuid4()}", uuid.uuid4().hex, f"thing:{uuid.uuid4()}"

    def boom() -> None:
        raise Problem(409, "no")

    with Session(engine) as db, pytest.raises(Problem):
        idempotency.run(db, principal, key, _request(), {}, 201, boom)
    with Session(engine) as db:
        assert idempotency.run(db, principal, key, _request(), {}, 201, _work(db, subject)) == {"id": subject}
    assert _created(engine, subject) == 1


def test_racing_requests_with_one_key_create_once(engine: Engine) -> None:
    principal, key, subject = f"user:{uuid.uuid4()}", uuid.uuid4().hex, f"thing:{uuid.uuid4()}"
    first, second = Session(engine), Session(engine)
    try:
        # Both pass the replay check before either commits.
        fp = idempotency.fingerprint("POST", "/v1/things", {})
        assert idempotency.replay(first, principal, key, fp) is None
        assert idempotency.replay(second, principal, key, fp) is None
        _work(first, subject)()
        idempotency.remember(first, principal, key, fp, 201, {"id": subject})
        idempotency.commit(first)
        _work(second, subject)()
        idempotency.remember(second, principal, key, fp, 201, {"id": subject})
        with pytest.raises(Problem) as lost:
            idempotency.commit(second)
        assert lost.value.status == 409
    finally:
        first.close()
        second.close()
    assert _created(engine, subject) == 1
