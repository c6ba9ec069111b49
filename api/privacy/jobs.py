"""rq jobs of the privacy domain. Arguments are ids only."""

from __future__ import annotations

import uuid

from api.kit.queue import job_engine, job_settings
from api.privacy import service


def build_export(export_id: str) -> None:
    service.run_export(job_engine(), uuid.UUID(export_id), job_settings().export_ttl_seconds)


def process_deletion(request_id: str) -> bool:
    return service.erase_user(job_engine(), uuid.UUID(request_id))


def process_due_deletions() -> int:
    """Sweep: erase every account whose grace period is over (run periodically, e.g. by cron)."""
    engine = job_engine()
    return sum(service.erase_user(engine, rid) for rid in service.due_deletions(engine))
