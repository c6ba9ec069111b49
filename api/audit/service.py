"""Write and read audit events. Writes are INSERT only; the table refuses UPDATE/DELETE/TRUNCATE."""

from __future__ import annotations

import uuid
from typing import Any

import structlog
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from api.audit.models import AuditEvent
from api.kit.client import ClientContext

log = structlog.get_logger(__name__)

# Actions written by the identity and privacy domains.
ACTIONS = (
    "auth.login", "auth.mfa", "auth.refresh_reuse", "auth.logout", "session.revoke", "session.revoke_others",
    "wallet.link", "wallet.unlink", "totp.setup", "totp.enable", "totp.disable", "totp.backup_codes",
    "apikey.create", "apikey.revoke", "privacy.export", "privacy.delete_request", "privacy.delete_cancel",
    "privacy.delete_done", "privacy.consent", "auth.step_up", "auth.login_failures", "attestation.review", "attestation.skill", "attestation.revoke",
)


def _context(client: ClientContext | None) -> dict[str, Any]:
    client = client or ClientContext()
    return {"ip": client.ip, "user_agent": client.user_agent, "request_id": client.request_id}


def event(
    client: ClientContext | None,
    action: str,
    *,
    result: str = "success",
    actor_user_id: uuid.UUID | None = None,
    actor: str | None = None,
    target: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    return AuditEvent(
        actor_user_id=actor_user_id,
        actor=actor or (f"user:{actor_user_id}" if actor_user_id else "anonymous"),
        action=action, target=target, result=result, details=details or {}, **_context(client),
    )


def record(db: Session, client: ClientContext | None, action: str, **kwargs: Any) -> None:
    """Add an event to the caller's transaction (it commits with the change it describes)."""
    db.add(event(client, action, **kwargs))


def record_now(engine: Engine, client: ClientContext | None, action: str, **kwargs: Any) -> None:
    """Write an event in its own transaction (failures, whose main transaction is rolled back)."""
    try:
        with Session(engine) as db:
            db.add(event(client, action, **kwargs))
            db.commit()
    except Exception:  # an audit write must not turn a 401 into a 500; it is logged loudly instead
        log.exception("audit write failed", action=action)


def list_events(db: Session, *, user_id: uuid.UUID | None, action: str | None, before: int | None,
                limit: int) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if user_id is not None:
        query = query.where(AuditEvent.actor_user_id == user_id)
    if action:
        query = query.where(AuditEvent.action == action)
    if before is not None:
        query = query.where(AuditEvent.id < before)
    return list(db.scalars(query))
