"""Candidate retrieval of the freelancer's feed (projects) for the two rankers, and the text feature.
(The client feed, freelancers for a project, retrieves from the per-process store: ``store.py``; it uses
``text_ranks`` here for the exact lexical text part of its shortlist.)

- lexical (always available): PostgreSQL full text (the other side's lexemes OR-ed into a tsquery,
  ``ts_rank_cd`` normalised to [0, 1)) plus skill overlap (GIN ``&&``);
- embedding (when the model is installed and both sides have vectors): the lexical candidates plus the
  nearest by cosine (pgvector's HNSW index where the column exists, else numpy over the stored vectors);
  the text feature is then the cosine.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import text as sql
from sqlalchemy.orm import Session as Db

from api.matching import embeddings

MAX_TERMS = 64
TERM = re.compile(r"^[a-z0-9]{2,40}$")


@dataclass
class Candidate:
    id: uuid.UUID
    text: float  # text similarity in [0, 1]
    row: Any


def terms_query(lexemes: list[str]) -> str | None:
    """An OR tsquery of plain lexemes (already stemmed: used with the 'simple' configuration)."""
    picked = [t for t in lexemes if TERM.match(t)][:MAX_TERMS]
    return " | ".join(picked) if picked else None


def text_ranks(db: Db, user_ids: list[uuid.UUID], query: str | None) -> dict[uuid.UUID, float]:
    """The lexical text feature (``ts_rank_cd``, normalised to [0, 1)) of a few freelancers, by primary key."""
    if not query or not user_ids:
        return {}
    rows = db.execute(sql("SELECT user_id, ts_rank_cd(search, to_tsquery('simple', :q), 32) FROM match_freelancers "
                          "WHERE user_id = ANY(:ids)"), {"q": query, "ids": user_ids}).all()
    return {r[0]: float(r[1]) for r in rows}


def lexemes_of_freelancer(db: Db, user_id: uuid.UUID) -> list[str]:
    return list(db.scalar(sql("SELECT tsvector_to_array(search) FROM match_freelancers WHERE user_id = :u"),
                          {"u": user_id}) or [])


def lexemes_of_project(db: Db, project_id: uuid.UUID) -> list[str]:
    # Title lexemes (weight A) first: they say most about the project when the list is cut.
    rows = db.execute(sql("SELECT lexeme FROM projects, unnest(search) WHERE id = :p "
                          "ORDER BY 'A' = ANY(weights) DESC, lexeme"), {"p": project_id}).all()
    return [r[0] for r in rows]


PROJECT_COLUMNS = ("p.id, p.client_user_id, p.title, p.skill_ids, p.budget, p.chain_id, p.token, p.created_at, "
                   "p.visibility, p.invitees")


def project_candidates(db: Db, me: uuid.UUID, skill_ids: list[int], query: str | None, filters: str,
                       params: dict[str, Any], limit: int) -> list[Candidate]:
    """Open projects the freelancer may see and did not post, by skill overlap or text, best first; then
    the newest open ones (a freelancer with nothing to match on still gets a feed)."""
    rank = "ts_rank_cd(p.search, to_tsquery('simple', :q), 32)" if query else "0.0"
    match = "p.skill_ids && CAST(:skills AS integer[])" + (" OR p.search @@ to_tsquery('simple', :q)" if query else "")
    base = ("FROM projects p WHERE p.state = 'open' AND p.client_user_id <> :me "
            "AND (p.visibility = 'public' OR :me = ANY(p.invitees))" + filters)
    args = {**params, "me": me, "skills": skill_ids, "q": query, "n": limit}
    overlap = "(SELECT count(*) FROM unnest(p.skill_ids) s WHERE s = ANY(CAST(:skills AS integer[])))"
    rows = db.execute(sql(f"SELECT {PROJECT_COLUMNS}, {rank} AS text_rank {base} AND ({match}) "
                          f"ORDER BY {overlap} + {rank} DESC, p.created_at DESC LIMIT :n"), args).all()
    found = {r.id: Candidate(r.id, float(r.text_rank), r) for r in rows}
    if len(found) < limit:
        for r in db.execute(sql(f"SELECT {PROJECT_COLUMNS}, 0.0 AS text_rank {base} "
                                "ORDER BY p.created_at DESC, p.id DESC LIMIT :n"), args).all():
            found.setdefault(r.id, Candidate(r.id, 0.0, r))
    return list(found.values())[:max(limit, len(rows))]


FREELANCER_COLUMNS = ("f.user_id, f.skill_ids, f.skill_levels, f.verified_skill_ids, f.reputation, f.completed, "
                      "f.tz_offset_minutes, f.availability, f.rates, f.is_new, f.profile_created_at")


# --- embedding ranker ----------------------------------------------------------------------------------

VECTOR_CACHE_SECONDS = 5.0  # how often a process checks whether the stored vectors changed
# (db url, table) -> (checked at, version, ids, id -> row, matrix)
_cache: dict[tuple[str, str], tuple[float, tuple[Any, ...], list[uuid.UUID], dict[uuid.UUID, int], np.ndarray]] = {}
_cache_lock = threading.Lock()


def _matrix(db: Db, table: str, key: str) -> tuple[list[uuid.UUID], dict[uuid.UUID, int], np.ndarray]:
    """Every stored vector of ``table`` as one matrix, kept per process: the portable path without pgvector.
    Every ``VECTOR_CACHE_SECONDS`` a cheap version query (count, latest update) says whether to read them
    again, so a vector written by a job is used within that time and an unchanged table is read once."""
    cache_key = (db.get_bind().url.render_as_string(hide_password=True), table)
    hit = _cache.get(cache_key)
    now = time.monotonic()
    if hit is not None and now - hit[0] < VECTOR_CACHE_SECONDS:
        return hit[2], hit[3], hit[4]
    with _cache_lock:
        version = tuple(db.execute(sql(f"SELECT count(*), max(updated_at) FROM {table} "
                                       "WHERE embedding IS NOT NULL")).one())
        if hit is not None and hit[1] == version:
            _cache[cache_key] = (now, *hit[1:])
            return hit[2], hit[3], hit[4]
        rows = db.execute(sql(f"SELECT {key}, embedding FROM {table} WHERE embedding_model = :m "
                              "AND length(embedding) = :size"),
                          {"m": embeddings.MODEL_NAME, "size": embeddings.DIMENSIONS * 4}).all()
        ids = [r[0] for r in rows]
        matrix = np.frombuffer(b"".join(r[1] for r in rows), dtype="<f4").reshape(len(rows), embeddings.DIMENSIONS) \
            if rows else np.zeros((0, embeddings.DIMENSIONS), dtype=np.float32)
        where = {k: i for i, k in enumerate(ids)}
        _cache[cache_key] = (now, version, ids, where, matrix)
    return ids, where, matrix


def similarities(db: Db, table: str, key: str, query: np.ndarray, ids: list[uuid.UUID]) -> dict[uuid.UUID, float]:
    """Cosine (negative as 0) between ``query`` and the stored vectors of ``ids`` (those that have one)."""
    _, where, matrix = _matrix(db, table, key)
    rows = [(k, where[k]) for k in ids if k in where]
    if not rows:
        return {}
    sims = embeddings.cosine(query, matrix[[i for _, i in rows]])
    return {k: float(v) for (k, _), v in zip(rows, sims, strict=True)}


def own_vector(db: Db, table: str, key: str, id_: uuid.UUID) -> np.ndarray | None:
    raw = db.scalar(sql(f"SELECT embedding FROM {table} WHERE {key} = :k AND embedding_model = :m"),
                    {"k": id_, "m": embeddings.MODEL_NAME})
    return embeddings.unpack(raw)


def _nearest_ids(db: Db, table: str, key: str, query: np.ndarray, limit: int) -> list[uuid.UUID]:
    ids, _, matrix = _matrix(db, table, key)
    if not ids:
        return []
    sims = matrix @ query
    top = np.argpartition(-sims, min(limit, len(ids) - 1))[:limit] if len(ids) > limit else np.arange(len(ids))
    return [ids[i] for i in top[np.argsort(-sims[top])]]


def has_pgvector(db: Db) -> bool:
    return bool(db.scalar(sql("SELECT count(*) FROM information_schema.columns WHERE table_name = "
                              "'match_freelancers' AND column_name = 'embedding_vec'")))


def nearest_freelancers(db: Db, query: np.ndarray, client: uuid.UUID, filters: str, params: dict[str, Any],
                        limit: int) -> list[Candidate]:
    """The freelancers nearest to ``query`` that pass the filters: pgvector's HNSW index when the column
    exists, else the cached matrix (over-fetched 3x, then filtered in SQL)."""
    args = {**params, "client": client, "n": limit}
    if has_pgvector(db):
        args["v"] = "[" + ",".join(f"{x:.7f}" for x in query.tolist()) + "]"
        rows = db.execute(sql(
            f"SELECT {FREELANCER_COLUMNS}, 0.0 AS text_rank FROM match_freelancers f WHERE f.user_id <> :client "
            f"AND f.embedding_vec IS NOT NULL{filters} ORDER BY f.embedding_vec <=> CAST(:v AS vector) LIMIT :n"),
            args).all()
    else:
        # Over-fetch when filters will drop some of the nearest.
        args["ids"] = _nearest_ids(db, "match_freelancers", "user_id", query, 3 * limit if filters else limit)
        rows = db.execute(sql(f"SELECT {FREELANCER_COLUMNS}, 0.0 AS text_rank FROM match_freelancers f "
                              f"WHERE f.user_id = ANY(:ids) AND f.user_id <> :client{filters}"), args).all()
    return [Candidate(r.user_id, 0.0, r) for r in rows]


def nearest_projects(db: Db, query: np.ndarray, me: uuid.UUID, filters: str, params: dict[str, Any],
                     limit: int) -> list[Candidate]:
    # Over-fetched: closed, private and own projects have vectors too and are dropped here.
    args = {**params, "me": me, "ids": _nearest_ids(db, "match_projects", "project_id", query, 3 * limit)}
    rows = db.execute(sql(f"SELECT {PROJECT_COLUMNS}, 0.0 AS text_rank FROM projects p WHERE p.id = ANY(:ids) "
                          "AND p.state = 'open' AND p.client_user_id <> :me "
                          "AND (p.visibility = 'public' OR :me = ANY(p.invitees))" + filters), args).all()
    return [Candidate(r.id, 0.0, r) for r in rows]
