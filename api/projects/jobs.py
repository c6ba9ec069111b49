"""Scheduled sweeps of projects (picked up by ``lancer scheduler`` through ``api.scheduler.HOOK_MODULES``)."""

from __future__ import annotations

from redis import Redis
from sqlalchemy import Engine

from api.kit import changefeed
from api.settings import ApiSettings


def prune_deletions(engine: Engine, redis: Redis, settings: ApiSettings) -> int:
    """The search index's deletions log keeps ``changefeed.DELETIONS_KEEP_HOURS``: an index that has not
    synced for half that long loads everything again (``api.projects.search_index``)."""
    with engine.begin() as conn:
        return changefeed.prune(conn, "project_deletions")


# Hourly is plenty for a day's retention.
SCHEDULE = (("project_deletions_prune", prune_deletions, 3600),)
