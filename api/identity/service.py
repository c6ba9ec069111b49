"""Identity business logic: SIWE login, sessions and refresh rotation, TOTP, backup codes, API keys."""

from __future__ import annotations

import os
import secrets
import string
import uuid
from datetime import UTC, date, datetime, timedelta

import structlog
from fastapi import Request
from redis import Redis
from sqlalchemy import Engine, and_, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as Db

from api.audit import service as audit
from api.auth import Principal, client_ip, user_agent
from api.identity import apikeys, crypto, totp
from api.identity.models import ApiKey, ApiKeyUsage, BackupCode, RefreshToken, Session, TotpSecret, User, Wallet
from api.identity.siwe_verify import SiweError, check_fields, check_signature, parse_message, parse_signature
from api.identity.tokens import TokenError, TokenSigner, new_refresh_token
from api.problems import Problem
from api.settings import ApiSettings

log = structlog.get_logger(__name__)
_NONCE_ALPHABET = string.ascii_letters + string.digits
BACKUP_CODE_COUNT = 10


def _now() -> datetime:
    return datetime.now(UTC)


# --- SIWE -----------------------------------------------------------------------------------------

def _nonce_key(settings: ApiSettings, nonce: str) -> str:
    return f"{settings.redis_key_prefix}siwe:nonce:{nonce}"


def issue_nonce(redis: Redis, settings: ApiSettings) -> str:
    nonce = "".join(secrets.choice(_NONCE_ALPHABET) for _ in range(24))  # ~143 bits
    redis.set(_nonce_key(settings, nonce), b"1", ex=settings.siwe_nonce_ttl_seconds, nx=True)
    return nonce


def consume_nonce(redis: Redis, settings: ApiSettings, nonce: str) -> bool:
    return redis.getdel(_nonce_key(settings, nonce)) is not None


def verify_siwe(request: Request, message_text: str, signature_hex: str) -> tuple[str, int, str]:
    """Check a SIWE message and signature; (address, chain_id, method). Raises SiweError."""
    state = request.app.state
    settings: ApiSettings = state.settings
    signature = parse_signature(signature_hex)
    message = parse_message(message_text)
    # The nonce is spent now, before any other check: one attempt per nonce, success or not.
    if not consume_nonce(state.redis, settings, message.nonce):
        raise SiweError("siwe-nonce", "nonce is unknown, expired or already used; get a new one from /v1/auth/nonce")
    check_fields(message, domain=settings.siwe_domain, uri=settings.siwe_uri, registry=state.registry,
                 skew=settings.siwe_clock_skew_seconds, max_age=settings.siwe_max_age_seconds)
    chain = state.registry.by_id(int(message.chain_id))
    method = check_signature(message_text, message, signature, rpc_urls=chain.rpc_url_strings,
                             timeout=settings.siwe_rpc_timeout_seconds)
    return message.address, int(message.chain_id), method


def siwe_problem(exc: SiweError) -> Problem:
    return Problem(exc.status, exc.detail, type_=exc.type_)


# --- users, admin ---------------------------------------------------------------------------------

def user_is_admin(engine: Engine, settings: ApiSettings, user_id: uuid.UUID | None) -> bool:
    if user_id is None or not settings.admin_addresses:
        return False
    with Db(engine) as db:
        return db.scalar(select(func.count()).select_from(Wallet).where(
            Wallet.user_id == user_id, Wallet.address.in_(settings.admin_addresses))) > 0


def _scopes_for(db: Db, settings: ApiSettings, user_id: uuid.UUID) -> list[str]:
    addresses = set(db.scalars(select(Wallet.address).where(Wallet.user_id == user_id)))
    return ["user", "admin"] if addresses & set(settings.admin_addresses) else ["user"]


