"""A per-process, columnar copy of ``match_freelancers`` for the client feed (freelancers for a project).

Why: ranking in SQL costs a ``ts_rank_cd`` and a skill-overlap count for every matching freelancer
before the LIMIT (hundreds of ms at 10k freelancers), and decoding JSONB features per candidate adds up.
Here every feature a score needs is decoded once into numpy columns (levels and verified skills as
dense matrices indexed by skill id, numbers as vectors, unit vectors as one float32 matrix, lexemes as
posting lists), so a feed pre-scores *every* freelancer with a few vector operations, keeps the best
``MATCHING_CANDIDATES`` (plus the cold-start streams) and scores only those exactly (``scoring``).

Freshness: each request asks the change feed (migration a0021: ``xid`` of the last writing transaction,
a deletions log) for what changed since the snapshot seen at the last sync (see ``synced``): an index
range, usually empty. So a write is visible to the next feed, as with plain SQL, without reloading.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
from sqlalchemy import text as sql
from sqlalchemy.orm import Session as Db

from api.matching import embeddings, scoring
from api.matching import features as fx

COLUMNS = ("user_id, skill_ids, skill_levels, verified_skill_ids, reputation, completed, tz_offset_minutes, "
           "availability, rates, is_new, profile_created_at, embedding_model, embedding, "
           "tsvector_to_array(search) AS lexemes")
OVERLAY_LIMIT = 2000  # changed rows kept beside the posting lists before they are rebuilt
TS_WEIGHT_D = 0.1  # ts_rank_cd's default weight of an unlabelled lexeme (the proxy of the text feature)


class Brief(NamedTuple):
    """What a feed page shows of a freelancer (the vector and lexemes stay in the columns only)."""

    user_id: uuid.UUID
    skill_ids: list[int]
    verified_skill_ids: list[int]
    availability: str
    reputation: float
    is_new: bool


def _rate(rates: list[dict[str, Any]], chain_id: int, token: str) -> float:
    for r in rates:  # the first rate in that chain and token, as features.budget reads it
        if int(str(r.get("chain_id"))) == chain_id and str(r.get("token")).lower() == token:
            return float(int(str(r.get("amount", "0"))))
    return float("nan")


@dataclass
class Store:
    """Row i of every column is one freelancer; ``alive`` is False for rows deleted since loading."""

    xmax: int = 0  # the snapshot of the last sync: its xmax and in-progress transaction ids
    running: list[int] = field(default_factory=list)
    size: int = 0
    where: dict[uuid.UUID, int] = field(default_factory=dict)
    ids: list[uuid.UUID] = field(default_factory=list)
    rows: list[Brief] = field(default_factory=list)
    rates: list[list[dict[str, Any]]] = field(default_factory=list)
    alive: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    levels: np.ndarray = field(default_factory=lambda: np.zeros((0, 1), np.uint8))  # [row, skill id] 0-5
    verified: np.ndarray = field(default_factory=lambda: np.zeros((0, 1), bool))
    listed: np.ndarray = field(default_factory=lambda: np.zeros((0, 1), bool))  # skill_ids (the filters' overlap)
    reputation: np.ndarray = field(default_factory=lambda: np.zeros(0))
    completed: np.ndarray = field(default_factory=lambda: np.zeros(0))
    tz: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    available: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    is_new: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    created: np.ndarray = field(default_factory=lambda: np.zeros(0))  # epoch seconds
    vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, embeddings.DIMENSIONS), np.float32))
    has_vector: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    # Lexical: lexeme -> term id; posting lists built for the rows as loaded; rows changed since are
    # masked out of them (``stale``) and matched from ``overlay`` instead, until the next rebuild.
    vocabulary: dict[str, int] = field(default_factory=dict)
    terms: list[np.ndarray] = field(default_factory=list)
    postings: dict[int, np.ndarray] = field(default_factory=dict)
    stale: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    overlay: set[int] = field(default_factory=set)
    rate_columns: dict[tuple[int, str], np.ndarray] = field(default_factory=dict)

    # --- writing ----------------------------------------------------------------------------------------

    def _grow(self, rows: int, skill: int) -> None:
        """Room for ``rows`` rows and skill ids up to ``skill`` (capacity doubles: appends stay cheap)."""
        cap = len(self.alive)
        if rows > cap:
            new = max(rows, 2 * cap, 64)
            for name in ("alive", "reputation", "completed", "tz", "available", "is_new", "created", "has_vector",
                         "stale", "levels", "verified", "listed", "vectors"):
                old = getattr(self, name)
                grown = np.zeros((new, *old.shape[1:]), old.dtype)
                grown[:cap] = old
                setattr(self, name, grown)
        if skill >= self.levels.shape[1]:
            width = max(skill + 1, 2 * self.levels.shape[1])
            self.levels = np.pad(self.levels, ((0, 0), (0, width - self.levels.shape[1])))
            self.verified = np.pad(self.verified, ((0, 0), (0, width - self.verified.shape[1])))
            self.listed = np.pad(self.listed, ((0, 0), (0, width - self.listed.shape[1])))

    def put(self, rows: list[Any], *, rebuilding: bool) -> None:
        """Insert or replace rows (by user id)."""
        top_skill = max((s for r in rows for s in [*(r.skill_ids or []), *(r.verified_skill_ids or [])]), default=0)
        self._grow(self.size + len(rows), top_skill)
        for r in rows:
            i = self.where.get(r.user_id)
            if i is None:
                i, self.size = self.size, self.size + 1
                self.where[r.user_id] = i
                self.ids.append(r.user_id)
                self.rows.append(None)  # type: ignore[arg-type]
                self.rates.append([])
                self.terms.append(np.zeros(0, np.int32))
            self.rows[i] = Brief(r.user_id, list(r.skill_ids or []), list(r.verified_skill_ids or []), r.availability,
                                 float(r.reputation), bool(r.is_new))
            self.rates[i] = list(r.rates or [])
            self.alive[i] = True
            self.levels[i] = 0
            for key, lvl in (r.skill_levels or {}).items():
                if 0 <= int(key) < self.levels.shape[1]:
                    self.levels[i, int(key)] = min(5, max(0, int(lvl)))
            self.listed[i] = False
            self.listed[i, [s for s in (r.skill_ids or []) if 0 <= s < self.listed.shape[1]]] = True
            self.verified[i] = False
            self.verified[i, [s for s in (r.verified_skill_ids or []) if 0 <= s < self.verified.shape[1]]] = True
            self.reputation[i], self.completed[i] = float(r.reputation), int(r.completed)
            self.tz[i] = int(r.tz_offset_minutes)
            self.available[i], self.is_new[i] = fx.AVAILABILITY.get(r.availability, 0.0), bool(r.is_new)
            self.created[i] = r.profile_created_at.timestamp() if r.profile_created_at is not None else 0.0
            for (chain_id, token), col in self.rate_columns.items():
                if i < len(col):
                    col[i] = _rate(self.rates[i], chain_id, token)
            vector = embeddings.unpack(r.embedding) if r.embedding_model == embeddings.MODEL_NAME else None
            self.has_vector[i] = vector is not None
            self.vectors[i] = 0.0 if vector is None else vector
            self.terms[i] = np.array(sorted({self.vocabulary.setdefault(t, len(self.vocabulary))
                                             for t in (r.lexemes or [])}), np.int32)
            if not rebuilding:
                self.stale[i] = True
                self.overlay.add(i)
        for (chain_id, token), col in list(self.rate_columns.items()):
            if len(col) < self.size:  # rows were added
                added = [_rate(r, chain_id, token) for r in self.rates[len(col):self.size]]
                self.rate_columns[(chain_id, token)] = np.concatenate([col, np.array(added, dtype=np.float64)])
        if rebuilding or len(self.overlay) > OVERLAY_LIMIT:
            self._index()

    def drop(self, user_ids: list[uuid.UUID]) -> None:
        for u in user_ids:
            i = self.where.get(u)
            if i is not None:
                self.alive[i] = False

    def _index(self) -> None:
        """Posting lists (term id -> rows) of every row, in one sort."""
        lengths = np.fromiter((len(t) for t in self.terms), np.int64, len(self.terms))
        if lengths.sum() == 0:
            self.postings = {}
        else:
            rows = np.repeat(np.arange(len(self.terms), dtype=np.int32), lengths)
            terms = np.concatenate(self.terms)
            order = np.argsort(terms, kind="stable")
            terms, rows = terms[order], rows[order]
            cuts = np.flatnonzero(np.diff(terms)) + 1
            self.postings = {int(g[0]): r for g, r in zip(np.split(terms, cuts), np.split(rows, cuts), strict=True)}
        self.stale[:] = False
        self.overlay.clear()

    # --- reading ----------------------------------------------------------------------------------------

    def matched_terms(self, lexemes: list[str]) -> np.ndarray:
        """How many of the query's lexemes each row has (the lexical text feature's proxy)."""
        wanted = {self.vocabulary[t] for t in lexemes if t in self.vocabulary}
        counts = np.zeros(self.size, np.float32)
        for t in wanted:
            rows = self.postings.get(t)
            if rows is not None:
                counts[rows] += 1.0
        if self.overlay:
            counts[self.stale[:self.size]] = 0.0
            for i in self.overlay:
                counts[i] = float(np.isin(self.terms[i], list(wanted)).sum()) if wanted else 0.0
        return counts

    def rate_column(self, chain_id: int, token: str) -> np.ndarray:
        """Each row's hourly rate in that chain and token (NaN: none stated); built once, then kept up to
        date row by row as rows change (a new row rebuilds it)."""
        key = (chain_id, token.lower())
        col = self.rate_columns.get(key)
        if col is None:
            col = np.array([_rate(r, chain_id, key[1]) for r in self.rates], dtype=np.float64)
            self.rate_columns[key] = col
        return col


_stores: dict[str, Store] = {}
lock = threading.Lock()  # sync and pre-scoring of one process's store: one request at a time


def _snapshot(db: Db) -> tuple[int, list[int]]:
    """The current snapshot's xmax (the first transaction id not yet started) and its in-progress ids."""
    row = db.execute(sql("SELECT pg_snapshot_xmax(s)::text::bigint, "
                         "ARRAY(SELECT x::text::bigint FROM pg_snapshot_xip(s) x) FROM pg_current_snapshot() s")).one()
    return int(row[0]), list(row[1])


