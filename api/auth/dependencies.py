"""Route auth declarations: every route states who may call it, and that statement is what enforces it.

Use exactly one of these as a dependency of every route::

    @router.get("/x", dependencies=[public()])                                    # anyone
    def x(principal: Annotated[Principal, user()]): ...                           # a signed-in user (JWT)
    def y(principal: Annotated[Principal, admin()]): ...                          # a user with an admin wallet
    def z(principal: Annotated[Principal, scope(Scope.READ_ESCROWS)]): ...        # API key with the scope, or a user

Each dependency carries an :class:`AuthRequirement` marker; ``route_requirements`` finds it, the OpenAPI
document shows it (``x-lancer-auth``, ``security``, error responses), and a test walks every route and
fails if one has none. The same dependency applies the route's rate limits (``api.kit.ratelimit``).
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request, WebSocket
from starlette.concurrency import run_in_threadpool

from api.auth.authenticate import authenticator, credentials, key_principal, principal_from, unauthorized
from api.auth.principal import Principal
from api.auth.requirements import AUTH_MARKER, AuthRequirement
from api.auth.scopes import Scope, parse_scope
from api.kit.problems import Problem
from api.kit.ratelimit import RateClass, alimit_ip, limit_ip, limit_principal


def _anonymous(request: Request) -> Principal:
    principal = Principal(kind="anonymous")
    request.state.principal = principal
    return principal


def _make(requirement: AuthRequirement) -> Any:
    async def dependency(request: Request) -> Principal:
        if requirement.kind == "public":
            # No credentials to check: the per-IP limit (one Redis round trip, or none for rate="none")
            # is awaited on the event loop instead of paying a thread-pool hop.
            await alimit_ip(request, requirement.rate)
            return _anonymous(request)
        return await run_in_threadpool(_authenticate, request, requirement)

    setattr(dependency, AUTH_MARKER, requirement)
    dependency.__name__ = f"auth_{requirement.kind}_{(requirement.scope or '').replace(':', '_')}"
    return Depends(dependency)


def _authenticate(request: Request, requirement: AuthRequirement) -> Principal:
    """Routes that need credentials: database look-ups, so run in the thread pool."""
    limit_ip(request, requirement.rate)
    creds = credentials(request)
    if creds is None:
        raise unauthorized(f"this route needs credentials ({requirement.describe()})")
    kind, value = creds
    if kind == "api_key" and requirement.kind in ("user", "admin"):
        # Check the key first so a bad key is a 401, not a hint about which routes exist.
        key_principal(request, value)
        raise Problem(403, "API keys cannot call this route; it needs a signed-in user", type_="forbidden")
    principal = principal_from(request, kind, value)
    request.state.principal = principal
    limit_principal(request, principal.rate_identity, requirement.rate)
    if requirement.kind == "admin":
        if not principal.is_admin or not authenticator(request).is_admin(principal.user_id):
            raise Problem(403, "this route is for administrators", type_="forbidden")
    if requirement.kind == "scope" and principal.kind == "api_key" and requirement.scope not in principal.scopes:
        raise Problem(403, f"API key lacks the scope {requirement.scope!r}", type_="insufficient-scope",
                      required_scope=requirement.scope)
    return principal


def _make_public_read(requirement: AuthRequirement) -> Any:
    async def dependency(request: Request) -> Principal:
        creds = credentials(request)
        if creds is None:
            # The hot path of public reads: one Redis round trip, awaited on the event loop rather than
            # paying a thread-pool hop for it.
            await alimit_ip(request, requirement.rate)
            return _anonymous(request)
        return await run_in_threadpool(_public_read_with_credentials, request, requirement, creds)

    setattr(dependency, AUTH_MARKER, requirement)
    dependency.__name__ = f"auth_public_read_{(requirement.scope or '').replace(':', '_')}"
    return Depends(dependency)


def _public_read_with_credentials(request: Request, requirement: AuthRequirement, creds: tuple[str, str]) -> Principal:
    principal = principal_from(request, *creds)
    if principal.kind == "api_key" and requirement.scope not in principal.scopes:
        raise Problem(403, f"API key lacks the scope {requirement.scope!r}; call without credentials "
                      "for the anonymous limit", type_="insufficient-scope", required_scope=requirement.scope)
    request.state.principal = principal
    limit_principal(request, principal.rate_identity, requirement.rate)
    return principal


def public_read(name: str | Scope, rate: RateClass = "default") -> Any:
    """Public data: anyone may read it under the per-IP limit; a valid API key with scope ``name`` (or a
    user token) gets the per-principal limit instead. Invalid credentials are a 401, never ignored."""
    return _make_public_read(AuthRequirement("public_read", scope=parse_scope(name).value, rate=rate))


def public(rate: RateClass = "default") -> Any:
    return _make(AuthRequirement("public", rate=rate))


def user(rate: RateClass = "default") -> Any:
    return _make(AuthRequirement("user", rate=rate))


def admin(rate: RateClass = "default") -> Any:
    return _make(AuthRequirement("admin", rate=rate))


def scope(name: str | Scope, rate: RateClass = "default") -> Any:
    return _make(AuthRequirement("scope", scope=parse_scope(name).value, rate=rate))


def websocket_user() -> Any:
    """WebSocket routes of signed-in users. A handshake cannot carry a problem document, so the handler
    itself authenticates the access token sent as the first message and closes with 4401 otherwise
    (see ``api.messages.router``); this declaration states that and documents it for the route test."""

    async def dependency(websocket: WebSocket) -> None:
        return None

    setattr(dependency, AUTH_MARKER, AuthRequirement("user", rate="none"))
    dependency.__name__ = "auth_websocket_user"
    return Depends(dependency)