def find_or_create_user(db: Db, address: str, chain_id: int) -> tuple[User, bool]:
    wallet = db.scalar(select(Wallet).where(Wallet.address == address))
    if wallet is not None:
        wallet.last_login_at = _now()
        return db.get(User, wallet.user_id), False  # type: ignore[return-value]
    user = User()
    db.add(user)
    db.flush()
    db.add(Wallet(user_id=user.id, address=address, chain_id=chain_id, last_login_at=_now()))
    db.flush()
    return user, True


def totp_enabled(db: Db, user_id: uuid.UUID) -> bool:
    return db.scalar(select(TotpSecret.enabled_at).where(TotpSecret.user_id == user_id)) is not None


# --- sessions and tokens --------------------------------------------------------------------------

def _signer(request: Request) -> TokenSigner:
    return request.app.state.token_signer  # type: ignore[no-any-return]


def create_session(db: Db, request: Request, user_id: uuid.UUID, wallet: str, mfa: bool) -> dict:
    settings: ApiSettings = request.app.state.settings
    now = _now()
    session = Session(user_id=user_id, wallet_address=wallet, user_agent=user_agent(request),
                      ip=client_ip(request), mfa=mfa, created_at=now, last_seen_at=now,
                      expires_at=now + timedelta(seconds=settings.refresh_token_ttl_seconds))
    db.add(session)
    db.flush()
    return _tokens(db, request, session, _scopes_for(db, settings, user_id))


def _tokens(db: Db, request: Request, session: Session, scopes: list[str]) -> dict:
    settings: ApiSettings = request.app.state.settings
    refresh = new_refresh_token()
    db.add(RefreshToken(session_id=session.id, token_hash=crypto.token_hash(refresh)))
    access, _ = _signer(request).issue_access(str(session.user_id), str(session.id), scopes,
                                              settings.access_token_ttl_seconds)
    remaining = int((session.expires_at - _now()).total_seconds())
    return {"access_token": access, "token_type": "Bearer", "expires_in": settings.access_token_ttl_seconds,
            "refresh_token": refresh, "refresh_expires_in": max(remaining, 0),
            "user_id": session.user_id, "session_id": session.id}


def refresh(engine: Engine, request: Request, token: str) -> dict:
    """Rotate a refresh token. A token used twice means theft: its whole session is revoked."""
    settings: ApiSettings = request.app.state.settings
    invalid = Problem(401, "refresh token is invalid, expired or revoked", type_="invalid-refresh-token")
    with Db(engine, expire_on_commit=False) as db:
        row = db.execute(
            select(RefreshToken, Session).join(Session, Session.id == RefreshToken.session_id)
            .where(RefreshToken.token_hash == crypto.token_hash(token))
            .with_for_update()
        ).first()
        if row is None:
            raise invalid
        stored, session = row
        if session.revoked_at is not None or session.expires_at <= _now():
            raise invalid
        if stored.used_at is not None:
            session.revoked_at = _now()
            session.revoked_reason = "refresh_token_reuse"
            audit.record(db, request, "auth.refresh_reuse", result="failure", actor_user_id=session.user_id,
                         target=f"session:{session.id}",
                         details={"session_id": str(session.id), "token_first_used_at": stored.used_at.isoformat()})
            db.commit()
            log.warning("refresh token reuse; session revoked", session_id=str(session.id))
            raise Problem(401, "refresh token was already used; the session has been revoked for safety",
                          type_="refresh-token-reuse")
        user = db.get(User, session.user_id)
        if user is None or user.deleted_at is not None:
            raise invalid
        stored.used_at = _now()
        session.last_seen_at = _now()
        session.ip = client_ip(request)
        pair = _tokens(db, request, session, _scopes_for(db, settings, session.user_id))
        db.commit()
        return pair


def revoke_session(db: Db, user_id: uuid.UUID, session_id: uuid.UUID, reason: str) -> bool:
    result = db.execute(update(Session).where(Session.id == session_id, Session.user_id == user_id,
                                              Session.revoked_at.is_(None))
                        .values(revoked_at=_now(), revoked_reason=reason))
    return bool(result.rowcount)


