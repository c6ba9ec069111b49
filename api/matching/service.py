"""Matching service: the two feeds, the plain top-N functions (dashboards), recompute runs and the
automatic recompute requests that profile, skill and project changes enqueue."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import numpy as np
import structlog
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session as Db

from api.kit.problems import Problem
from api.kit.queue import get_queue
from api.matching import feed, rankers, refresh, scoring, store
from api.matching import schemas as s
from api.matching.models import MatchFreelancer, MatchRun
from api.profiles.models import Profile
from api.projects.models import Project
from api.settings import ApiSettings, get_settings
from api.skills.models import Skill

log = structlog.get_logger(__name__)
JOB_MODULE = "api.matching.jobs"


def skill_ids(db: Db, slugs: list[str]) -> list[int]:
    if not slugs:
        return []
    found = dict(db.execute(select(Skill.slug, Skill.id).where(Skill.slug.in_(sorted(set(slugs))))).all())
    missing = sorted(set(slugs) - set(found))
    if missing:
        raise Problem(422, f"unknown skill(s): {', '.join(missing)}; see /v1/skills", type_="unknown-skill")
    return sorted(found.values())


# --- freelancer feed: projects ---------------------------------------------------------------------------

def rank_projects(db: Db, settings: ApiSettings, user_id: uuid.UUID, *, ranker: str | None = None,
                  skills: list[int] | None = None, min_budget: int | None = None, max_budget: int | None = None,
                  chain_id: int | None = None) -> tuple[str, list[feed.Ranked]]:
    me = db.get(MatchFreelancer, user_id)
    if me is None:
        raise Problem(409, "your matching profile is being computed; try again in a moment",
                      type_="matching-pending", headers={"Retry-After": "5"})
    filters, params = "", {}
    if skills:
        filters += " AND p.skill_ids && CAST(:f_skills AS integer[])"
        params["f_skills"] = skills
    if min_budget is not None:
        filters, params["f_min"] = filters + " AND p.budget >= :f_min", Decimal(min_budget)
    if max_budget is not None:
        filters, params["f_max"] = filters + " AND p.budget <= :f_max", Decimal(max_budget)
    if chain_id is not None:
        filters, params["f_chain"] = filters + " AND p.chain_id = :f_chain", chain_id
    query = rankers.terms_query(rankers.lexemes_of_freelancer(db, user_id))
    n = settings.matching_candidates
    candidates = rankers.project_candidates(db, user_id, list(me.skill_ids), query, filters, params, n)
    used = feed.choose_ranker(settings, ranker)
    if used == "embedding":
        mine = rankers.own_vector(db, "match_freelancers", "user_id", user_id)
        if mine is None:
            used = "lexical"
        else:
            known = {c.id for c in candidates}
            candidates += [c for c in rankers.nearest_projects(db, mine, user_id, filters, params, n) if c.id not in known]
            sims = rankers.similarities(db, "match_projects", "project_id", mine, [c.id for c in candidates])
            for c in candidates:
                c.text = sims.get(c.id, 0.0)
    offsets, new_clients = feed.client_context(db, sorted({c.row.client_user_id for c in candidates}))
    facts = feed.freelancer_facts(me)
    out = []
    for c in candidates:
        values = scoring.feature_values(facts, feed.project_facts(c.row, offsets, new_clients), c.text,
                                        settings.matching_reference_hours)
        out.append(feed.Ranked(c.id, scoring.score(values, settings.matching_weights), False, c.row))
    return used, out


# --- client feed: freelancers for a project --------------------------------------------------------------

def rank_freelancers(db: Db, settings: ApiSettings, project: Project, *, ranker: str | None = None,
                     skills: list[int] | None = None, availability: str | None = None,
                     verified_only: bool = False, min_reputation: float | None = None) -> tuple[str, list[feed.Ranked]]:
    """Every freelancer pre-scored in the process's feature store (numpy), the best ``MATCHING_CANDIDATES``
    and the cold-start streams scored exactly (the same features, the real ``ts_rank_cd`` or cosine)."""
    offsets, new_clients = feed.client_context(db, [project.client_user_id])
    pf = feed.project_facts(project, offsets, new_clients)
    used = feed.choose_ranker(settings, ranker)
    vector = rankers.own_vector(db, "match_projects", "project_id", project.id) if used == "embedding" else None
    lexemes: list[str] = []
    if vector is None:  # the lexemes are the lexical ranker's only (one query fewer for the embedding one)
        used = "lexical"
        lexemes = [t for t in rankers.lexemes_of_project(db, project.id) if rankers.TERM.match(t)][:rankers.MAX_TERMS]
    ask = store.Ask(project=pf, exclude=project.client_user_id, weights=settings.matching_weights,
                    reference_hours=settings.matching_reference_hours, limit=settings.matching_candidates,
                    availability=availability, verified_in=list(project.skill_ids) if verified_only else None,
                    min_reputation=min_reputation, skills=skills, must_match=used == "lexical")
    with store.lock:
        st = store.synced(db)
        if vector is not None:
            # A large store pre-scores with the cosine in the principal subspace and the shortlist gets
            # the exact one; a small one computes it exactly for every row.
            approx = st.approx_cosine(vector)
            if approx is None:
                rows, values = store.shortlist(st, ask, st.cosine(vector))
            else:
                rows, values = store.shortlist(st, ask, approx, exact_text=lambda r: st.cosine(vector, r))
        else:
            matched = st.matched_terms(lexemes)
            rows, values = store.shortlist(st, ask, store.lexical_proxy(matched), matched)
        picked = [st.rows[i] for i in rows]
        is_new = st.is_new[rows].tolist()
    if vector is None:  # the text part is the real ts_rank_cd, not the proxy that chose the candidates
        ranks = rankers.text_ranks(db, [b.user_id for b in picked], rankers.terms_query(lexemes))
        values["text"][rows] = np.clip([ranks.get(b.user_id, 0.0) for b in picked], 0.0, 1.0)
    scores = store.scored(values, rows, settings.matching_weights)
    out = [feed.Ranked(b.user_id, sc, bool(new), b) for b, sc, new in zip(picked, scores, is_new, strict=True)]
    return used, out


def ensure_freelancer(db: Db, engine: Engine, redis: Redis, settings: ApiSettings, user_id: uuid.UUID) -> None:
    """A freelancer's first feed computes their features inline (without the embedding, which the
    enqueued job adds). Someone who is not a freelancer gets a 409 (the state of their profile, not a
    permission: setting is_freelancer makes the feed theirs)."""
    profile = db.get(Profile, user_id)
    if profile is None or not profile.is_freelancer:
        raise Problem(409, "the project feed is for freelancers: set is_freelancer on your profile "
                      "(PATCH /v1/me/profile), or pass project_id for a project you manage", type_="not-a-freelancer")
    if db.get(MatchFreelancer, user_id) is None:
        refresh.refresh_freelancer(db, engine, redis, settings, user_id, embed=False)
        request_recompute(settings, redis, "freelancer", user_id)


# --- pages and plain functions ---------------------------------------------------------------------------

def feed_page(db: Db, settings: ApiSettings, user_id: uuid.UUID, project: Project | None, *, limit: int,
              cursor: str | None, ranker: str | None = None, **filters: Any) -> s.FeedPage:
    if project is None:
        used, ranked = rank_projects(db, settings, user_id, ranker=ranker, **filters)
        page, next_cursor = feed.paginate(ranked, 0, limit, cursor)
    else:
        used, ranked = rank_freelancers(db, settings, project, ranker=ranker, **filters)
        page, next_cursor = feed.paginate(ranked, settings.matching_exploration_every, limit, cursor)
    return s.FeedPage(ranker=used, kind="projects" if project is None else "freelancers",  # type: ignore[arg-type]
                      weights=settings.matching_weights, items=_items(db, page, project is None),
                      next_cursor=next_cursor)


def _items(db: Db, page: list[feed.Ranked], projects: bool) -> list[s.FeedItem]:
    slugs = dict(db.execute(select(Skill.id, Skill.slug)).all()) if page else {}
    if projects:
        return [s.FeedItem(id=r.id, score=r.scored.score, parts=r.scored.parts, slot=r.slot,  # type: ignore[arg-type]
                           project=s.ProjectBrief(title=r.row.title, budget=int(r.row.budget), chain_id=r.row.chain_id,
                                                  token=r.row.token, skills=[slugs[i] for i in r.row.skill_ids if i in slugs],
                                                  created_at=r.row.created_at)) for r in page]
    # Two columns, not the ORM entities: a feed page builds no Profile objects.
    profiles = {p.user_id: p for p in db.execute(select(Profile.user_id, Profile.handle, Profile.display_name)
                                                 .where(Profile.user_id.in_([r.id for r in page])))}
    out = []
    for r in page:
        p = profiles.get(r.id)
        out.append(s.FeedItem(id=r.id, score=r.scored.score, parts=r.scored.parts, slot=r.slot,  # type: ignore[arg-type]
                              freelancer=s.FreelancerBrief(
                                  handle=p.handle if p else None, display_name=p.display_name if p else None,
                                  skills=[slugs[i] for i in r.row.skill_ids if i in slugs],
                                  verified_skills=[slugs[i] for i in r.row.verified_skill_ids if i in slugs],
                                  availability=r.row.availability, reputation=float(r.row.reputation),
                                  is_new=bool(r.row.is_new))))
    return out


def top_projects_for_freelancer(session: Db, user_id: uuid.UUID, limit: int = 10,
                                settings: ApiSettings | None = None) -> list[s.FeedItem]:
    """The freelancer's best open projects (for dashboards); [] for someone with no matching profile."""
    settings = settings or get_settings()
    if session.get(MatchFreelancer, user_id) is None:
        return []
    _, ranked = rank_projects(session, settings, user_id)
    return _items(session, feed.paginate(ranked, 0, limit, None)[0], True)


