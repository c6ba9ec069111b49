"""Recompute the stored features of one freelancer or one project (what the rq jobs and the backfill run).

A freelancer's row gathers the profile, claimed skills and levels, verified skills (Lancer's live
verified_skill attestations of the user's wallets), reputation (lancer-rep of the best wallet), time zone
offset, and the embedding of bio + skill names when the model is installed."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from redis import Redis
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session as Db

from api.attestations import service as attestations
from api.identity.models import Wallet
from api.matching import embeddings
from api.matching.features import tz_offset_minutes
from api.matching.models import MatchFreelancer, MatchProject
from api.profiles.models import Profile
from api.projects.models import Project
from api.reputation import service as reputation
from api.settings import ApiSettings
from api.skills.models import Skill, UserSkill


def _verified_ids(db: Db, engine: Engine, settings: ApiSettings, wallets: list[str]) -> list[int]:
    if not wallets:
        return []
    names = {a.skill.lower() for a in attestations.list_skills(db, engine, settings, wallets)}
    if not names:
        return []
    rows = db.execute(select(Skill.id, Skill.slug, Skill.name)).all()
    return sorted(i for i, slug, name in rows if slug.lower() in names or name.lower() in names)


def _reputation(db: Db, engine: Engine, redis: Redis, settings: ApiSettings, wallets: list[str]) -> tuple[float, int]:
    best, completed = 0.0, 0
    for address in wallets:
        out = reputation.reputation(db, engine, redis, settings, address)
        best = max(best, float(out.score))
        completed = max(completed, int(out.parts["completed_escrows"]["count"]))  # type: ignore[index]
    return best, completed


def freelancer_text(bio: str, skill_names: list[str]) -> str:
    return " ".join([bio.strip(), *skill_names]).strip()


def refresh_freelancer(db: Db, engine: Engine, redis: Redis, settings: ApiSettings, user_id: uuid.UUID,
                       *, embed: bool | None = None) -> MatchFreelancer | None:
    """Write (or delete, for someone who is not a freelancer) the user's feature row; commits."""
    profile = db.get(Profile, user_id)
    if profile is None or not profile.is_freelancer:
        db.execute(delete(MatchFreelancer).where(MatchFreelancer.user_id == user_id))
        db.commit()
        return None
    skills = db.execute(select(UserSkill.skill_id, UserSkill.level, Skill.name).join(Skill, Skill.id == UserSkill.skill_id)
                        .where(UserSkill.user_id == user_id).order_by(Skill.name)).all()
    wallets = list(db.scalars(select(Wallet.address).where(Wallet.user_id == user_id)))
    rep, completed = _reputation(db, engine, redis, settings, wallets)
    row = db.get(MatchFreelancer, user_id) or MatchFreelancer(user_id=user_id)
    row.skill_ids = sorted(s.skill_id for s in skills)
    row.skill_levels = {str(s.skill_id): int(s.level) for s in skills}
    row.verified_skill_ids = _verified_ids(db, engine, settings, wallets)
    row.reputation, row.completed = rep, completed
    row.tz_offset_minutes = tz_offset_minutes(profile.time_zone)
    row.availability, row.rates = profile.availability, list(profile.rates)
    row.profile_created_at = profile.created_at
    row.is_new = completed == 0 and profile.created_at > datetime.now(UTC) - timedelta(days=settings.matching_new_days)
    text = freelancer_text(profile.bio, [s.name for s in skills])
    if embed is None:
        embed = embeddings.available() and settings.matching_ranker != "lexical"
    if embed and (text != row.text or row.embedding is None):
        row.embedding = embeddings.pack(embeddings.encode([text or profile.display_name])[0])
        row.embedding_model = embeddings.MODEL_NAME
    row.text = text
    row.updated_at = datetime.now(UTC)
    db.add(row)
    db.flush()
    if embed:
        _write_pgvector(db, [(user_id, row.embedding)])
    db.commit()
    return row