def revoke_other_sessions(db: Db, user_id: uuid.UUID, keep: uuid.UUID | None) -> int:
    query = update(Session).where(Session.user_id == user_id, Session.revoked_at.is_(None))
    if keep is not None:
        query = query.where(Session.id != keep)
    return int(db.execute(query.values(revoked_at=_now(), revoked_reason="revoked_by_user")).rowcount)


# --- MFA ------------------------------------------------------------------------------------------

def mfa_pending_token(request: Request, user_id: uuid.UUID, wallet: str, chain_id: int) -> tuple[str, int]:
    ttl = request.app.state.settings.mfa_pending_ttl_seconds
    token, _ = _signer(request).issue_mfa_pending(str(user_id), wallet, chain_id, ttl)
    return token, ttl


def read_mfa_pending(request: Request, token: str) -> dict:
    try:
        return _signer(request).verify_mfa_pending(token)
    except TokenError as exc:
        raise Problem(401, f"MFA token rejected: {exc}; sign in again", type_="invalid-mfa-token") from None


def _spent_key(request: Request, claims: dict) -> str:
    return f"{request.app.state.settings.redis_key_prefix}mfa:spent:{claims['jti']}"


def ensure_mfa_pending_unspent(request: Request, claims: dict) -> None:
    if request.app.state.redis.exists(_spent_key(request, claims)):
        raise Problem(401, "MFA token was already used; sign in again", type_="invalid-mfa-token")


def spend_mfa_pending(request: Request, claims: dict) -> None:
    """An MFA-pending token yields one session: mark its jti used (until it would expire anyway)."""
    key = _spent_key(request, claims)
    ttl = max(int(claims["exp"]) - int(_now().timestamp()), 1) + 10
    if not request.app.state.redis.set(key, b"1", nx=True, ex=ttl):
        raise Problem(401, "MFA token was already used; sign in again", type_="invalid-mfa-token")


def _keyring(request: Request) -> crypto.KeyRing:
    return request.app.state.totp_keyring  # type: ignore[no-any-return]


def _aad(user_id: uuid.UUID) -> bytes:
    return f"lancer:totp:{user_id}".encode()


def _decrypt_secret(request: Request, row: TotpSecret) -> str:
    return _keyring(request).decrypt(row.key_id, row.secret_ciphertext, _aad(row.user_id)).decode()


def _check_lock(request: Request, user_id: uuid.UUID) -> None:
    settings: ApiSettings = request.app.state.settings
    failures, ttl = request.app.state.ratelimiter.failures("mfa-fail", str(user_id))
    if failures >= settings.mfa_max_failures:
        raise Problem(429, f"too many wrong codes; 2FA is locked for {max(ttl, 1)} s", type_="mfa-locked",
                      headers={"Retry-After": str(max(ttl, 1))})


def _fail(request: Request, db: Db | None, user_id: uuid.UUID, action: str, detail: str) -> Problem:
    settings: ApiSettings = request.app.state.settings
    count = request.app.state.ratelimiter.count_failure("mfa-fail", str(user_id), settings.mfa_lock_seconds)
    audit.record_now(request.app.state.engine, request, action, result="failure", actor_user_id=user_id,
                     details={"reason": detail, "failures": count})
    left = settings.mfa_max_failures - count
    if left <= 0:
        return Problem(429, f"too many wrong codes; 2FA is locked for {settings.mfa_lock_seconds} s",
                       type_="mfa-locked", headers={"Retry-After": str(settings.mfa_lock_seconds)})
    return Problem(401, f"{detail}; {left} attempt(s) left before a lock", type_="mfa-invalid-code")


