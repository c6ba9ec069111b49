"""rq jobs of skill verification. Arguments are ids only."""

from __future__ import annotations

import uuid

from redis import Redis
from sqlalchemy.orm import Session

from api.kit.queue import job_engine, job_settings
from api.verification import service


def grade_challenge(verification_id: str) -> str:
    """Run a submitted code challenge in the sandbox and record the outcome; safe to run twice."""
    settings = job_settings()
    with Session(job_engine(), expire_on_commit=False) as db:
        return service.grade_challenge(db, Redis.from_url(settings.redis_url_or_default), settings,
                                       uuid.UUID(verification_id))
