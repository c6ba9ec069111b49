"""The per-process feature store: it follows the change feed exactly (a write, a late commit, a delete)
and its vectorised pre-score is the scalar scoring's sum, feature by feature."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import numpy as np
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from api.matching import features as fx
from api.matching import feed, scoring, store
from api.settings import ApiSettings

ZERO = "0x" + "00" * 20


def _insert(engine: Engine, n: int, skills: list[int]) -> list[uuid.UUID]:
    now = datetime.now(UTC)
    users = [uuid.uuid4() for _ in range(n)]
    with engine.begin() as conn:
        for i, u in enumerate(users):
            picked = [s for k, s in enumerate(skills) if (i >> k) & 1]
            rates = [{"chain_id": 31337, "token": ZERO, "amount": str(10 ** 15 * (i % 4))}] if i % 3 else []
            conn.execute(text("INSERT INTO users (id, created_at) VALUES (:u, :t)"), {"u": u, "t": now})
            conn.execute(text(
                "INSERT INTO match_freelancers (user_id, skill_ids, skill_levels, verified_skill_ids, reputation, "
                "completed, tz_offset_minutes, availability, rates, is_new, text, profile_created_at, updated_at) "
                "VALUES (:u, :ids, CAST(:levels AS jsonb), :ver, :rep, :done, :tz, :av, CAST(:rates AS jsonb), :new, "
                ":text, :created, :t)"),
                {"u": u, "ids": picked, "levels": json.dumps({str(s): 1 + (i + s) % 5 for s in picked}),
                 "ver": picked[:1], "rep": float(i * 7 % 100), "done": i % 13, "tz": (i % 24 - 12) * 60,
                 "av": ("available", "limited", "unavailable")[i % 3], "rates": json.dumps(rates), "new": i % 2 == 0,
                 "text": f"store test freelancer {i}", "created": now - timedelta(days=i), "t": now})
    return users


def _skills(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        return list(conn.scalars(text("SELECT id FROM skills ORDER BY id LIMIT 3")))


def test_store_follows_writes_late_commits_and_deletes(engine: Engine) -> None:
    users = _insert(engine, 4, _skills(engine))
    with Session(engine) as db:
        st = store.synced(db)
        assert all(st.alive[st.where[u]] for u in users)
        late = engine.connect()
        late_tx = late.begin()
        # Written first, committed last: its transaction id is below the next writer's.
        late.execute(text("UPDATE match_freelancers SET reputation = 11 WHERE user_id = :u"), {"u": users[0]})
        with engine.begin() as conn:
            conn.execute(text("UPDATE match_freelancers SET reputation = 22 WHERE user_id = :u"), {"u": users[1]})
        db.commit()
        st = store.synced(db)
        assert st.rows[st.where[users[1]]].reputation == 22.0 and st.reputation[st.where[users[1]]] == 22.0
        assert st.rows[st.where[users[0]]].reputation != 11.0  # not committed yet: not visible
        late_tx.commit()
        late.close()
        db.commit()
        st = store.synced(db)
        assert st.rows[st.where[users[0]]].reputation == 11.0 and st.reputation[st.where[users[0]]] == 11.0
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM match_freelancers WHERE user_id = :u"), {"u": users[2]})
        db.commit()
        st = store.synced(db)
        assert not st.alive[st.where[users[2]]] and st.alive[st.where[users[3]]]
        # Lexemes of changed rows (the overlay) are matched like the others.
        with engine.begin() as conn:
            conn.execute(text("UPDATE match_freelancers SET text = 'zanzibarian cartographer' WHERE user_id = :u"),
                         {"u": users[3]})
        db.commit()
        st = store.synced(db)
        counts = st.matched_terms(["zanzibarian", "cartograph"])
        assert counts[st.where[users[3]]] == 2 and counts[st.where[users[1]]] == 0


def test_vectorised_features_and_scores_are_the_scalar_ones(engine: Engine) -> None:
    skills = _skills(engine)
    users = _insert(engine, 16, skills)
    weights = ApiSettings(_env_file=None).matching_weights  # type: ignore[call-arg]
    with Session(engine) as db:
        st = store.synced(db)
        rows = {r.user_id: r for r in db.execute(text("SELECT * FROM match_freelancers WHERE user_id = ANY(:u)"),
                                                 {"u": users})}
        # The second budget is past int64 (1,000 ETH in wei).
        for client_is_new, budget in ((False, 10 ** 17), (True, 10 ** 21)):
            project = fx.ProjectFacts(project_id=uuid.uuid4(), skill_ids=skills[:2], budget=budget, chain_id=31337,
                                      token=ZERO, client_tz_offset_minutes=120, client_is_new=client_is_new)
            ask = store.Ask(project=project, exclude=uuid.uuid4(), weights=weights, reference_hours=40, limit=5)
            text_values = np.linspace(0, 1, st.size)
            columns = store.feature_columns(st, ask, text_values)
            mine = [st.where[u] for u in users]
            for u, i, got in zip(users, mine, store.scored(columns, mine, weights), strict=True):
                values = scoring.feature_values(feed.freelancer_facts(rows[u]), project, float(text_values[i]), 40)
                assert {k: float(columns[k][i]) for k in values} == pytest.approx(values, abs=1e-12), u
                assert got == scoring.score(values, weights)
                assert sum(got.parts.values()) == pytest.approx(got.score, abs=1e-9)
            picked, _ = store.shortlist(st, ask, text_values)
            pre = store.prescore(st, ask, text_values)
            best = sorted((i for i in range(st.size) if st.alive[i]), key=lambda i: (-pre[i], i))[:5]
            assert picked[:5] == best


def test_pruned_deletions_log_and_a_stale_store_reloads(engine: Engine) -> None:
    """The log keeps a day; a store idle longer than half of that reloads, so a pruned deletion is not missed.
    (About a second.)"""
    users = _insert(engine, 2, _skills(engine))
    with Session(engine) as db:
        st = store.synced(db)
        assert st.alive[st.where[users[0]]]
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM match_freelancers WHERE user_id = :u"), {"u": users[0]})
            conn.execute(text("UPDATE match_freelancer_deletions SET deleted_at = now() - interval '25 hours' "
                              "WHERE user_id = :u"), {"u": users[0]})
        assert store.prune_deletions(db) >= 1
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT count(*) FROM match_freelancer_deletions WHERE user_id = :u"),
                               {"u": users[0]}) == 0
        st.synced_at -= store.DELETIONS_KEEP_HOURS * 3600  # idle for a day: its deletions may be gone
        st = store.synced(db)
        assert users[0] not in st.where and st.alive[st.where[users[1]]]


def _row(i: int, vector: np.ndarray | None) -> SimpleNamespace:
    from api.matching import embeddings
    return SimpleNamespace(user_id=uuid.UUID(int=i + 1), skill_ids=[], skill_levels={}, verified_skill_ids=[],
                           reputation=float(i), completed=0, tz_offset_minutes=0, availability="available", rates=[],
                           is_new=False, profile_created_at=None, lexemes=[],
                           embedding_model=embeddings.MODEL_NAME if vector is not None else None,
                           embedding=embeddings.pack(vector) if vector is not None else None)


def test_embedding_prescore_in_a_subspace_and_exact_text_for_the_shortlist(monkeypatch: pytest.MonkeyPatch) -> None:
    """Vectors spanning 8 dimensions: the subspace cosine is the exact one, for rows loaded and rows added
    after the fit; the shortlist's rows carry the exact text (no database; milliseconds)."""
    monkeypatch.setattr(store, "APPROX_MIN_ROWS", 50)
    rng = np.random.default_rng(5)
    mix = rng.normal(size=(8, 384))
    vectors = rng.normal(size=(80, 8)) @ mix
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    st = store.Store()
    st.put([_row(i, vectors[i] if i % 10 else None) for i in range(60)], rebuilding=True)
    st.put([_row(i, vectors[i]) for i in range(60, 80)], rebuilding=False)  # after the fit: projected too
    assert st.basis is not None
    query = vectors[3]
    approx = st.approx_cosine(query)
    assert approx is not None and np.allclose(approx, st.cosine(query), atol=1e-4)
    assert approx[0] == 0.0  # no vector: 0, as in the exact product
    project = fx.ProjectFacts(project_id=uuid.uuid4(), skill_ids=[], budget=1, chain_id=1, token=ZERO,
                              client_tz_offset_minutes=0, client_is_new=False)
    ask = store.Ask(project=project, exclude=uuid.uuid4(), weights={"text": 1.0}, reference_hours=40, limit=3)
    # A deliberately wrong approximation (all zeros): the rows returned still carry the exact cosine.
    rows, values = store.shortlist(st, ask, np.zeros(st.size), exact_text=lambda r: st.cosine(query, r))
    assert len(rows) == 3 and np.allclose(values["text"][rows], st.cosine(query)[rows])
    assert values["text"][rows].tolist() == sorted(values["text"][rows].tolist(), reverse=True)
