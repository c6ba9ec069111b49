"""rq jobs of matching. Arguments are ids only; each job builds its own session."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from redis import Redis
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from api.kit.queue import job_engine, job_settings
from api.matching import refresh, service, store
from api.matching.models import MatchRun
from api.settings import ApiSettings


def _redis() -> Redis:
    return Redis.from_url(job_settings().redis_url_or_default)


def recompute_freelancer(user_id: str) -> None:
    settings, redis = job_settings(), _redis()
    service.clear_pending(settings, redis, "freelancer", uuid.UUID(user_id))  # a change from now on enqueues again
    with Session(job_engine()) as db:
        refresh.refresh_freelancer(db, job_engine(), redis, settings, uuid.UUID(user_id))


def recompute_project(project_id: str) -> None:
    settings, redis = job_settings(), _redis()
    service.clear_pending(settings, redis, "project", uuid.UUID(project_id))
    with Session(job_engine()) as db:
        refresh.refresh_project(db, settings, uuid.UUID(project_id))


def recompute_all(run_id: str) -> str:
    """Every freelancer's features, then the missing embeddings; progress in ``match_runs``."""
    settings, redis, engine = job_settings(), _redis(), job_engine()
    with Session(engine) as db:
        run = db.get(MatchRun, uuid.UUID(run_id))
        if run is None:
            return "missing"
        run.status, run.started_at = "running", datetime.now(UTC)
        db.commit()

        def progress(done: int, total: int) -> None:
            run.done, run.total = done, total
            db.commit()

        try:
            refresh.backfill(db, engine, redis, settings, progress)
        except Exception:
            db.rollback()
            run.status, run.error, run.finished_at = "failed", "recompute failed; see the worker's log", datetime.now(UTC)
            db.commit()
            raise
        run.status, run.finished_at = "done", datetime.now(UTC)
        run.done = run.total
        db.commit()
        return run.status


def prune_deletions(engine: Engine, redis: Redis, settings: ApiSettings) -> int:
    """Scheduler sweep: the feature store's deletions log keeps ``store.DELETIONS_KEEP_HOURS`` only."""
    with Session(engine) as db:
        return store.prune_deletions(db)


# Picked up by ``lancer scheduler`` (api.scheduler.HOOK_MODULES): hourly is plenty for a day's retention.
SCHEDULE = (("matching_deletions_prune", prune_deletions, 3600),)
