"""Security side effects of identity changes: step-up (a fresh proof for a live session), revoking
sessions when sign-in methods change, security notifications, and aggregated anonymous sign-in failures.

Proof methods are RFC 8176 ``amr`` values: ``swk`` (a wallet's signature: proof of a key), ``otp`` (a
TOTP or backup code), ``mfa`` (both).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session as Db

from api.audit import service as audit
from api.identity.env import IdentityEnv
from api.identity.models import Session
from api.kit import outbox
from api.kit.problems import Problem

WALLET_PROOF = "swk"
CODE_PROOF = "otp"


def _now() -> datetime:
    return datetime.now(UTC)


def notify(db: Db, user_id: uuid.UUID, kind: str, **details: Any) -> None:
    """A security notice for the account holder ("a wallet was linked", "2FA disabled", ...), as an
    outbox event (``security.<kind>``) in the caller's transaction; delivery reads the outbox."""
    outbox.record(db, f"security.{kind}", f"user:{user_id}", dict(details), audience=[user_id])


def step_up(db: Db, session_id: uuid.UUID, proof: str) -> Session:
    """Record a fresh proof on the session: ``auth_time`` now, ``proof`` added to its ``amr``."""
    session = db.get(Session, session_id, with_for_update=True)
    if session is None or session.revoked_at is not None:
        raise Problem(401, "session is no longer active; sign in again", type_="session-revoked")
    proofs = set(session.amr or []) | {proof}
    if {WALLET_PROOF, CODE_PROOF} <= proofs:
        proofs.add("mfa")
    session.amr = sorted(proofs)
    session.auth_time = _now()
    if proof == CODE_PROOF:
        session.mfa = True
    return session


def revoke_other_sessions(db: Db, user_id: uuid.UUID, keep: uuid.UUID | None, reason: str,
                          wallet: str | None = None) -> int:
    """Revoke the user's live sessions except ``keep`` (only those signed in with ``wallet`` if given)."""
    query = update(Session).where(Session.user_id == user_id, Session.revoked_at.is_(None))
    if keep is not None:
        query = query.where(Session.id != keep)
    if wallet is not None:
        query = query.where(Session.wallet_address == wallet)
    return int(db.execute(query.values(revoked_at=_now(), revoked_reason=reason)).rowcount)


def record_login_failure(env: IdentityEnv, reason: str) -> None:
    """Anonymous failed sign-ins are counted per client IP and window in Redis; only the first of each
    window writes an audit row (the append-only audit table must not grow with every attempt)."""
    window = env.settings.auth_failure_audit_window_seconds
    ip = env.client.ip or "unknown"
    try:
        count = env.limiter.count_failure("auth-fail", ip, window)
    except Exception:  # Redis down: fall through to one row, rather than losing the fact
        count = 1
    if count == 1:
        audit.record_now(env.engine, env.client, "auth.login_failures", result="failure",
                         details={"reason": reason, "window_seconds": window,
                                  "note": "first failure of this window; later ones are counted, not logged"})
