"""rq jobs of the sustainability domain. Arguments are ids only."""

from __future__ import annotations

import uuid

from api.kit.queue import job_engine, job_settings
from api.sustainability import onchain


def process_offset(offset_id: str) -> str:
    """Buy (provider) and/or record (Treasury.recordOffset) offset ``offset_id``; safe to run any number of times."""
    return onchain.process_offset(job_engine(), job_settings(), uuid.UUID(offset_id))
