"""Chatbot escalations to the widget provider, run by the rq job ``api.support.jobs.escalate_to_provider``
(its argument: the ticket id only, never a question, URL or token).

A chatbot escalation to the widget provider is a Lancer ticket at once (``provider_status = 'pending'``);
this job makes one attempt at the provider's API per run. A failure that may pass (unreachable, 429, 5xx)
raises while attempts remain, so rq runs it again after SUPPORT_PROVIDER_RETRY_SECONDS (backoff); the last
attempt, or a refusal that will not pass, marks the ticket ``failed`` (agents still see it in Lancer's
queue). Success attaches the provider's id to the ticket and to the chatbot answer.
"""

from __future__ import annotations

import uuid

import structlog
from redis import Redis
from rq import Retry
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from api.kit.queue import get_queue
from api.settings import ApiSettings
from api.support import service, widget
from api.support.models import BotAnswer, Ticket, TicketMessage

log = structlog.get_logger(__name__)
ESCALATE_JOB = "api.support.jobs.escalate_to_provider"


class EscalationRetry(Exception):
    """Raised for rq to run the attempt again later; carries the failure kind only."""


def enqueue_escalation(redis: Redis, settings: ApiSettings, ticket_id: uuid.UUID) -> None:
    delays = settings.support_provider_retry_seconds or [0]
    attempts = settings.support_provider_max_attempts
    retry = Retry(max=attempts - 1, interval=delays) if attempts > 1 else None
    get_queue(settings, redis).enqueue(ESCALATE_JOB, str(ticket_id), retry=retry,
                                       job_timeout=int(settings.support_provider_timeout_seconds * 2) + 30)


def deliver(engine: Engine, settings: ApiSettings, ticket_id: uuid.UUID) -> str:
    """One attempt; returns the ticket's provider status, raises :class:`EscalationRetry` to be retried."""
    with Session(engine, expire_on_commit=False) as db:
        ticket = db.get(Ticket, ticket_id, with_for_update={"skip_locked": True})
        if ticket is None or ticket.provider_status != "pending":
            return "gone" if ticket is None else str(ticket.provider_status)  # done already (a duplicate job)
        first = db.scalar(select(TicketMessage.body).where(TicketMessage.ticket_id == ticket_id)
                          .order_by(TicketMessage.id).limit(1))
        ticket.provider_attempts += 1
        db.commit()  # the attempt counts even if this process dies while calling the provider
        try:
            ref = widget.escalate(settings, ticket.requester_id or uuid.UUID(int=0), ticket.subject,
                                  first or ticket.subject)
        except widget.ProviderFailed as exc:
            final = ticket.provider_attempts >= settings.support_provider_max_attempts or not exc.retryable
            ticket.provider_error = exc.kind
            if final:
                ticket.provider_status = "failed"
                service.ticket_event(db, ticket, "provider_failed")
            db.commit()
            log.warning("support escalation failed", ticket=str(ticket_id), provider=settings.support_widget,
                        error=exc.kind, attempt=ticket.provider_attempts, final=final)
            if not final:
                raise EscalationRetry(exc.kind) from None
            return "failed"
        ticket.provider_status, ticket.provider_ref, ticket.provider_error = "sent", ref, None
        db.execute(update(BotAnswer).where(BotAnswer.ticket_id == ticket_id).values(provider_ref=ref))
        service.ticket_event(db, ticket, "provider_sent")
        db.commit()
        return "sent"
