"""Write and read audit events. Writes are INSERT only; the table refuses UPDATE/DELETE/TRUNCATE."""

from __future__ import annotations

import uuid
from typing import Any

import structlog
from datetime import datetime

from sqlalchemy import Engine, String, func, literal, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
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


# Never stored in audit details, whatever a caller passes: credentials and proofs (a field named one of
# these words, or ending in "_<word>" such as refresh_token or totp_code, at any depth, becomes MASK).
SENSITIVE_FIELDS = ("token", "secret", "password", "passphrase", "code", "signature", "private_key",
                    "api_key", "otp", "mnemonic", "cookie", "authorization")
MASK = "[masked]"


def _sensitive(name: str) -> bool:
    return any(name == word or name.endswith("_" + word) for word in SENSITIVE_FIELDS)


def mask(details: Any) -> Any:
    if isinstance(details, dict):
        return {k: MASK if _sensitive(str(k).lower()) else mask(v) for k, v in details.items()}
    if isinstance(details, list):
        return [mask(v) for v in details]
    return details


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
        action=action, target=target, result=result, details=mask(details or {}), **_context(client),
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


# Detail fields that hold a wallet address or network identity; blanked by pseudonymisation.
_PERSONAL_DETAILS = ("address", "wallet", "wallet_address", "ip", "user_agent", "reviewer", "recipient")
_ADDRESS = r"0x[0-9a-fA-F]{40}"


def pseudonymise(db: Session, *, user_id: uuid.UUID | None = None, older_than: datetime | None = None) -> int:
    """Blank IP, user agent and wallet addresses of audit rows (one user's, or all older than a date),
    through the trigger's privileged path. Part of the caller's transaction. Returns the rows changed."""
    conditions = [AuditEvent.pseudonymised_at.is_(None)]
    if user_id is not None:
        conditions.append(AuditEvent.actor_user_id == user_id)
    if older_than is not None:
        conditions.append(AuditEvent.occurred_at < older_than)
    db.execute(text("SET LOCAL lancer.audit_pseudonymise = 'on'"))
    result = db.execute(
        update(AuditEvent).where(*conditions).values(
            ip=None, user_agent=None, pseudonymised_at=func.now(),
            target=func.regexp_replace(AuditEvent.target, _ADDRESS, "0x[erased]", "g"),
            details=AuditEvent.details.op("-")(literal(list(_PERSONAL_DETAILS), ARRAY(String))),
        ).execution_options(synchronize_session=False))
    db.execute(text("SET LOCAL lancer.audit_pseudonymise = 'off'"))
    return int(result.rowcount or 0)


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
