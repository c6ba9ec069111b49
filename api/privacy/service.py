"""GDPR requests: JSON export of everything we hold about a user, and erasure after a grace period.

Erasure deletes wallets, sessions, tokens, 2FA material, API keys (and usage) and exports, and keeps
the ``users`` row as an anonymous tombstone (id + timestamps) so that the audit log, which must stay,
keeps a stable pseudonymous actor. On-chain data cannot be erased by anyone.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session as Db

from api.attestations import service as attestations
from api.audit import service as audit
from api.audit.models import AuditEvent
from api.identity.models import ApiKey, ApiKeyUsage, BackupCode, RefreshToken, Session, TotpSecret, User, Wallet
from api.integrations.models import Integration
from api.notifications import service as notifications
from api.kit.client import ClientContext
from api.privacy.models import Consent, DataExport, DeletionRequest
from api.reputation.models import ReputationEvent, ReputationScore
from api.verification.models import SkillVerification

RETAINED = [
    "audit log entries about your account (security and legal record; they refer to a pseudonymous id)",
    "data on public blockchains (transactions, escrows, attestations made with your wallets): "
    "nobody can erase it; Lancer's index of it is public chain data",
]
ERASED = ["wallets linked to the account", "sessions and refresh tokens", "2FA secret and backup codes",
          "API keys and their usage", "data exports",
          "IP addresses, user agents and wallet addresses in the audit log entries about you",
          "review texts you wrote, evidence of skills verified by you or for you (their hashes stay signed)"]


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _rows(rows: Any, columns: list[str]) -> list[dict[str, Any]]:
    return [{c: _iso(getattr(r, c)) for c in columns} for r in rows]


def build_archive(db: Db, user_id: uuid.UUID) -> dict[str, Any]:
    user = db.get(User, user_id)
    assert user is not None
    totp = db.get(TotpSecret, user_id)
    return {
        "format": "lancer-export/1",
        "generated_at": _now().isoformat(),
        "user": {"id": str(user.id), "created_at": user.created_at.isoformat()},
        "wallets": _rows(db.scalars(select(Wallet).where(Wallet.user_id == user_id)),
                         ["address", "chain_id", "linked_at", "last_login_at"]),
        "sessions": _rows(db.scalars(select(Session).where(Session.user_id == user_id)),
                          ["id", "user_agent", "ip", "wallet_address", "mfa", "created_at", "last_seen_at",
                           "expires_at", "revoked_at", "revoked_reason"]),
        "two_factor": {"enabled": bool(totp and totp.enabled_at),
                       "enabled_at": _iso(totp.enabled_at) if totp else None,
                       "note": "the TOTP secret and backup codes are not exported (secrets)"},
        "api_keys": _rows(db.scalars(select(ApiKey).where(ApiKey.user_id == user_id)),
                          ["id", "name", "prefix", "scopes", "created_at", "expires_at", "revoked_at",
                           "last_used_at"]),
        "api_key_usage": [{"api_key_id": str(u.api_key_id), "day": u.day.isoformat(), "requests": u.requests}
                          for u in db.scalars(select(ApiKeyUsage).join(ApiKey).where(ApiKey.user_id == user_id))],
        "consents": _rows(consents(db, user_id), ["document", "version", "accepted_at", "ip", "user_agent"]),
        "audit_events": _rows(db.scalars(select(AuditEvent).where(AuditEvent.actor_user_id == user_id)
                                         .order_by(AuditEvent.id)),
                              ["id", "occurred_at", "actor", "action", "target", "result", "ip", "user_agent",
                               "request_id", "details"]),
    }


def run_export(engine: Engine, export_id: uuid.UUID, ttl_seconds: int) -> None:
    with Db(engine) as db:
        export = db.get(DataExport, export_id, with_for_update=True)
        if export is None or export.status != "pending":
            return
        try:
            archive = build_archive(db, export.user_id)
            export.archive = json.dumps(archive, indent=1).encode()
            export.status = "ready"
        except Exception:
            export.status = "failed"
            raise
        finally:
            export.completed_at = _now()
            export.expires_at = _now() + timedelta(seconds=ttl_seconds)
            db.commit()


def pending_deletion(db: Db, user_id: uuid.UUID) -> DeletionRequest | None:
    return db.scalar(select(DeletionRequest).where(DeletionRequest.user_id == user_id,
                                                   DeletionRequest.status == "scheduled"))


def erase_user(engine: Engine, request_id: uuid.UUID, now: datetime | None = None) -> bool:
    """Carry out a due, still-scheduled deletion request. True when the account was erased."""
    now = now or _now()
    with Db(engine) as db:
        req = db.get(DeletionRequest, request_id, with_for_update=True)
        if req is None or req.status != "scheduled" or req.scheduled_for > now:
            return False
        user_id = req.user_id
        wallets = list(db.scalars(select(Wallet.address).where(Wallet.user_id == user_id)))
        session_ids = select(Session.id).where(Session.user_id == user_id).scalar_subquery()
        db.execute(delete(RefreshToken).where(RefreshToken.session_id.in_(session_ids)))
        db.execute(delete(Session).where(Session.user_id == user_id))
        db.execute(delete(Wallet).where(Wallet.user_id == user_id))
        db.execute(delete(BackupCode).where(BackupCode.user_id == user_id))
        db.execute(delete(TotpSecret).where(TotpSecret.user_id == user_id))
        db.execute(delete(ApiKey).where(ApiKey.user_id == user_id))
        # The user's own integrations (webhook URLs are personal data, and nothing should be sent on).
        db.execute(delete(Integration).where(Integration.owner_user_id == user_id))
        db.execute(delete(DataExport).where(DataExport.user_id == user_id))
        notifications.erase_personal_data(db, user_id)
        # Skill verification attempts (notes, GitHub account, links) and the reputation derived for the
        # user's wallets: personal, and no longer refreshed once the wallets are gone.
        db.execute(delete(SkillVerification).where(SkillVerification.user_id == user_id))
        db.execute(delete(ReputationEvent).where(ReputationEvent.user_id == user_id))
        db.execute(delete(ReputationScore).where(ReputationScore.user_id == user_id))
        db.execute(update(User).where(User.id == user_id).values(deleted_at=now))
        audit.pseudonymise(db, user_id=user_id)
        attestations.redact_personal_data(db, user_id, wallets)
        req.status, req.completed_at = "done", now
        audit.record(db, None, "privacy.delete_done", actor="system", actor_user_id=user_id,
                     target=f"user:{user_id}", details={"deletion_request": str(request_id)})
        db.commit()
    return True


def due_deletions(engine: Engine, now: datetime | None = None) -> list[uuid.UUID]:
    with Db(engine) as db:
        return list(db.scalars(select(DeletionRequest.id).where(DeletionRequest.status == "scheduled",
                                                                DeletionRequest.scheduled_for <= (now or _now()))))


def purge_expired_exports(engine: Engine, now: datetime | None = None) -> int:
    """Delete export archives past their expiry (the download link says so once it is gone)."""
    with Db(engine) as db:
        result = db.execute(delete(DataExport).where(DataExport.expires_at.is_not(None),
                                                     DataExport.expires_at <= (now or _now())))
        db.commit()
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


def audit_retention(engine: Engine, retention_days: int, now: datetime | None = None) -> int:
    """Pseudonymise audit rows older than the retention period (the facts stay, the personal data goes)."""
    with Db(engine) as db:
        changed = audit.pseudonymise(db, older_than=(now or _now()) - timedelta(days=retention_days))
        db.commit()
        return changed


def record_consent(db: Db, user_id: uuid.UUID, document: str, version: str, client: ClientContext) -> Consent:
    row = Consent(user_id=user_id, document=document, version=version, accepted_at=_now(),
                  ip=client.ip or "", user_agent=client.user_agent or "")
    db.add(row)
    db.flush()
    return row


def consents(db: Db, user_id: uuid.UUID) -> list[Consent]:
    return list(db.scalars(select(Consent).where(Consent.user_id == user_id)
                           .order_by(Consent.accepted_at.desc(), Consent.id)))