def verify_second_factor(request: Request, db: Db, user_id: uuid.UUID, code: str | None, backup_code: str | None,
                         action: str, require_enabled: bool = True) -> str:
    """Accept a TOTP code (each time step once, +-1 step) or an unused backup code; 'totp' or 'backup'."""
    _check_lock(request, user_id)
    row = db.get(TotpSecret, user_id)
    if row is None or (require_enabled and row.enabled_at is None):
        raise Problem(409, "two-factor authentication is not enabled", type_="mfa-not-enabled")
    if code is not None:
        step = totp.match_step(_decrypt_secret(request, row), code)
        if step is None:
            raise _fail(request, db, user_id, action, "code is wrong or outside the time window")
        # Atomic: only one request can move last_used_step past this step.
        accepted = db.execute(update(TotpSecret).where(
            TotpSecret.user_id == user_id,
            (TotpSecret.last_used_step.is_(None)) | (TotpSecret.last_used_step < step),
        ).values(last_used_step=step)).rowcount
        if not accepted:
            raise _fail(request, db, user_id, action, "code was already used; wait for the next one")
        request.app.state.ratelimiter.clear("mfa-fail", str(user_id))
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
        raise _fail(request, db, user_id, action, "backup code is wrong or already used")
    request.app.state.ratelimiter.clear("mfa-fail", str(user_id))
    return "backup"


def setup_totp(request: Request, db: Db, user_id: uuid.UUID, account: str) -> dict:
    settings: ApiSettings = request.app.state.settings
    row = db.get(TotpSecret, user_id)
    if row is not None and row.enabled_at is not None:
        raise Problem(409, "two-factor authentication is already enabled; disable it first", type_="mfa-enabled")
    secret = totp.new_secret()
    kid, blob = _keyring(request).encrypt(secret.encode(), _aad(user_id))
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


def enable_totp(request: Request, db: Db, user_id: uuid.UUID, code: str) -> list[str]:
    row = db.get(TotpSecret, user_id)
    if row is None:
        raise Problem(409, "start with POST /v1/me/2fa/setup", type_="mfa-not-set-up")
    if row.enabled_at is not None:
        raise Problem(409, "two-factor authentication is already enabled", type_="mfa-enabled")
    verify_second_factor(request, db, user_id, code, None, "totp.enable", require_enabled=False)
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


# --- wallets --------------------------------------------------------------------------------------

def link_wallet(db: Db, settings: ApiSettings, user_id: uuid.UUID, address: str, chain_id: int) -> Wallet:
    existing = db.scalar(select(Wallet).where(Wallet.address == address))
    if existing is not None:
        if existing.user_id == user_id:
            raise Problem(409, "this wallet is already linked to your account", type_="wallet-linked")
        raise Problem(409, "this wallet belongs to another account", type_="wallet-taken")
    count = db.scalar(select(func.count()).select_from(Wallet).where(Wallet.user_id == user_id)) or 0
    if count >= settings.max_wallets_per_user:
        raise Problem(409, f"at most {settings.max_wallets_per_user} wallets per account", type_="too-many-wallets")
    wallet = Wallet(user_id=user_id, address=address, chain_id=chain_id)
    db.add(wallet)
    try:
        db.flush()
    except IntegrityError:
        db.rollback()
        raise Problem(409, "this wallet belongs to another account", type_="wallet-taken") from None
    return wallet


def unlink_wallet(db: Db, user_id: uuid.UUID, address: str) -> None:
    wallets = list(db.scalars(select(Wallet).where(Wallet.user_id == user_id).with_for_update()))
    target = next((w for w in wallets if w.address.lower() == address.lower()), None)
    if target is None:
        raise Problem(404, "no such wallet on your account", type_="not-found")
    if len(wallets) == 1:
        raise Problem(409, "cannot unlink your last wallet; link another one first", type_="last-wallet")
    db.delete(target)


# --- API keys -------------------------------------------------------------------------------------

