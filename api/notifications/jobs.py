"""rq jobs of the notifications domain. Arguments are delivery ids only (never addresses)."""

from __future__ import annotations

from api.kit.queue import job_engine, job_settings
from api.notifications import email


def send_email(delivery_id: int) -> str:
    """One attempt at one notification email; raises to be retried by rq (see ``email.deliver``)."""
    return email.deliver(job_engine(), job_settings(), int(delivery_id))
