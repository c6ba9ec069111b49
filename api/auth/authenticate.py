"""Turning credentials into a :class:`Principal`.

The credential formats are parsed here; checking them against the database is the identity domain's
job, which it offers through the :class:`Authenticator` protocol (installed on ``app.state.authenticator``
by the app factory). That inversion keeps ``api.auth`` free of any domain import: domains import auth,
never the other way round.
"""

from __future__ import annotations

import uuid
from typing import Protocol

from fastapi import Request

from api.auth.principal import Principal
from api.kit.client import client_ip
from api.kit.problems import Problem

# Every API key starts with this; a Bearer value that does not is taken for an access JWT.
API_KEY_PREFIX = "lnc_"


class Authenticator(Protocol):
    def user_principal(self, token: str, ip: str) -> Principal:
        """The principal of a valid, live access token; raises a 401 Problem otherwise."""

    def remembered_user(self, token: str) -> Principal | None:
        """The principal of an access token this process verified recently, unexpired, whose session is
        still live as far as this process knows (no I/O; see ``api.identity.sessioncache``); None when
        ``user_principal`` must check it."""

    def api_key_principal(self, key: str) -> Principal | None:
        """The principal of a valid, unexpired, unrevoked API key; None otherwise."""

    def remembered_api_key(self, key: str) -> Principal | None:
        """The principal of a key this process verified recently and that is unchanged since (no I/O, and
        its use not counted: see ``count_remembered_use``); None when ``api_key_principal`` must check it."""

    def remembered_use_counter(self, principal: Principal) -> tuple[str, str] | None:
        """The Redis hash and field that count today's uses of a remembered key (the caller increments it);
        None when uses are counted by ``api_key_principal`` only (a remembered key is then not used)."""

    def is_admin(self, user_id: uuid.UUID | None) -> bool:
        """Whether the user still holds an admin wallet (checked on every admin call)."""


def unauthorized(detail: str, type_: str = "unauthorized") -> Problem:
    return Problem(401, detail, type_=type_, headers={"WWW-Authenticate": 'Bearer realm="lancer"'})


def looks_like_api_key(value: str) -> bool:
    return value.startswith(API_KEY_PREFIX)


def credentials(request: Request) -> tuple[str, str] | None:
    """('api_key' | 'jwt', value) from X-API-Key or Authorization: Bearer; None when neither is sent."""
    api_key = request.headers.get("x-api-key")
    if api_key:
        return "api_key", api_key.strip()
    authorization = request.headers.get("authorization")
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise unauthorized("Authorization header must be 'Bearer <token>'")
    value = value.strip()
    return ("api_key" if looks_like_api_key(value) else "jwt"), value


def authenticator(request: Request) -> Authenticator:
    return request.app.state.authenticator  # type: ignore[no-any-return]


def key_principal(request: Request, key: str) -> Principal:
    found = authenticator(request).api_key_principal(key)
    if found is None:
        raise unauthorized("API key is invalid, expired or revoked", type_="invalid-api-key")
    return found


def principal_from(request: Request, kind: str, value: str) -> Principal:
    if kind == "api_key":
        return key_principal(request, value)
    return authenticator(request).user_principal(value, client_ip(request))
