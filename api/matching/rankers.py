"""Candidate retrieval for the two rankers, and the text feature of each candidate.

- lexical (always available): PostgreSQL full text (the other side's lexemes OR-ed into a tsquery,
  ``ts_rank_cd`` normalised to [0, 1)) plus skill overlap (GIN ``&&``);
- embedding (when the model is installed and both sides have vectors): the lexical candidates plus the
  nearest by cosine (pgvector's HNSW index where the column exists, else numpy over the stored vectors);
  the text feature is then the cosine.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import text as sql
from sqlalchemy.orm import Session as Db

from api.matching import embeddings

MAX_TERMS = 64
_TERM = re.compile(r"^[a-z0-9]{2,40}$")


@dataclass
class Candidate:
    id: uuid.UUID
    text: float  # text similarity in [0, 1]
    row: Any


def terms_query(lexemes: list[str]) -> str | None:
    """An OR tsquery of plain lexemes (already stemmed: used with the 'simple' configuration)."""
    picked = [t for t in lexemes if _TERM.match(t)][:MAX_TERMS]
    return " | ".join(picked) if picked else None


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


def freelancer_candidates(db: Db, client: uuid.UUID, skill_ids: list[int], query: str | None, filters: str,
                          params: dict[str, Any], limit: int, *, client_is_new: bool) -> list[Candidate]:
    """Freelancers by skill overlap or text, best first; plus new freelancers in the skills (exploration
    slots) and, for a new client, the most popular freelancers verified in them (cold start)."""
    rank = "ts_rank_cd(f.search, to_tsquery('simple', :q), 32)" if query else "0.0"
    match = "f.skill_ids && CAST(:skills AS integer[])" + (" OR f.search @@ to_tsquery('simple', :q)" if query else "")
    base = "FROM match_freelancers f WHERE f.user_id <> :client" + filters
    args = {**params, "client": client, "skills": skill_ids, "q": query, "n": limit, "k": max(10, limit // 10)}
    overlap = "(SELECT count(*) FROM unnest(f.skill_ids) s WHERE s = ANY(CAST(:skills AS integer[])))"
    found: dict[uuid.UUID, Candidate] = {}
    queries = [f"SELECT {FREELANCER_COLUMNS}, {rank} AS text_rank {base} AND ({match}) "
               f"ORDER BY {overlap} + {rank} DESC, f.user_id LIMIT :n"]
    if skill_ids:
        queries.append(f"SELECT {FREELANCER_COLUMNS}, {rank} AS text_rank {base} AND f.is_new "
                       "AND f.skill_ids && CAST(:skills AS integer[]) ORDER BY f.profile_created_at DESC LIMIT :k")
        if client_is_new:
            queries.append(f"SELECT {FREELANCER_COLUMNS}, {rank} AS text_rank {base} "
                           "AND f.verified_skill_ids && CAST(:skills AS integer[]) "
                           "ORDER BY f.completed DESC, f.reputation DESC LIMIT :k")
    for q in queries:
        for r in db.execute(sql(q), args).all():
            found.setdefault(r.user_id, Candidate(r.user_id, float(r.text_rank), r))
    return list(found.values())


# --- embedding ranker ----------------------------------------------------------------------------------

def vectors(db: Db, table: str, key: str, ids: list[uuid.UUID]) -> dict[uuid.UUID, np.ndarray]:
    if not ids:
        return {}
    rows = db.execute(sql(f"SELECT {key}, embedding FROM {table} WHERE {key} = ANY(:ids) AND embedding IS NOT NULL "
                          "AND embedding_model = :m"), {"ids": ids, "m": embeddings.MODEL_NAME}).all()
    out = {}
    for k, raw in rows:
        v = embeddings.unpack(raw)
        if v is not None:
            out[k] = v
    return out


def has_pgvector(db: Db) -> bool:
    return bool(db.scalar(sql("SELECT count(*) FROM information_schema.columns WHERE table_name = "
                              "'match_freelancers' AND column_name = 'embedding_vec'")))


def nearest_freelancers(db: Db, query: np.ndarray, client: uuid.UUID, filters: str, params: dict[str, Any],
                        limit: int) -> list[uuid.UUID]:
    """The freelancers nearest to ``query``: pgvector's HNSW index when the column exists, else a full
    scan of the stored vectors in numpy (fine to tens of thousands; pgvector beyond)."""
    args = {**params, "client": client, "n": limit}
    if has_pgvector(db):
        args["v"] = "[" + ",".join(f"{x:.7f}" for x in query.tolist()) + "]"
        return [r[0] for r in db.execute(sql(
            f"SELECT f.user_id FROM match_freelancers f WHERE f.user_id <> :client AND f.embedding_vec IS NOT NULL"
            f"{filters} ORDER BY f.embedding_vec <=> CAST(:v AS vector) LIMIT :n"), args).all()]
    rows = db.execute(sql(f"SELECT f.user_id, f.embedding FROM match_freelancers f WHERE f.user_id <> :client "
                          f"AND f.embedding IS NOT NULL{filters}"), args).all()
    return _top(rows, query, limit)


def nearest_projects(db: Db, query: np.ndarray, me: uuid.UUID, filters: str, params: dict[str, Any],
                     limit: int) -> list[uuid.UUID]:
    args = {**params, "me": me}
    rows = db.execute(sql("SELECT p.id, m.embedding FROM projects p JOIN match_projects m ON m.project_id = p.id "
                          "WHERE p.state = 'open' AND p.client_user_id <> :me AND m.embedding IS NOT NULL "
                          "AND (p.visibility = 'public' OR :me = ANY(p.invitees))" + filters), args).all()
    return _top(rows, query, limit)


def _top(rows: list[Any], query: np.ndarray, limit: int) -> list[uuid.UUID]:
    rows = [r for r in rows if r[1] is not None and len(r[1]) == embeddings.DIMENSIONS * 4]
    if not rows:
        return []
    matrix = np.frombuffer(b"".join(r[1] for r in rows), dtype="<f4").reshape(len(rows), embeddings.DIMENSIONS)
    sims = matrix @ query
    order = np.argsort(-sims)[:limit]
    return [rows[i][0] for i in order]