def _write_pgvector(db: Db, rows: list[tuple[uuid.UUID, bytes | None]]) -> None:
    """Mirror the portable vectors into pgvector's column, where the migration could add it."""
    from sqlalchemy import text as sql

    from api.matching.rankers import has_pgvector

    if not rows or not has_pgvector(db):
        return
    for user_id, raw in rows:
        vector = embeddings.unpack(raw)
        literal = None if vector is None else "[" + ",".join(f"{x:.7f}" for x in vector.tolist()) + "]"
        db.execute(sql("UPDATE match_freelancers SET embedding_vec = CAST(:v AS vector) WHERE user_id = :u"),
                   {"v": literal, "u": user_id})


def project_text(title: str, description: str) -> str:
    return f"{title}. {description}"


def refresh_project(db: Db, settings: ApiSettings, project_id: uuid.UUID, *, embed: bool | None = None) -> None:
    """The project's embedding (lexical features come from the projects table itself); commits."""
    project = db.get(Project, project_id)
    if project is None:
        return
    row = db.get(MatchProject, project_id) or MatchProject(project_id=project_id)
    if embed is None:
        embed = embeddings.available() and settings.matching_ranker != "lexical"
    if embed:
        row.embedding = embeddings.pack(embeddings.encode([project_text(project.title, project.description)])[0])
        row.embedding_model = embeddings.MODEL_NAME
    row.updated_at = datetime.now(UTC)
    db.add(row)
    db.commit()


def embed_pending(db: Db, batch: int = 256) -> int:
    """Embed, in batches, every freelancer and open project without a vector of the current model; commits
    per batch. Returns how many were embedded."""
    from sqlalchemy import or_

    done = 0
    while True:
        rows = list(db.scalars(select(MatchFreelancer).where(or_(
            MatchFreelancer.embedding.is_(None), MatchFreelancer.embedding_model != embeddings.MODEL_NAME)).limit(batch)))
        if not rows:
            break
        vectors = embeddings.encode([r.text or "freelancer" for r in rows])
        for r, v in zip(rows, vectors, strict=True):
            r.embedding, r.embedding_model = embeddings.pack(v), embeddings.MODEL_NAME
        db.flush()
        _write_pgvector(db, [(r.user_id, r.embedding) for r in rows])
        db.commit()
        done += len(rows)
    while True:
        projects = db.execute(select(Project.id, Project.title, Project.description)
                              .outerjoin(MatchProject, MatchProject.project_id == Project.id)
                              .where(Project.state == "open", or_(MatchProject.embedding.is_(None),
                                                                  MatchProject.embedding_model != embeddings.MODEL_NAME))
                              .limit(batch)).all()
        if not projects:
            break
        vectors = embeddings.encode([project_text(p.title, p.description) for p in projects])
        for p, v in zip(projects, vectors, strict=True):
            db.merge(MatchProject(project_id=p.id, embedding=embeddings.pack(v), embedding_model=embeddings.MODEL_NAME,
                                  updated_at=datetime.now(UTC)))
        db.commit()
        done += len(projects)
    return done


def backfill(db: Db, engine: Engine, redis: Redis, settings: ApiSettings,
             progress: Callable[[int, int], None] | None = None, *, embed: bool | None = None) -> int:
    """Recompute every freelancer's features, then embed what needs it (when the model is installed).
    ``progress(done, total)`` is called as it goes. Returns the number of freelancers refreshed."""
    freelancer_ids = list(db.scalars(select(Profile.user_id).where(Profile.is_freelancer).order_by(Profile.user_id)))
    stale = list(db.scalars(select(MatchFreelancer.user_id).where(MatchFreelancer.user_id.not_in(freelancer_ids))))
    if stale:
        db.execute(delete(MatchFreelancer).where(MatchFreelancer.user_id.in_(stale)))
        db.commit()
    if embed is None:
        embed = embeddings.available() and settings.matching_ranker != "lexical"
    total = len(freelancer_ids) + (1 if embed else 0)
    for i, user_id in enumerate(freelancer_ids, 1):
        refresh_freelancer(db, engine, redis, settings, user_id, embed=False)
        if progress is not None and (i % 50 == 0 or i == len(freelancer_ids)):
            progress(i, total)
    if embed:
        embed_pending(db)
        if progress is not None:
            progress(total, total)
    return len(freelancer_ids)