def synced(db: Db) -> Store:
    """The process's store for this database, brought up to date (call with ``lock`` held).

    The snapshot is read *before* the rows. Every transaction below its xmax and not in progress then had
    ended, so the rows read next include its writes; the others (in progress, or started later) are what
    the next sync reads: ``xid >= xmax OR xid = ANY(in progress)``. Transaction ids are cluster-wide, so
    the in-progress list, not the snapshot's xmin, keeps other databases' long transactions from making
    every sync re-read everything."""
    key = db.get_bind().url.render_as_string(hide_password=True)
    store = _stores.get(key)
    xmax, running = _snapshot(db)
    if store is None:
        store = Store()
        store.put(db.execute(sql(f"SELECT {COLUMNS} FROM match_freelancers")).all(), rebuilding=True)
        _stores[key] = store
    else:
        since = {"x": store.xmax, "running": store.running}
        gone = list(db.scalars(sql("SELECT user_id FROM match_freelancer_deletions WHERE xid >= :x "
                                   "OR xid = ANY(CAST(:running AS bigint[]))"), since))
        changed = db.execute(sql(f"SELECT {COLUMNS} FROM match_freelancers WHERE xid >= :x "
                                 "OR xid = ANY(CAST(:running AS bigint[]))"), since).all()
        if gone:
            store.drop(gone)  # before the upserts: a row deleted then written again is alive
        if changed:
            store.put(changed, rebuilding=False)
    store.xmax, store.running = xmax, running
    return store


