"""The identity domain's side of authentication: access tokens, API keys and admin wallets checked
against the database. ``api.auth`` calls it through its ``Authenticator`` protocol (the app factory
installs one on ``app.state.authenticator``), so auth never imports this domain."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from redis import Redis
from sqlalchemy import Engine, select, update

from api.auth import Principal
from api.auth.authenticate import unauthorized
from api.identity import service
from api.identity.keycache import VerifiedKeys
from api.identity.models import Session, TotpSecret, User
from api.identity.tokens import TokenError, TokenSigner
from api.settings import ApiSettings


@dataclass(frozen=True)
class IdentityAuthenticator:
    engine: Engine
    redis: Redis
    settings: ApiSettings
    signer: TokenSigner
    keys: VerifiedKeys | None = None  # verified keys remembered by this process (api.identity.keycache)

    def user_principal(self, token: str, ip: str) -> Principal:
        try:
            claims = self.signer.verify_access(token)
            user_id, session_id = uuid.UUID(claims.sub), uuid.UUID(claims.sid)
        except (TokenError, ValueError) as exc:
            raise unauthorized(f"access token rejected: {exc}", type_="invalid-token") from None
        now = datetime.now(UTC)
        # Core rows in autocommit, as the API-key check (service.authenticate_api_key): no BEGIN and
        # ROLLBACK round trips on every signed-in request; the throttled update commits by itself.
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as db:
            row = db.execute(
                select(Session.revoked_at, Session.expires_at, Session.last_seen_at, User.deleted_at,
                       TotpSecret.enabled_at.label("totp_enabled_at"))
                .join(User, User.id == Session.user_id)
                .outerjoin(TotpSecret, TotpSecret.user_id == Session.user_id)
                .where(Session.id == session_id, Session.user_id == user_id)
            ).first()
            if row is None or row.revoked_at is not None or row.expires_at <= now or row.deleted_at is not None:
                raise unauthorized("session is no longer active; sign in again", type_="session-revoked")
            if now - row.last_seen_at > timedelta(seconds=60):  # throttled "last seen"
                db.execute(update(Session).where(Session.id == session_id).values(last_seen_at=now, ip=ip))
                db.commit()
        return Principal(kind="user", user_id=user_id, session_id=session_id,
                         scopes=frozenset(claims.scope), is_admin="admin" in claims.scope,
                         auth_time=claims.auth_time, amr=frozenset(claims.amr),
                         mfa_enrolled=row.totp_enabled_at is not None)

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
