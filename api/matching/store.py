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

import gc
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
from sqlalchemy import text as sql
from sqlalchemy.orm import Session as Db

from api.kit import changefeed
from api.matching import embeddings, scoring
from api.matching import features as fx

COLUMNS = ("user_id, skill_ids, skill_levels, verified_skill_ids, reputation, completed, tz_offset_minutes, "
           "availability, rates, is_new, profile_created_at, embedding_model, embedding, "
           "tsvector_to_array(search) AS lexemes")
# The deletions log is pruned after DELETIONS_KEEP_HOURS (scheduler job ``matching_deletions_prune``); a
# store that has not synced for half that long reloads instead of trusting the log.
DELETIONS_KEEP_HOURS = changefeed.DELETIONS_KEEP_HOURS
OVERLAY_LIMIT = 2000  # changed rows kept beside the posting lists before they are rebuilt
TS_WEIGHT_D = 0.1  # ts_rank_cd's default weight of an unlabelled lexeme (the proxy of the text feature)
# Embedding pre-score: from this many rows on, the cosine of every row is approximated in a
# ``APPROX_DIMS``-dimensional principal subspace of the vectors (a 6x smaller matrix product, the feed's
# largest cost at 100k: 154 MB read per request), and only the best ``OVERFETCH`` x ``limit`` by that
# pre-score get the exact cosine before the shortlist is cut. Below it the exact product is cheap.
APPROX_MIN_ROWS = 20_000
APPROX_DIMS = 64
APPROX_SAMPLE = 20_000  # rows the subspace is fitted on
OVERFETCH = 4
SKILL_MATRICES = ("levels", "verified", "listed")  # [row, skill id], column-major: a skill's column is contiguous


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
    levels: np.ndarray = field(default_factory=lambda: np.zeros((0, 1), np.uint8, order="F"))  # [row, skill id] 0-5
    verified: np.ndarray = field(default_factory=lambda: np.zeros((0, 1), bool, order="F"))
    listed: np.ndarray = field(default_factory=lambda: np.zeros((0, 1), bool, order="F"))  # skill_ids (filters)
    reputation: np.ndarray = field(default_factory=lambda: np.zeros(0))
    completed: np.ndarray = field(default_factory=lambda: np.zeros(0))
    tz: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    # The few distinct UTC offsets, and each row's index into them: the time zone feature is then one
    # lookup per row instead of a dozen array passes.
    tz_code: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int16))
    tz_values: list[int] = field(default_factory=list)
    available: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    is_new: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    created: np.ndarray = field(default_factory=lambda: np.zeros(0))  # epoch seconds
    vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, embeddings.DIMENSIONS), np.float32))
    has_vector: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    basis: np.ndarray | None = None  # DIMENSIONS x APPROX_DIMS, orthonormal columns; None: exact products only
    reduced: np.ndarray = field(default_factory=lambda: np.zeros((0, APPROX_DIMS), np.float32))  # vectors @ basis
    # Lexical: lexeme -> term id; posting lists built for the rows as loaded; rows changed since are
    # masked out of them (``stale``) and matched from ``overlay`` instead, until the next rebuild.
    vocabulary: dict[str, int] = field(default_factory=dict)
    terms: list[np.ndarray] = field(default_factory=list)
    postings: dict[int, np.ndarray] = field(default_factory=dict)
    stale: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    overlay: set[int] = field(default_factory=set)
    rate_columns: dict[tuple[int, str], np.ndarray] = field(default_factory=dict)
    rated: dict[tuple[int, str], np.ndarray] = field(default_factory=dict)  # rows with a rate there (cache)
    synced_at: float = 0.0  # time.monotonic() of the last sync

    # --- writing ----------------------------------------------------------------------------------------

    def _grow(self, rows: int, skill: int) -> None:
        """Room for ``rows`` rows and skill ids up to ``skill`` (capacity doubles: appends stay cheap)."""
        cap = len(self.alive)
        if rows > cap:
            new = max(rows, 2 * cap, 64)
            for name in ("alive", "reputation", "completed", "tz", "tz_code", "available", "is_new", "created",
                         "has_vector", "stale", "vectors", "reduced", *SKILL_MATRICES):
                old = getattr(self, name)
                grown = np.zeros((new, *old.shape[1:]), old.dtype, order="F" if name in SKILL_MATRICES else "C")
                grown[:cap] = old
                setattr(self, name, grown)
        if skill >= self.levels.shape[1]:
            width = max(skill + 1, 2 * self.levels.shape[1])
            for name in SKILL_MATRICES:
                old = getattr(self, name)
                grown = np.zeros((old.shape[0], width), old.dtype, order="F")
                grown[:, :old.shape[1]] = old
                setattr(self, name, grown)

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
            if self.tz[i] not in self.tz_values:
                self.tz_values.append(int(self.tz[i]))
            self.tz_code[i] = self.tz_values.index(int(self.tz[i]))
            self.available[i], self.is_new[i] = fx.AVAILABILITY.get(r.availability, 0.0), bool(r.is_new)
            self.created[i] = r.profile_created_at.timestamp() if r.profile_created_at is not None else 0.0
            for (chain_id, token), col in self.rate_columns.items():
                if i < len(col):
                    col[i] = _rate(self.rates[i], chain_id, token)
            vector = embeddings.unpack(r.embedding) if r.embedding_model == embeddings.MODEL_NAME else None
            self.has_vector[i] = vector is not None
            self.vectors[i] = 0.0 if vector is None else vector
            if self.basis is not None:
                self.reduced[i] = self.vectors[i] @ self.basis
            self.terms[i] = np.array(sorted({self.vocabulary.setdefault(t, len(self.vocabulary))
                                             for t in (r.lexemes or [])}), np.int32)
            if not rebuilding:
                self.stale[i] = True
                self.overlay.add(i)
        self.rated.clear()
        for (chain_id, token), col in list(self.rate_columns.items()):
            if len(col) < self.size:  # rows were added
                added = [_rate(r, chain_id, token) for r in self.rates[len(col):self.size]]
                self.rate_columns[(chain_id, token)] = np.concatenate([col, np.array(added, dtype=np.float64)])
        if rebuilding or len(self.overlay) > OVERLAY_LIMIT:
            self._index()

    def _fit_subspace(self) -> None:
        """The ``APPROX_DIMS`` principal directions of the vectors (uncentred: the best subspace for dot
        products; a row without a vector stays 0), fitted on a fixed sample of rows, and every row's
        coordinates in it. Rows added later are projected on the same basis."""
        rows = np.flatnonzero(self.has_vector[:self.size])
        if len(rows) < APPROX_MIN_ROWS:
            self.basis = None
            return
        sample = self.vectors[np.sort(np.random.default_rng(0).choice(rows, min(len(rows), APPROX_SAMPLE),
                                                                      replace=False))]
        _, vecs = np.linalg.eigh(sample.T.astype(np.float64) @ sample)  # ascending eigenvalues
        self.basis = np.ascontiguousarray(vecs[:, ::-1][:, :APPROX_DIMS], dtype=np.float32)
        self.reduced[:self.size] = self.vectors[:self.size] @ self.basis

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
        if self.basis is None and self.size >= APPROX_MIN_ROWS:
            self._fit_subspace()

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

    def cosine(self, query: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Exact cosine (negative as 0) of ``query`` and every row, or the given rows; rows without a
        vector hold zeros, so theirs is 0 without a mask."""
        matrix = self.vectors[:self.size] if rows is None else self.vectors[rows]
        return np.clip(matrix @ query, 0.0, 1.0)

    def approx_cosine(self, query: np.ndarray) -> np.ndarray | None:
        """The cosine of every row in the principal subspace (None: no subspace, the store is small)."""
        if self.basis is None:
            return None
        return np.clip(self.reduced[:self.size] @ (query @ self.basis), 0.0, 1.0)

    def rated_rows(self, chain_id: int, token: str) -> np.ndarray:
        key = (chain_id, token.lower())
        rows = self.rated.get(key)
        if rows is None:
            rows = self.rated[key] = np.flatnonzero(~np.isnan(self.rate_column(chain_id, token)[:self.size]))
        return rows

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


def synced(db: Db) -> Store:
    """The process's store for this database, brought up to date (call with ``lock`` held).

    The first call reads the snapshot, then every row; a later sync is one statement of the change feed
    (``api.kit.changefeed``: why no late commit is missed)."""
    key = db.get_bind().url.render_as_string(hide_password=True)
    store = _stores.get(key)
    if store is not None and time.monotonic() - store.synced_at > DELETIONS_KEEP_HOURS * 3600 / 2:
        store = None  # deletions it has not seen may be pruned from the log by now: read everything again
    if store is None:
        xmax, running = changefeed.snapshot(db)
        store = Store()
        # A few Python objects per row (ids, page briefs): loaded with the collector paused (each full
        # collection during the load would walk them all), then moved out of its reach (gc.freeze), or
        # a full collection walking them (~250 ms at 100k) lands in some later request: the p99.
        paused = gc.isenabled()
        gc.disable()
        try:
            store.put(db.execute(sql(f"SELECT {COLUMNS} FROM match_freelancers")).all(), rebuilding=True)
        finally:
            if paused:
                gc.enable()
        gc.collect()
        gc.freeze()
        _stores[key] = store
    else:
        found = changefeed.changes(db, CHANGES, changefeed.Snapshot(store.xmax, store.running), "user_id")
        (xmax, running), gone, changed = found
        if gone:
            store.drop(gone)  # before the upserts: a row deleted then written again is alive
        if changed:
            store.put(changed, rebuilding=False)
    store.xmax, store.running, store.synced_at = xmax, running, time.monotonic()
    return store


def prune_deletions(db: Db, keep_hours: int = DELETIONS_KEEP_HOURS) -> int:
    """Drop the deletions log's rows older than ``keep_hours`` (every store syncs, or reloads, well within
    that time: see ``synced``); returns how many went."""
    gone = changefeed.prune(db, "match_freelancer_deletions", keep_hours)
    db.commit()
    return gone


CHANGES = changefeed.changes_sql("match_freelancers", COLUMNS, "match_freelancer_deletions", "user_id")


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
    out = np.zeros(n, bool)
    for s in {s for s in skill_ids if 0 <= s < matrix.shape[1]}:
        out |= matrix[:n, s]  # a contiguous column (column-major matrices)
    return out


def _column_sum(matrix: np.ndarray, n: int, skill_ids: list[int]) -> np.ndarray:
    """Sum over the listed skill columns (a skill listed twice counts twice, as in ``features``)."""
    out = np.zeros(n)
    for s in skill_ids:
        if 0 <= s < matrix.shape[1]:
            out += matrix[:n, s]
    return out


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
    count = len(p.skill_ids)
    skills = _column_sum(store.levels, n, p.skill_ids) / 5 / count if count else np.zeros(n)
    verified = _column_sum(store.verified, n, p.skill_ids) / count if count else np.zeros(n)
    # Budget: 0.5 (no rate in the project's chain and token) for most rows; the rest computed.
    budget = np.full(n, 0.5)
    rated = store.rated_rows(p.chain_id, p.token)
    if len(rated):
        wanted = store.rate_column(p.chain_id, p.token)[rated] * ask.reference_hours
        with np.errstate(divide="ignore", invalid="ignore"):
            # float(): a budget in base units can pass int64 (1,000 ETH is 10^21 wei).
            budget[rated] = np.where(wanted <= 0, 1.0, np.minimum(1.0, float(p.budget) / wanted))
    reputation = np.clip(store.reputation[:n] / 100.0, 0.0, 1.0)
    popularity = np.where(verified > 0, 0.5 * np.minimum(1.0, store.completed[:n] / 10) + 0.5 * reputation, 0.0) \
        if p.client_is_new else np.zeros(n)
    table = timezone_overlap(np.array(store.tz_values, np.int64), p.client_tz_offset_minutes)
    return {"skills": skills, "verified": verified, "text": np.clip(text, 0.0, 1.0), "budget": budget,
            "availability": store.available[:n].astype(np.float64),
            "timezone": table[store.tz_code[:n]] if len(table) else np.zeros(n), "reputation": reputation,
            "popularity": popularity}


def _weighted(values: dict[str, np.ndarray], weights: dict[str, float], rows: np.ndarray | None = None) -> np.ndarray:
    """sum(weight x value) in ``scoring.FEATURES`` order (of the given rows only, if any)."""
    total: np.ndarray | None = None
    for name in scoring.FEATURES:
        w = weights.get(name, 0.0)
        if w:
            part = w * (values[name] if rows is None else values[name][rows])
            total = part if total is None else total + part
    size = len(next(iter(values.values()))) if rows is None else len(rows)
    return np.zeros(size) if total is None else total


def prescore(store: Store, ask: Ask, text: np.ndarray) -> np.ndarray:
    """The weighted score of every row (before the per-part rounding of ``scored``)."""
    return _weighted(feature_columns(store, ask, text), ask.weights)


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


def shortlist(store: Store, ask: Ask, text: np.ndarray, matched: np.ndarray | None = None,
              exact_text: Callable[[np.ndarray], np.ndarray] | None = None) -> tuple[list[int], dict[str, np.ndarray]]:
    """Rows to score exactly: the best ``limit`` by pre-score, the newest new freelancers in the project's
    skills (exploration slots) and, for a new client, the most popular verified in them (cold start).

    With ``exact_text`` (rows -> their exact text feature), ``text`` is an approximation: the best
    ``OVERFETCH`` x ``limit`` by it get the exact value and the best ``limit`` of those by the exact
    pre-score are kept; every returned row carries its exact ``text`` in the values."""
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
    pre = _weighted(values, ask.weights)
    exact = np.zeros(0, np.int64)
    if exact_text is None:
        picked = [_top(np.flatnonzero(main), pre, ask.limit)]
    else:
        exact = _top(np.flatnonzero(main), pre, OVERFETCH * ask.limit)
        values["text"][exact] = np.clip(exact_text(exact), 0.0, 1.0)
        pre[exact] = _weighted(values, ask.weights, exact)
        picked = [_top(exact, pre, ask.limit)]
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
    if exact_text is not None:  # the cold-start streams were not chosen by text: their exact value too
        rest = np.setdiff1d(np.fromiter(seen, np.int64, len(seen)), exact)
        if len(rest):
            values["text"][rest] = np.clip(exact_text(rest), 0.0, 1.0)
    return list(seen), values
