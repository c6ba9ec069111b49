"""Second factor: the MFA-pending token of a two-step sign-in, TOTP set-up and verification (each time
step accepted once), backup codes, and the lock after repeated wrong codes."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session as Db

from api.audit import service as audit
from api.identity import crypto, totp
from api.identity.env import IdentityEnv
from api.identity.models import BackupCode, TotpSecret
from api.identity.tokens import TokenError
from api.kit.problems import Problem

BACKUP_CODE_COUNT = 10


def _now() -> datetime:
    return datetime.now(UTC)


# --- MFA ------------------------------------------------------------------------------------------

def mfa_pending_token(env: IdentityEnv, user_id: uuid.UUID, wallet: str, chain_id: int) -> tuple[str, int]:
    ttl = env.settings.mfa_pending_ttl_seconds
    token, _ = env.signer.issue_mfa_pending(str(user_id), wallet, chain_id, ttl)
    return token, ttl


def read_mfa_pending(env: IdentityEnv, token: str) -> dict:
    try:
        return env.signer.verify_mfa_pending(token)
    except TokenError as exc:
        raise Problem(401, f"MFA token rejected: {exc}; sign in again", type_="invalid-mfa-token") from None


def _spent_key(env: IdentityEnv, claims: dict) -> str:
    return f"{env.settings.redis_key_prefix}mfa:spent:{claims['jti']}"


def ensure_mfa_pending_unspent(env: IdentityEnv, claims: dict) -> None:
    if env.redis.exists(_spent_key(env, claims)):
        raise Problem(401, "MFA token was already used; sign in again", type_="invalid-mfa-token")


def spend_mfa_pending(env: IdentityEnv, claims: dict) -> None:
    """An MFA-pending token yields one session: mark its jti used (until it would expire anyway)."""
    key = _spent_key(env, claims)
    ttl = max(int(claims["exp"]) - int(_now().timestamp()), 1) + 10
    if not env.redis.set(key, b"1", nx=True, ex=ttl):
        raise Problem(401, "MFA token was already used; sign in again", type_="invalid-mfa-token")


def _aad(user_id: uuid.UUID) -> bytes:
    return f"lancer:totp:{user_id}".encode()


def _decrypt_secret(env: IdentityEnv, row: TotpSecret) -> str:
    return env.keyring.decrypt(row.key_id, row.secret_ciphertext, _aad(row.user_id)).decode()


def _locked(seconds: int) -> Problem:
    return Problem(429, f"too many wrong codes; 2FA is locked for {max(seconds, 1)} s", type_="mfa-locked",
                   headers={"Retry-After": str(max(seconds, 1))})


def _claim_attempt(env: IdentityEnv, user_id: uuid.UUID) -> int:
    """Count this attempt *before* checking it (one atomic INCR): parallel guesses each get their own
    number, so at most ``MFA_MAX_FAILURES`` of them are ever checked per lock window. The count is the
    number of attempts since the last success; a success clears it."""
    settings = env.settings
    count = env.limiter.count_failure("mfa-fail", str(user_id), settings.mfa_lock_seconds)
    if count > settings.mfa_max_failures:
        _, ttl = env.limiter.failures("mfa-fail", str(user_id))
        raise _locked(ttl or settings.mfa_lock_seconds)
    return count


def _fail(env: IdentityEnv, user_id: uuid.UUID, action: str, detail: str, attempt: int) -> Problem:
    settings = env.settings
    audit.record_now(env.engine, env.client, action, result="failure", actor_user_id=user_id,
                     details={"reason": detail, "failures": attempt})
    left = settings.mfa_max_failures - attempt
    if left <= 0:
        return _locked(settings.mfa_lock_seconds)
    return Problem(401, f"{detail}; {left} attempt(s) left before a lock", type_="mfa-invalid-code")


def verify_second_factor(env: IdentityEnv, db: Db, user_id: uuid.UUID, code: str | None, backup_code: str | None,
                         action: str, require_enabled: bool = True) -> str:
    """Accept a TOTP code (each time step once, +-1 step) or an unused backup code; 'totp' or 'backup'."""
    row = db.get(TotpSecret, user_id)
    if row is None or (require_enabled and row.enabled_at is None):
        raise Problem(409, "two-factor authentication is not enabled", type_="mfa-not-enabled")
    attempt = _claim_attempt(env, user_id)
    if code is not None:
        step = totp.match_step(_decrypt_secret(env, row), code)
        if step is None:
            raise _fail(env, user_id, action, "code is wrong or outside the time window", attempt)
        # Atomic: only one request can move last_used_step past this step.
        accepted = db.execute(update(TotpSecret).where(
            TotpSecret.user_id == user_id,
            (TotpSecret.last_used_step.is_(None)) | (TotpSecret.last_used_step < step),
        ).values(last_used_step=step)).rowcount
        if not accepted:
            raise _fail(env, user_id, action, "code was already used; wait for the next one", attempt)
        env.limiter.clear("mfa-fail", str(user_id))
        return "totp"
    assert backup_code is not None
    normalized = totp.normalize_backup_code(backup_code)
    candidates = list(db.scalars(select(BackupCode).where(BackupCode.user_id == user_id,
                                                          BackupCode.used_at.is_(None))))
    match = None
    for candidate in candidates:  # hash against every candidate: timing does not tell which matched
        if crypto.equal(crypto.slow_hash(normalized, candidate.salt), candidate.code_hash) and normalized:
            match = candidate
    if match is None or not db.execute(update(BackupCode).where(
            BackupCode.id == match.id, BackupCode.used_at.is_(None)).values(used_at=_now())).rowcount:
        raise _fail(env, user_id, action, "backup code is wrong or already used", attempt)
    env.limiter.clear("mfa-fail", str(user_id))
    return "backup"


def setup_totp(env: IdentityEnv, db: Db, user_id: uuid.UUID, account: str) -> dict:
    settings = env.settings
    row = db.get(TotpSecret, user_id)
    if row is not None and row.enabled_at is not None:
        raise Problem(409, "two-factor authentication is already enabled; disable it first", type_="mfa-enabled")
    secret = totp.new_secret()
    kid, blob = env.keyring.encrypt(secret.encode(), _aad(user_id))
    if row is None:
        db.add(TotpSecret(user_id=user_id, key_id=kid, secret_ciphertext=blob))
    else:
        row.key_id, row.secret_ciphertext, row.created_at, row.last_used_step = kid, blob, _now(), None
    uri = totp.provisioning_uri(secret, account, settings.totp_issuer)
    return {"secret": secret, "otpauth_uri": uri, "qr_png": totp.qr_png_data_url(uri)}


def new_backup_codes(db: Db, user_id: uuid.UUID) -> list[str]:
    db.execute(BackupCode.__table__.delete().where(BackupCode.user_id == user_id))
    codes = [totp.new_backup_code() for _ in range(BACKUP_CODE_COUNT)]
    for code in codes:
        salt = os.urandom(16)
        db.add(BackupCode(user_id=user_id, salt=salt, code_hash=crypto.slow_hash(code, salt)))
    return codes


def enable_totp(env: IdentityEnv, db: Db, user_id: uuid.UUID, code: str) -> list[str]:
    row = db.get(TotpSecret, user_id)
    if row is None:
        raise Problem(409, "start with POST /v1/me/2fa/setup", type_="mfa-not-set-up")
    if row.enabled_at is not None:
        raise Problem(409, "two-factor authentication is already enabled", type_="mfa-enabled")
    verify_second_factor(env, db, user_id, code, None, "totp.enable", require_enabled=False)
    row.enabled_at = _now()
    return new_backup_codes(db, user_id)


def disable_totp(db: Db, user_id: uuid.UUID) -> None:
    db.execute(BackupCode.__table__.delete().where(BackupCode.user_id == user_id))
    db.execute(TotpSecret.__table__.delete().where(TotpSecret.user_id == user_id))


def totp_status(db: Db, user_id: uuid.UUID) -> dict:
    row = db.get(TotpSecret, user_id)
    remaining = db.scalar(select(func.count()).select_from(BackupCode).where(
        BackupCode.user_id == user_id, BackupCode.used_at.is_(None))) or 0
    return {"enabled": bool(row and row.enabled_at), "pending_setup": bool(row and not row.enabled_at),
            "backup_codes_remaining": int(remaining)}