def create_api_key(db: Db, settings: ApiSettings, user_id: uuid.UUID, name: str, scopes: list[str],
                   expires_at: datetime | None) -> tuple[ApiKey, str]:
    if expires_at is not None:
        if expires_at.tzinfo is None:
            raise Problem(422, "expires_at must carry a time zone", type_="validation-error")
        if expires_at <= _now():
            raise Problem(422, "expires_at must be in the future", type_="validation-error")
    active = db.scalar(select(func.count()).select_from(ApiKey).where(
        ApiKey.user_id == user_id, ApiKey.revoked_at.is_(None))) or 0
    if active >= settings.max_api_keys_per_user:
        raise Problem(409, f"at most {settings.max_api_keys_per_user} active API keys", type_="too-many-keys")
    full, prefix = apikeys.new_api_key()
    key = ApiKey(user_id=user_id, name=name, prefix=prefix, secret_hash=crypto.token_hash(full),
                 scopes=sorted(set(scopes)), expires_at=expires_at)
    db.add(key)
    db.flush()
    return key, full


def _usage_key(settings: ApiSettings) -> str:
    return f"{settings.redis_key_prefix}apikey-usage"


def authenticate_api_key(engine: Engine, redis: Redis, settings: ApiSettings, presented: str) -> Principal | None:
    prefix = apikeys.parse_api_key(presented)
    if prefix is None:
        return None
    now = _now()
    with Db(engine, expire_on_commit=False) as db:
        row = db.execute(select(ApiKey, User.deleted_at).join(User, User.id == ApiKey.user_id)
                         .where(ApiKey.prefix == prefix)).first()
        if row is None:
            crypto.equal(crypto.token_hash(presented), b"\0" * 32)  # same work either way
            return None
        key, deleted_at = row
        if not crypto.equal(crypto.token_hash(presented), key.secret_hash):
            return None
        if key.revoked_at is not None or deleted_at is not None or (key.expires_at and key.expires_at <= now):
            return None
        if key.last_used_at is None or now - key.last_used_at > timedelta(seconds=60):
            db.execute(update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=now))
            db.commit()
    try:
        redis.hincrby(_usage_key(settings), f"{key.id}|{now.date().isoformat()}", 1)
    except Exception:
        log.warning("API key usage counter unavailable")
    return Principal(kind="api_key", user_id=key.user_id, api_key_id=key.id, api_key_prefix=key.prefix,
                     scopes=frozenset(key.scopes))


def flush_usage(engine: Engine, redis: Redis, settings: ApiSettings) -> int:
    """Move the Redis per-key-per-day counters into api_key_usage. Safe with several flushers."""
    live = _usage_key(settings)
    batches = [k.decode() if isinstance(k, bytes) else k for k in redis.scan_iter(match=f"{live}:flushing:*")]
    snapshot = f"{live}:flushing:{uuid.uuid4().hex}"
    try:
        redis.rename(live, snapshot)
        batches.append(snapshot)
    except Exception:  # nothing counted since the last flush
        pass
    moved = 0
    for batch in batches:
        counts = redis.hgetall(batch)
        with Db(engine) as db:
            known = set(db.scalars(select(ApiKey.id)))
            for field, value in counts.items():
                key_id, _, day = (field.decode() if isinstance(field, bytes) else field).partition("|")
                kid = uuid.UUID(key_id)
                if kid not in known:
                    continue
                stmt = pg_insert(ApiKeyUsage).values(api_key_id=kid, day=date.fromisoformat(day), requests=int(value))
                db.execute(stmt.on_conflict_do_update(
                    constraint="uq_api_key_usage_key_day",
                    set_={"requests": ApiKeyUsage.requests + stmt.excluded.requests}))
                moved += int(value)
            db.commit()
        redis.delete(batch)
    return moved


def usage(db: Db, key_id: uuid.UUID, days: int = 30) -> list[ApiKeyUsage]:
    since = _now().date() - timedelta(days=days)
    return list(db.scalars(select(ApiKeyUsage).where(and_(ApiKeyUsage.api_key_id == key_id,
                                                          ApiKeyUsage.day >= since))
                           .order_by(ApiKeyUsage.day)))
