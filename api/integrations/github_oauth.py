"""Linking a GitHub account with OAuth (authlib's OAuth2 client): the user starts (we keep a one-time
``state`` in Redis, bound to them, 10 minutes), GitHub sends them back with a code, the web app posts it
here, we exchange it for a token and read ``/user``. The token is stored encrypted; skill verification
reads the account through :func:`account_of`.

Never answered or logged: the client secret, the token, GitHub's hosts, or a network error's text.
"""

from __future__ import annotations

import secrets
import uuid

import structlog
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import OAuth2Client
from redis import Redis
from sqlalchemy import delete, select
from sqlalchemy.orm import Session as Db

from api.integrations import schemas as s
from api.integrations.models import GithubAccount
from api.kit.db import utcnow
from api.kit.problems import Problem
from api.settings import ApiSettings

log = structlog.get_logger(__name__)
STATE_TTL_SECONDS = 600
SCOPE = "read:user"


def _client(settings: ApiSettings) -> OAuth2Client:
    if not settings.github_client_id or settings.github_client_secret is None:
        raise Problem(404, "GitHub sign-in is not configured on this deployment", type_="not-configured")
    return OAuth2Client(settings.github_client_id, settings.github_client_secret.get_secret_value(),
                        scope=SCOPE, redirect_uri=settings.github_oauth_redirect_uri,
                        timeout=settings.github_timeout_seconds)


def _state_key(settings: ApiSettings, state: str) -> str:
    return f"{settings.redis_key_prefix}github:oauth:{state}"


def start(settings: ApiSettings, redis: Redis, user_id: uuid.UUID) -> s.GithubAuthorizeOut:
    client = _client(settings)
    state = secrets.token_urlsafe(24)
    redis.set(_state_key(settings, state), str(user_id), ex=STATE_TTL_SECONDS)
    url, _ = client.create_authorization_url(
        f"{settings.github_oauth_base.get_secret_value()}/login/oauth/authorize", state=state)
    return s.GithubAuthorizeOut(authorize_url=url, state=state, expires_in=STATE_TTL_SECONDS)


def finish(db: Db, settings: ApiSettings, redis: Redis, user_id: uuid.UUID, body: s.GithubCallbackIn) -> GithubAccount:
    client = _client(settings)
    owner = redis.getdel(_state_key(settings, body.state))  # one use only
    if owner is None or (owner.decode() if isinstance(owner, bytes) else owner) != str(user_id):
        raise Problem(400, "unknown or expired state: start again", type_="oauth-state")
    try:
        token = client.fetch_token(f"{settings.github_oauth_base.get_secret_value()}/login/oauth/access_token",
                                   code=body.code, headers={"Accept": "application/json"})
        profile = client.get(f"{settings.github_api_base.get_secret_value()}/user",
                             headers={"Accept": "application/vnd.github+json"})
        profile.raise_for_status()
        data = profile.json()
        github_id, login = int(data["id"]), str(data["login"])[:39]
    except OAuthError:  # GitHub refused the code: the caller's mistake (expired, used, made up)
        raise Problem(400, "GitHub did not accept the code (expired or already used?); start again",
                      type_="github-oauth-failed") from None
    except Exception as exc:  # noqa: BLE001 - network errors and odd answers alike: one safe message
        log.warning("github oauth exchange failed", error=type(exc).__name__)
        raise Problem(502, "GitHub could not be reached; try again later", type_="github-unavailable") from None
    taken = db.scalar(select(GithubAccount.user_id).where(GithubAccount.github_id == github_id))
    if taken is not None and taken != user_id:
        raise Problem(409, "this GitHub account is linked to another Lancer user", type_="conflict")
    row = db.get(GithubAccount, user_id) or GithubAccount(user_id=user_id)
    row.github_id, row.login, row.access_token = github_id, login, str(token["access_token"])
    row.scope, row.linked_at = str(token.get("scope") or "")[:200], utcnow()
    db.add(row)
    db.commit()
    return row


def account_of(db: Db, user_id: uuid.UUID) -> GithubAccount | None:
    """The linked account (skill verification uses it too)."""
    return db.get(GithubAccount, user_id)


def unlink(db: Db, user_id: uuid.UUID) -> bool:
    gone = db.execute(delete(GithubAccount).where(GithubAccount.user_id == user_id)).rowcount  # type: ignore[attr-defined]
    db.commit()
    return bool(gone)


def account_out(row: GithubAccount) -> s.GithubAccountOut:
    return s.GithubAccountOut(github_id=row.github_id, login=row.login, scope=row.scope, linked_at=row.linked_at)
