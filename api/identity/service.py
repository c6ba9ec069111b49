"""Identity business logic: SIWE login, sessions and refresh rotation, wallets, API keys (usage counters: key_usage)."""

from __future__ import annotations

import secrets
import time
import string
import uuid
from datetime import UTC, datetime, timedelta

import structlog
from redis import Redis
from sqlalchemy import Engine, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as Db

from api.audit import service as audit
from api.auth import Principal
from api.identity import apikeys, crypto, key_usage
from api.identity.keycache import LAST_USED_EVERY, VerifiedKeys
from api.identity.env import IdentityEnv
from api.identity.models import ApiKey, RefreshToken, Session, TotpSecret, User, Wallet
from api.identity.siwe_verify import SiweError, check_fields, check_signature, parse_message, parse_signature
from api.identity.tokens import new_refresh_token
from api.kit.problems import Problem
from api.kit.versions import UNVERSIONED
from api.settings import ApiSettings

log = structlog.get_logger(__name__)
_NONCE_ALPHABET = string.ascii_letters + string.digits


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


def verify_siwe(env: IdentityEnv, message_text: str, signature_hex: str) -> tuple[str, int, str]:
    """Check a SIWE message and signature; (address, chain_id, method). Raises SiweError."""
    settings = env.settings
    signature = parse_signature(signature_hex)
    message = parse_message(message_text)
    # The nonce is spent now, before any other check: one attempt per nonce, success or not.
    if not consume_nonce(env.redis, settings, message.nonce):
        raise SiweError("siwe-nonce", "nonce is unknown, expired or already used; get a new one from /v1/auth/nonce")
    check_fields(message, domain=settings.siwe_domain, uri=settings.siwe_uri, registry=env.registry,
                 skew=settings.siwe_clock_skew_seconds, max_age=settings.siwe_max_age_seconds)
    chain_id = int(message.chain_id)
    chain = env.registry.by_id(chain_id)
    method = check_signature(message_text, message, signature, rpc_urls=chain.rpc_url_strings, guard=env.rpc,
                             ip=env.client.ip, contract_refusal=_contract_refusal(env, message.address, chain_id))
    return message.address, chain_id, method


def _contract_refusal(env: IdentityEnv, address: str, chain_id: int) -> str | None:
    """Why a contract wallet may not sign in here (None: it may). A contract is only as trustworthy as
    its chain and that chain's RPC: anyone can put code at a victim's address on a cheap chain."""
    settings = env.settings
    if chain_id not in settings.contract_wallet_chain_ids(env.registry):
        return f"contract-wallet sign-in is not accepted on chain {chain_id}; sign with the wallet's own key"
    if address in settings.admin_addresses and not settings.siwe_contract_wallet_admins:
        return "administrator addresses must sign in with their own key (contract wallets are refused)"
    return None


def wallet_kind(method: str) -> str:
    return "eoa" if method == "eoa" else "contract"


def check_wallet_binding(db: Db, address: str, chain_id: int, method: str) -> None:
    """A contract wallet is an identity on its own chain only, and an address known to sign with its
    own key never signs in through a contract (raises a 401 SiweError otherwise)."""
    if method == "eoa":
        return
    known = db.execute(select(Wallet.kind, Wallet.chain_id).where(Wallet.address == address)).first()
    if known is None:
        return
    if known.kind == "eoa":
        raise SiweError("siwe-contract-wallet", "this address signs in with its own key, not through a contract")
    if known.chain_id != chain_id:
        raise SiweError("siwe-contract-wallet", f"this contract wallet is registered on chain {known.chain_id}; "
                        "sign in on that chain")


def siwe_problem(exc: SiweError) -> Problem:
    return Problem(exc.status, exc.detail, type_=exc.type_)


# --- users, admin ---------------------------------------------------------------------------------

def user_is_admin(engine: Engine, settings: ApiSettings, user_id: uuid.UUID | None) -> bool:
    if user_id is None or not settings.admin_addresses:
        return False
    with Db(engine) as db:
        return db.scalar(select(func.count()).select_from(Wallet).where(
            Wallet.user_id == user_id, Wallet.address.in_(settings.admin_addresses))) > 0


