"""The identity domain's side of authentication: access tokens, API keys and admin wallets checked
against the database. ``api.auth`` calls it through its ``Authenticator`` protocol (the app factory
installs one on ``app.state.authenticator``), so auth never imports this domain."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from redis import Redis
from sqlalchemy import Engine, select, update

from api.auth import Principal
from api.auth.authenticate import unauthorized
from api.identity import service
from api.identity.keycache import LAST_USED_EVERY, VerifiedKeys
from api.identity.sessioncache import LiveSessions
from api.identity.models import Session, TotpSecret, User
from api.identity.tokens import TokenError, TokenSigner
from api.kit.versions import UNVERSIONED
from api.settings import ApiSettings

# How often a session's last_seen_at (and ip) is written at most; a remembered token is checked in the
# database again once its session was last seen longer ago, so the update is still made.
LAST_SEEN_EVERY = LAST_USED_EVERY


@dataclass(frozen=True)
class IdentityAuthenticator:
    engine: Engine
    redis: Redis
    settings: ApiSettings
    signer: TokenSigner
    keys: VerifiedKeys | None = None  # verified keys remembered by this process (api.identity.keycache)
    sessions: LiveSessions | None = None  # verified access tokens likewise (api.identity.sessioncache)

    def user_principal(self, token: str, ip: str) -> Principal:
        now = datetime.now(UTC)
        if self.sessions is not None:
            found = self.sessions.get(token, now)
            if found is not None:
                return found
        try:
            claims = self.signer.verify_access(token)
            user_id, session_id = uuid.UUID(claims.sub), uuid.UUID(claims.sid)
        except (TokenError, ValueError) as exc:
            raise unauthorized(f"access token rejected: {exc}", type_="invalid-token") from None
        # Taken before the look-up: a revocation committed after it moves the version past this one.
        version, checked = self.sessions.checked_now() if self.sessions is not None else (None, 0.0)
        # Core rows in autocommit, as the API-key check (service.authenticate_api_key): no BEGIN and
        # ROLLBACK round trips on every signed-in request; the throttled update commits by itself, and
        # moves no data version (last_seen_at, ip): its commit leaves the read cache's version alone.
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT", **{UNVERSIONED: True}) as db:
            row = db.execute(
                select(Session.revoked_at, Session.expires_at, Session.last_seen_at, User.deleted_at,
                       TotpSecret.enabled_at.label("totp_enabled_at"))
                .join(User, User.id == Session.user_id)
                .outerjoin(TotpSecret, TotpSecret.user_id == Session.user_id)
                .where(Session.id == session_id, Session.user_id == user_id)
            ).first()
            if row is None or row.revoked_at is not None or row.expires_at <= now or row.deleted_at is not None:
                raise unauthorized("session is no longer active; sign in again", type_="session-revoked")
            last_seen = row.last_seen_at
            if now - last_seen > LAST_SEEN_EVERY:  # throttled "last seen"
                db.execute(update(Session).where(Session.id == session_id).values(last_seen_at=now, ip=ip))
                db.commit()
                last_seen = now
        principal = Principal(kind="user", user_id=user_id, session_id=session_id,
                              scopes=frozenset(claims.scope), is_admin="admin" in claims.scope,
                              auth_time=claims.auth_time, amr=frozenset(claims.amr),
                              mfa_enrolled=row.totp_enabled_at is not None)
        if self.sessions is not None:
            self.sessions.put(token, principal, version, checked, exp=claims.exp,
                              session_expires_at=row.expires_at, last_seen_at=last_seen)
        return principal

    def remembered_user(self, token: str) -> Principal | None:
        if self.sessions is None:
            return None
        return self.sessions.get(token, datetime.now(UTC))

    def api_key_principal(self, key: str) -> Principal | None:
        return service.authenticate_api_key(self.engine, self.redis, self.settings, key, self.keys)

    def remembered_api_key(self, key: str) -> Principal | None:
        if self.keys is None:
            return None
        return service.remembered_api_key(self.keys, key)

    def remembered_use_counter(self, principal: Principal) -> tuple[str, str] | None:
        return service.key_use_counter(self.settings, principal, datetime.now(UTC))

    def is_admin(self, user_id: uuid.UUID | None) -> bool:
        return service.user_is_admin(self.engine, self.settings, user_id)