@dataclass
class Ask:
    """What one client feed asks of the store."""

    project: fx.ProjectFacts
    exclude: uuid.UUID  # the client
    weights: dict[str, float]
    reference_hours: int
    limit: int  # MATCHING_CANDIDATES
    availability: str | None = None
    verified_in: list[int] | None = None  # verified_only: verified in one of these
    min_reputation: float | None = None
    skills: list[int] | None = None  # listing one of these
    must_match: bool = False  # lexical: only freelancers sharing a skill or a word with the project


def _any(matrix: np.ndarray, n: int, skill_ids: list[int]) -> np.ndarray:
    cols = [s for s in skill_ids if 0 <= s < matrix.shape[1]]
    return matrix[:n, cols].any(axis=1) if cols else np.zeros(n, bool)


def timezone_overlap(offsets: np.ndarray, client_offset: int) -> np.ndarray:
    """``features.timezone`` for many freelancers at once (the same arithmetic, vectorised)."""
    shift = (offsets.astype(np.int64) - client_offset) % 1440
    start = (fx.WORK_START - shift) % 1440
    span = fx.WORK_END - fx.WORK_START
    overlap = np.zeros(len(offsets), np.int64)
    for s in (start - 1440, start, start + 1440):
        overlap += np.maximum(0, np.minimum(fx.WORK_END, s + span) - np.maximum(fx.WORK_START, s))
    return np.minimum(1.0, overlap / span)


