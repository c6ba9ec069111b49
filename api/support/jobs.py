"""rq jobs of the support domain (entry points, enqueued by name). Arguments are ticket ids only."""

from __future__ import annotations

import uuid

from api.kit.queue import job_engine, job_settings
from api.support import escalation


def escalate_to_provider(ticket_id: str) -> str:
    """One attempt at handing a chatbot question to the provider's agents (see ``escalation.deliver``)."""
    return escalation.deliver(job_engine(), job_settings(), uuid.UUID(ticket_id))