def scopes_for(db: Db, settings: ApiSettings, user_id: uuid.UUID) -> list[str]:
    addresses = set(db.scalars(select(Wallet.address).where(Wallet.user_id == user_id)))
    return ["user", "admin"] if addresses & set(settings.admin_addresses) else ["user"]


def find_or_create_user(db: Db, address: str, chain_id: int, kind: str = "eoa") -> tuple[User, bool]:
    """The user of a wallet, created on its first sign-in. Idempotent under concurrency: two first
    sign-ins of one wallet at once both end with the same user (the wallet's unique address decides)."""
    wallet = db.scalar(select(Wallet).where(Wallet.address == address))
    if wallet is None:
        with db.begin_nested():  # a savepoint: a lost race leaves no orphan user behind
            user = User()
            db.add(user)
            db.flush()
            inserted = db.scalar(pg_insert(Wallet).values(
                id=uuid.uuid4(), user_id=user.id, address=address, chain_id=chain_id, kind=kind,
                linked_at=_now(), last_login_at=_now(),
            ).on_conflict_do_nothing(index_elements=[Wallet.address]).returning(Wallet.id))
            if inserted is not None:
                return user, True
            db.delete(user)
        wallet = db.scalar(select(Wallet).where(Wallet.address == address))
        assert wallet is not None  # the concurrent sign-in committed it (ON CONFLICT waited for that)
    wallet.last_login_at = _now()
    return db.get(User, wallet.user_id), False  # type: ignore[return-value]


def totp_enabled(db: Db, user_id: uuid.UUID) -> bool:
    return db.scalar(select(TotpSecret.enabled_at).where(TotpSecret.user_id == user_id)) is not None


# --- sessions and tokens --------------------------------------------------------------------------

def create_session(db: Db, env: IdentityEnv, user_id: uuid.UUID, wallet: str, mfa: bool,
                   amr: list[str] | None = None) -> dict:
    settings = env.settings
    now = _now()
    proofs = sorted(set(amr or ["swk"]) | ({"otp", "mfa"} if mfa else set()))
    session = Session(user_id=user_id, wallet_address=wallet, user_agent=env.client.user_agent or "",
                      ip=env.client.ip or "", mfa=mfa, created_at=now, last_seen_at=now, auth_time=now, amr=proofs,
                      expires_at=now + timedelta(seconds=settings.refresh_token_ttl_seconds))
    db.add(session)
    db.flush()
    return _tokens(db, env, session, scopes_for(db, settings, user_id))


def access_token(env: IdentityEnv, session: Session, scopes: list[str]) -> str:
    """An access token carrying the session's last proof (``auth_time``) and its methods (``amr``)."""
    token, _ = env.signer.issue_access(str(session.user_id), str(session.id), scopes,
                                       env.settings.access_token_ttl_seconds,
                                       auth_time=int(session.auth_time.timestamp()), amr=list(session.amr or []))
    return token


def _tokens(db: Db, env: IdentityEnv, session: Session, scopes: list[str]) -> dict:
    settings = env.settings
    refresh = new_refresh_token()
    db.add(RefreshToken(session_id=session.id, token_hash=crypto.token_hash(refresh)))
    access = access_token(env, session, scopes)
    remaining = int((session.expires_at - _now()).total_seconds())
    return {"access_token": access, "token_type": "Bearer", "expires_in": settings.access_token_ttl_seconds,
            "refresh_token": refresh, "refresh_expires_in": max(remaining, 0),
            "user_id": session.user_id, "session_id": session.id}