def top_freelancers_for_project(session: Db, project_id: uuid.UUID, limit: int = 10,
                                settings: ApiSettings | None = None) -> list[s.FeedItem]:
    """The project's best freelancers, exploration slots included (for dashboards)."""
    settings = settings or get_settings()
    project = session.get(Project, project_id)
    if project is None:
        return []
    _, ranked = rank_freelancers(session, settings, project)
    return _items(session, feed.paginate(ranked, settings.matching_exploration_every, limit, None)[0], False)


# --- recompute -------------------------------------------------------------------------------------------

def start_run(db: Db, redis: Redis, settings: ApiSettings, requested_by: uuid.UUID | None) -> MatchRun:
    run = MatchRun(scope="all", status="queued", total=0, done=0, requested_by=requested_by)
    db.add(run)
    db.commit()
    get_queue(settings, redis).enqueue(f"{JOB_MODULE}.recompute_all", str(run.id), job_timeout=6 * 3600)
    return run


def get_run(db: Db, run_id: uuid.UUID) -> MatchRun:
    run = db.get(MatchRun, run_id)
    if run is None:
        raise Problem(404, "no such recompute run", type_="not-found")
    return run


def run_out(run: MatchRun) -> s.RunOut:
    return s.RunOut(id=run.id, scope=run.scope, status=run.status, total=run.total, done=run.done,  # type: ignore[arg-type]
                    progress=1.0 if run.status == "done" else (run.done / run.total if run.total else 0.0),
                    error=run.error, created_at=run.created_at, started_at=run.started_at, finished_at=run.finished_at)


def request_recompute(settings: ApiSettings, redis: Redis, kind: str, subject: uuid.UUID) -> None:
    """Enqueue the recompute of one freelancer or project after a change (deduplicated while queued).
    Best effort: a Redis outage must not fail the profile or project change itself."""
    if not settings.enable_matching:
        return
    key = f"{settings.redis_key_prefix}matching:pending:{kind}:{subject}"
    try:
        if redis.set(key, datetime.now(UTC).isoformat(), nx=True, ex=300):
            get_queue(settings, redis).enqueue(f"{JOB_MODULE}.recompute_{kind}", str(subject), job_timeout=600)
    except RedisError:
        log.warning("matching recompute not enqueued", kind=kind, subject=str(subject))


def clear_pending(settings: ApiSettings, redis: Redis, kind: str, subject: uuid.UUID) -> None:
    redis.delete(f"{settings.redis_key_prefix}matching:pending:{kind}:{subject}")