def feature_columns(store: Store, ask: Ask, text: np.ndarray) -> dict[str, np.ndarray]:
    """Every feature of every row, vectorised: the same definitions as ``features`` (``text`` given)."""
    n, p = store.size, ask.project
    cols = [s for s in p.skill_ids if 0 <= s < store.levels.shape[1]]
    count = len(p.skill_ids)
    skills = store.levels[:n, cols].sum(axis=1, dtype=np.float64) / 5 / count if count else np.zeros(n)
    verified = store.verified[:n, cols].sum(axis=1, dtype=np.float64) / count if count else np.zeros(n)
    wanted = store.rate_column(p.chain_id, p.token) * ask.reference_hours
    with np.errstate(divide="ignore", invalid="ignore"):
        # float(): a budget in base units can pass int64 (1,000 ETH is 10^21 wei).
        ratio = np.minimum(1.0, float(p.budget) / wanted)
        budget = np.where(np.isnan(wanted), 0.5, np.where(wanted <= 0, 1.0, ratio))
    reputation = np.clip(store.reputation[:n] / 100.0, 0.0, 1.0)
    popularity = np.where(verified > 0, 0.5 * np.minimum(1.0, store.completed[:n] / 10) + 0.5 * reputation, 0.0) \
        if p.client_is_new else np.zeros(n)
    return {"skills": skills, "verified": verified, "text": np.clip(text, 0.0, 1.0), "budget": budget,
            "availability": store.available[:n].astype(np.float64),
            "timezone": timezone_overlap(store.tz[:n], p.client_tz_offset_minutes), "reputation": reputation,
            "popularity": popularity}


def prescore(store: Store, ask: Ask, text: np.ndarray) -> np.ndarray:
    """The weighted score of every row (before the per-part rounding of ``scored``)."""
    values = feature_columns(store, ask, text)
    return sum((ask.weights.get(name, 0.0) * values[name] for name in scoring.FEATURES), np.zeros(store.size))


def scored(values: dict[str, np.ndarray], rows: list[int], weights: dict[str, float]) -> list[scoring.Scored]:
    """``scoring.score`` of the given rows, vectorised: parts rounded to integer micro-units (``rint`` and
    Python's ``round`` both round half to even), the score their integer sum, so the parts add up to it."""
    if not rows:
        return []
    unit = 10**scoring.DECIMALS
    micro = np.stack([np.rint(weights.get(name, 0.0) * values[name][rows] * unit).astype(np.int64)
                      for name in scoring.FEATURES], axis=1)
    totals = micro.sum(axis=1)
    return [scoring.Scored(score=int(t) / unit, parts={name: int(m) / unit for name, m in zip(scoring.FEATURES, row,
                                                                                             strict=True)})
            for t, row in zip(totals.tolist(), micro.tolist(), strict=True)]


def _top(rows: np.ndarray, key: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` rows of highest ``key`` (ties by row, so the same data gives the same list)."""
    if len(rows) > k:
        cut = np.partition(key[rows], len(rows) - k)[len(rows) - k]
        rows = rows[key[rows] >= cut]
    return rows[np.lexsort((rows, -key[rows]))][:k]


def lexical_proxy(matched: np.ndarray) -> np.ndarray:
    """Near ``ts_rank_cd(.., 32)`` of an OR query on an unweighted tsvector: each matched lexeme adds D's
    weight, and normalisation 32 maps r to r / (r + 1). Only for choosing candidates: their text
    feature is then the real ``ts_rank_cd``."""
    r = TS_WEIGHT_D * matched
    return r / (r + 1.0)


def shortlist(store: Store, ask: Ask, text: np.ndarray, matched: np.ndarray | None = None
              ) -> tuple[list[int], dict[str, np.ndarray]]:
    """Rows to score exactly: the best ``limit`` by pre-score, the newest new freelancers in the project's
    skills (exploration slots) and, for a new client, the most popular verified in them (cold start)."""
    n = store.size
    mask = store.alive[:n].copy()
    me = store.where.get(ask.exclude)
    if me is not None:
        mask[me] = False
    if ask.availability:
        mask &= store.available[:n] == fx.AVAILABILITY.get(ask.availability, -1.0)
    if ask.verified_in is not None:
        mask &= _any(store.verified, n, ask.verified_in)
    if ask.min_reputation is not None:
        mask &= store.reputation[:n] >= ask.min_reputation
    if ask.skills:
        mask &= _any(store.listed, n, ask.skills)
    in_skills = _any(store.listed, n, ask.project.skill_ids)
    main = mask & (in_skills | (matched > 0)) if ask.must_match and matched is not None else mask
    values = feature_columns(store, ask, text)
    pre = sum((ask.weights.get(name, 0.0) * values[name] for name in scoring.FEATURES), np.zeros(n))
    picked = [_top(np.flatnonzero(main), pre, ask.limit)]
    k = max(10, ask.limit // 10)
    if ask.project.skill_ids:
        picked.append(_top(np.flatnonzero(mask & store.is_new[:n] & in_skills), store.created[:n], k))
        if ask.project.client_is_new:
            verified = np.flatnonzero(mask & _any(store.verified, n, ask.project.skill_ids))
            order = np.lexsort((verified, -store.reputation[verified], -store.completed[verified]))
            picked.append(verified[order][:k])
    seen: dict[int, None] = {}
    for part in picked:
        seen.update(dict.fromkeys(part.tolist()))
    return list(seen), values