def refresh(engine: Engine, env: IdentityEnv, token: str) -> dict:
    """Rotate a refresh token. A token used twice means theft: its whole session is revoked."""
    settings = env.settings
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
        if _now() - session.last_seen_at > timedelta(seconds=settings.refresh_idle_timeout_seconds):
            # Idle expiry: a refresh token lying unused for a day (by default) is worth nothing.
            session.revoked_at, session.revoked_reason = _now(), "idle_timeout"
            db.commit()
            raise Problem(401, "session expired after inactivity; sign in again", type_="invalid-refresh-token")
        if stored.used_at is not None:
            session.revoked_at = _now()
            session.revoked_reason = "refresh_token_reuse"
            audit.record(db, env.client, "auth.refresh_reuse", result="failure", actor_user_id=session.user_id,
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
        session.ip = env.client.ip or ""
        pair = _tokens(db, env, session, scopes_for(db, settings, session.user_id))
        db.commit()
        return pair


def revoke_session(db: Db, user_id: uuid.UUID, session_id: uuid.UUID, reason: str) -> bool:
    result = db.execute(update(Session).where(Session.id == session_id, Session.user_id == user_id,
                                              Session.revoked_at.is_(None))
                        .values(revoked_at=_now(), revoked_reason=reason))
    return bool(result.rowcount)


# --- wallets --------------------------------------------------------------------------------------

def link_wallet(db: Db, settings: ApiSettings, user_id: uuid.UUID, address: str, chain_id: int,
                kind: str = "eoa") -> Wallet:
    existing = db.scalar(select(Wallet).where(Wallet.address == address))
    if existing is not None:
        if existing.user_id == user_id:
            raise Problem(409, "this wallet is already linked to your account", type_="wallet-linked")
        raise Problem(409, "this wallet belongs to another account", type_="wallet-taken")
    count = db.scalar(select(func.count()).select_from(Wallet).where(Wallet.user_id == user_id)) or 0
    if count >= settings.max_wallets_per_user:
        raise Problem(409, f"at most {settings.max_wallets_per_user} wallets per account", type_="too-many-wallets")
    wallet = Wallet(user_id=user_id, address=address, chain_id=chain_id, kind=kind)
    db.add(wallet)
    try:
        db.flush()
    except IntegrityError:
        db.rollback()
        raise Problem(409, "this wallet belongs to another account", type_="wallet-taken") from None
    return wallet


def unlink_wallet(db: Db, user_id: uuid.UUID, address: str, session_id: uuid.UUID | None) -> Wallet:
    """Remove a wallet, never the last one, and never the last one linked before this session began: a
    stolen session that linked its own wallet must not be able to push the owner's wallets out."""
    wallets = list(db.scalars(select(Wallet).where(Wallet.user_id == user_id).with_for_update()))
    target = next((w for w in wallets if w.address.lower() == address.lower()), None)
    if target is None:
        raise Problem(404, "no such wallet on your account", type_="not-found")
    if len(wallets) == 1:
        raise Problem(409, "cannot unlink your last wallet; link another one first", type_="last-wallet")
    started = db.scalar(select(Session.created_at).where(Session.id == session_id)) if session_id else None
    if started is not None:
        older = [w for w in wallets if w.linked_at < started]
        if older == [target]:
            raise Problem(409, "cannot unlink the last wallet that was linked before this session began; sign in "
                          "with another wallet linked earlier", type_="last-wallet")
    db.delete(target)
    return target


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


def list_api_keys(db: Db, user_id: uuid.UUID) -> list[ApiKey]:
    return list(db.scalars(select(ApiKey).where(ApiKey.user_id == user_id).order_by(ApiKey.created_at.desc())))


def own_api_key(db: Db, user_id: uuid.UUID | None, key_id: uuid.UUID) -> ApiKey:
    key = db.get(ApiKey, key_id)
    if key is None or key.user_id != user_id:
        raise Problem(404, "no such API key", type_="not-found")
    return key


def revoke_api_key(db: Db, user_id: uuid.UUID | None, key_id: uuid.UUID) -> ApiKey | None:
    """Revoke one of the user's keys (flushed, not committed); None when it was revoked already."""
    key = own_api_key(db, user_id, key_id)
    if key.revoked_at is not None:
        return None
    key.revoked_at = _now()
    db.flush()
    return key


def rotate_api_key(db: Db, settings: ApiSettings, user_id: uuid.UUID, key_id: uuid.UUID,
                   grace_seconds: int) -> tuple[ApiKey, str, datetime]:
    """A new key with the same name, scopes and expiry; the old one keeps working for ``grace_seconds``
    (its ``expires_at`` is brought forward, never pushed back). Flushed, not committed."""
    old = own_api_key(db, user_id, key_id)
    now = _now()
    if old.revoked_at is not None or (old.expires_at is not None and old.expires_at <= now):
        raise Problem(409, "this key is revoked or expired; create a new one", type_="key-inactive")
    new, full = create_api_key(db, settings, user_id, old.name, list(old.scopes), old.expires_at)
    ends = now + timedelta(seconds=grace_seconds)
    old.expires_at = ends if old.expires_at is None else min(old.expires_at, ends)
    db.flush()
    return new, full, old.expires_at


_KEY_LOOKUP = (select(ApiKey.id, ApiKey.user_id, ApiKey.prefix, ApiKey.secret_hash, ApiKey.scopes, ApiKey.expires_at,
                      ApiKey.revoked_at, ApiKey.last_used_at, User.deleted_at)
               .join_from(ApiKey, User, User.id == ApiKey.user_id).where(ApiKey.prefix == bindparam("prefix")))


def authenticate_api_key(engine: Engine, redis: Redis, settings: ApiSettings, presented: str,
                         keys: VerifiedKeys | None = None) -> Principal | None:
    """The principal of a valid, unexpired, unrevoked key (its use counted); None otherwise. With ``keys``,
    a key remembered and unchanged since is answered from memory (``api.identity.keycache``), and a key
    the database accepts is remembered."""
    prefix = apikeys.parse_api_key(presented)
    if prefix is None:
        return None
    now = _now()
    digest = crypto.token_hash(presented)
    if keys is not None:
        found = keys.get(digest, now)
        if found is not None:
            count_key_use(redis, settings, found, now)
            return found
    # Taken before the look-up: a change committed after it moves the version past this one.
    version, checked = (keys.version(), time.monotonic()) if keys is not None else (None, 0.0)
    # Core rows, not ORM objects, in autocommit (no BEGIN and ROLLBACK round trips; the rare update of
    # last_used_at commits by itself): this runs on every API-key request not answered from memory.
    # last_used_at moves no data version: its commit leaves the read cache's version alone.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT", **{UNVERSIONED: True}) as conn:
        key = conn.execute(_KEY_LOOKUP, {"prefix": prefix}).first()
        if key is None:
            crypto.equal(digest, b"\0" * 32)  # same work either way
            return None
        if not crypto.equal(digest, key.secret_hash):
            return None
        if key.revoked_at is not None or key.deleted_at is not None or (key.expires_at and key.expires_at <= now):
            return None
        last_used = key.last_used_at
        if last_used is None or now - last_used > LAST_USED_EVERY:
            conn.execute(update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=now))
            conn.commit()
            last_used = now
    principal = Principal(kind="api_key", user_id=key.user_id, api_key_id=key.id, api_key_prefix=key.prefix,
                          scopes=frozenset(key.scopes))
    if keys is not None:
        keys.put(digest, principal, version, checked, key.expires_at, last_used)
    count_key_use(redis, settings, principal, now)
    return principal


def remembered_api_key(keys: VerifiedKeys, presented: str) -> Principal | None:
    """A key answered from memory (no I/O: for the event loop; the caller counts its use, see
    ``key_use_counter``); None when the database must check it (``authenticate_api_key``)."""
    if apikeys.parse_api_key(presented) is None:
        return None
    return keys.get(crypto.token_hash(presented), _now())


def key_use_counter(settings: ApiSettings, principal: Principal, now: datetime) -> tuple[str, str]:
    """(Redis hash, field) of today's request counter of the principal's key."""
    return key_usage.live_key(settings), f"{principal.api_key_id}|{now.date().isoformat()}"


def count_key_use(redis: Redis, settings: ApiSettings, principal: Principal, now: datetime) -> None:
    """One request of the key, in today's counter (flushed to api_key_usage by the scheduler)."""
    try:
        redis.hincrby(*key_use_counter(settings, principal, now), 1)
    except Exception:
        log.warning("API key usage counter unavailable")


