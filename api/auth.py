"""Route auth declarations: every route states who may call it, and that statement is what enforces it.

Use exactly one of these as a dependency of every route::

    @router.get("/x", dependencies=[public()])                              # anyone
    def x(principal: Annotated[Principal, user()]): ...                     # a signed-in user (JWT)
    def y(principal: Annotated[Principal, admin()]): ...                    # a user with an admin wallet
    def z(principal: Annotated[Principal, scope("read:escrows")]): ...      # API key with the scope, or a user

Each dependency carries an :class:`AuthRequirement` marker (``__lancer_auth__``); ``route_requirements``
finds it, the OpenAPI document shows it (``x-lancer-auth``, ``security``, error responses), and a test
walks every route and fails if one has none. The same dependency applies the route's rate limits.
"""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from fastapi import Depends, FastAPI, Request
from starlette.concurrency import run_in_threadpool
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from sqlalchemy import select, update
from sqlalchemy.orm import Session as DbSession
from starlette.routing import BaseRoute

from api.problems import Problem
from api.ratelimit import RateLimiter, Verdict, most_restrictive

Kind = Literal["public", "public_read", "user", "admin", "scope"]
RateClass = Literal["default", "auth", "none"]

# Scopes an API key can carry. A signed-in user (access JWT) holds all of them.
API_SCOPES: dict[str, str] = {
    "read:chain": "Read indexed chain data (balances, transfers, blocks)",
    "read:escrows": "Read escrows and milestones",
    "read:reputation": "Read reputation and attestations",
    "write:webhooks": "Create and manage webhooks",
}
AUTH_MARKER = "__lancer_auth__"


@dataclass(frozen=True)
class AuthRequirement:
    kind: Kind
    scope: str | None = None
    rate: RateClass = "default"

    def describe(self) -> str:
        return {
            "public": "public: no credentials needed",
            "public_read": f"public: no credentials needed (per-IP limit); an API key with scope {self.scope} "
                           "or a user token raises the limit to the per-principal one",
            "user": "user: a signed-in user's access token (Authorization: Bearer <JWT>)",
            "admin": "admin: access token of a user who holds an admin wallet",
            "scope": f"scope {self.scope}: an API key with this scope (X-API-Key or Bearer) or a user token",
        }[self.kind]


@dataclass
class Principal:
    kind: Literal["anonymous", "user", "api_key"]
    user_id: uuid.UUID | None = None
    session_id: uuid.UUID | None = None
    api_key_id: uuid.UUID | None = None
    api_key_prefix: str | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)
    is_admin: bool = False

    @property
    def actor(self) -> str:
        if self.kind == "user":
            return f"user:{self.user_id}"
        if self.kind == "api_key":
            return f"apikey:{self.api_key_prefix}"
        return "anonymous"

    @property
    def rate_identity(self) -> str | None:
        if self.kind == "user":
            return f"user:{self.user_id}"
        if self.kind == "api_key":
            return f"key:{self.api_key_id}"
        return None


def client_ip(request: Request) -> str:
    settings = request.app.state.settings
    if settings.trust_forwarded_for:
        forwarded = request.headers.get("x-forwarded-for", "")
        first = forwarded.split(",")[0].strip()
        try:
            return str(ipaddress.ip_address(first))
        except ValueError:
            pass
    return request.client.host if request.client else "unknown"


def user_agent(request: Request) -> str:
    return request.headers.get("user-agent", "")[:512]


def _unauthorized(detail: str, type_: str = "unauthorized") -> Problem:
    return Problem(401, detail, type_=type_, headers={"WWW-Authenticate": 'Bearer realm="lancer"'})


def _credentials(request: Request) -> tuple[str, str] | None:
    """('api_key' | 'jwt', value) from X-API-Key or Authorization: Bearer."""
    api_key = request.headers.get("x-api-key")
    if api_key:
        return "api_key", api_key.strip()
    authorization = request.headers.get("authorization")
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise _unauthorized("Authorization header must be 'Bearer <token>'")
    value = value.strip()
    from api.identity.apikeys import looks_like_api_key

    return ("api_key" if looks_like_api_key(value) else "jwt"), value


def _limiter(request: Request) -> RateLimiter:
    return request.app.state.ratelimiter  # type: ignore[no-any-return]


def _apply_rate(request: Request, verdicts: list[Verdict | None]) -> None:
    verdict = most_restrictive(verdicts + [getattr(request.state, "ratelimit", None)])
    request.state.ratelimit = verdict
    if verdict is not None and not verdict.allowed:
        raise Problem(429, f"rate limit exceeded; retry in {max(verdict.reset, 1)} s", type_="rate-limited",
                      headers=verdict.headers())


def _ip_limit(request: Request, rate: RateClass) -> None:
    settings = request.app.state.settings
    if rate == "none" or not settings.ratelimit_enabled:
        return
    ip = client_ip(request)
    window = settings.ratelimit_window_seconds
    verdicts = [_limiter(request).hit("ip", ip, settings.ratelimit_ip_per_window, window)]
    if rate == "auth":
        verdicts.append(_limiter(request).hit("auth-ip", ip, settings.ratelimit_auth_ip_per_window, window))
    _apply_rate(request, verdicts)


async def _ip_limit_async(request: Request, rate: RateClass) -> None:
    """``_ip_limit`` for the event loop (the anonymous hot paths)."""
    settings = request.app.state.settings
    if rate == "none" or not settings.ratelimit_enabled:
        return
    ip = client_ip(request)
    window = settings.ratelimit_window_seconds
    verdicts = [await _limiter(request).ahit("ip", ip, settings.ratelimit_ip_per_window, window)]
    if rate == "auth":
        verdicts.append(await _limiter(request).ahit("auth-ip", ip, settings.ratelimit_auth_ip_per_window, window))
    _apply_rate(request, verdicts)


def _principal_limit(request: Request, principal: Principal, rate: RateClass) -> None:
    settings = request.app.state.settings
    identity = principal.rate_identity
    if rate == "none" or not settings.ratelimit_enabled or identity is None:
        return
    verdict = _limiter(request).hit(
        "principal", identity, settings.ratelimit_principal_per_window, settings.ratelimit_window_seconds
    )
    _apply_rate(request, [verdict])


def _user_principal(request: Request, token: str) -> Principal:
    from api.identity.models import Session, User
    from api.identity.tokens import TokenError

    try:
        claims = request.app.state.token_signer.verify_access(token)
        user_id, session_id = uuid.UUID(claims.sub), uuid.UUID(claims.sid)
    except (TokenError, ValueError) as exc:
        raise _unauthorized(f"access token rejected: {exc}", type_="invalid-token") from None
    now = datetime.now(UTC)
    with DbSession(request.app.state.engine) as db:
        row = db.execute(
            select(Session.revoked_at, Session.expires_at, Session.last_seen_at, User.deleted_at)
            .join(User, User.id == Session.user_id)
            .where(Session.id == session_id, Session.user_id == user_id)
        ).first()
        if row is None or row.revoked_at is not None or row.expires_at <= now or row.deleted_at is not None:
            raise _unauthorized("session is no longer active; sign in again", type_="session-revoked")
        if now - row.last_seen_at > timedelta(seconds=60):  # throttled "last seen"
            db.execute(update(Session).where(Session.id == session_id).values(last_seen_at=now,
                                                                                ip=client_ip(request)))
            db.commit()
    return Principal(kind="user", user_id=user_id, session_id=session_id,
                     scopes=frozenset(claims.scope), is_admin="admin" in claims.scope)


def _key_principal(request: Request, key: str) -> Principal:
    from api.identity import service

    found = service.authenticate_api_key(request.app.state.engine, request.app.state.redis,
                                         request.app.state.settings, key)
    if found is None:
        raise _unauthorized("API key is invalid, expired or revoked", type_="invalid-api-key")
    return found


def _make(requirement: AuthRequirement) -> Any:
    async def dependency(request: Request) -> Principal:
        if requirement.kind == "public":
            # No credentials to check: the per-IP limit (one Redis round trip, or none for rate="none")
            # is awaited on the event loop instead of paying a thread-pool hop.
            await _ip_limit_async(request, requirement.rate)
            principal = Principal(kind="anonymous")
            request.state.principal = principal
            return principal
        return await run_in_threadpool(_authenticate, request, requirement)

    setattr(dependency, AUTH_MARKER, requirement)
    dependency.__name__ = f"auth_{requirement.kind}_{(requirement.scope or '').replace(':', '_')}"
    return Depends(dependency)


def _authenticate(request: Request, requirement: AuthRequirement) -> Principal:
    """Routes that need credentials: database look-ups, so run in the thread pool."""
    _ip_limit(request, requirement.rate)
    creds = _credentials(request)
    if creds is None:
        raise _unauthorized(f"this route needs credentials ({requirement.describe()})")
    kind, value = creds
    if kind == "api_key":
        if requirement.kind in ("user", "admin"):
            # Check the key first so a bad key is a 401, not a hint about which routes exist.
            _key_principal(request, value)
            raise Problem(403, "API keys cannot call this route; it needs a signed-in user",
                          type_="forbidden")
        principal = _key_principal(request, value)
    else:
        principal = _user_principal(request, value)
    request.state.principal = principal
    _principal_limit(request, principal, requirement.rate)
    if requirement.kind == "admin":
        from api.identity.service import user_is_admin

        if not principal.is_admin or not user_is_admin(request.app.state.engine,
                                                       request.app.state.settings, principal.user_id):
            raise Problem(403, "this route is for administrators", type_="forbidden")
    if requirement.kind == "scope" and principal.kind == "api_key" and requirement.scope not in principal.scopes:
        raise Problem(403, f"API key lacks the scope {requirement.scope!r}", type_="insufficient-scope",
                      required_scope=requirement.scope)
    return principal


def _make_public_read(requirement: AuthRequirement) -> Any:
    async def dependency(request: Request) -> Principal:
        creds = _credentials(request)
        if creds is None:
            # The hot path of public reads: one Redis round trip, awaited on the event loop rather than
            # paying a thread-pool hop for it.
            await _ip_limit_async(request, requirement.rate)
            principal = Principal(kind="anonymous")
            request.state.principal = principal
            return principal
        return await run_in_threadpool(_public_read_with_credentials, request, requirement, creds)

    setattr(dependency, AUTH_MARKER, requirement)
    dependency.__name__ = f"auth_public_read_{(requirement.scope or '').replace(':', '_')}"
    return Depends(dependency)


def _public_read_with_credentials(request: Request, requirement: AuthRequirement, creds: tuple[str, str]) -> Principal:
    kind, value = creds
    principal = _key_principal(request, value) if kind == "api_key" else _user_principal(request, value)
    if principal.kind == "api_key" and requirement.scope not in principal.scopes:
        raise Problem(403, f"API key lacks the scope {requirement.scope!r}; call without credentials "
                      "for the anonymous limit", type_="insufficient-scope", required_scope=requirement.scope)
    request.state.principal = principal
    _principal_limit(request, principal, requirement.rate)
    return principal


def public_read(name: str, rate: RateClass = "default") -> Any:
    """Public data: anyone may read it under the per-IP limit; a valid API key with scope ``name`` (or a
    user token) gets the per-principal limit instead. Invalid credentials are a 401, never ignored."""
    if name not in API_SCOPES:
        raise ValueError(f"unknown API scope {name!r}; add it to api.auth.API_SCOPES")
    return _make_public_read(AuthRequirement("public_read", scope=name, rate=rate))


def public(rate: RateClass = "default") -> Any:
    return _make(AuthRequirement("public", rate=rate))


def user(rate: RateClass = "default") -> Any:
    return _make(AuthRequirement("user", rate=rate))


def admin(rate: RateClass = "default") -> Any:
    return _make(AuthRequirement("admin", rate=rate))


def scope(name: str, rate: RateClass = "default") -> Any:
    if name not in API_SCOPES:
        raise ValueError(f"unknown API scope {name!r}; add it to api.auth.API_SCOPES")
    return _make(AuthRequirement("scope", scope=name, rate=rate))


def iter_routes(routes: list[Any], prefix: str = "",
                inherited: tuple[AuthRequirement, ...] = ()) -> Iterator[tuple[str, BaseRoute, list[AuthRequirement]]]:
    """(full path, route, auth requirements) of every route, descending into included routers."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            context = getattr(route, "include_context", None)
            extra = tuple(
                marker for dep in getattr(context, "dependencies", []) or []
                if (marker := getattr(getattr(dep, "dependency", None), AUTH_MARKER, None)) is not None
            )
            yield from iter_routes(list(inner.routes), prefix + (getattr(context, "prefix", "") or ""),
                                   inherited + extra)
        else:
            yield prefix + getattr(route, "path", ""), route, list(inherited) + route_requirements(route)


def route_requirements(route: BaseRoute) -> list[AuthRequirement]:
    """Every auth declaration among the dependencies of a route (should be exactly one)."""
    found: list[AuthRequirement] = []
    dependant = getattr(route, "dependant", None)
    stack = [dependant] if dependant is not None else []
    while stack:
        current = stack.pop()
        marker = getattr(current.call, AUTH_MARKER, None) if current.call else None
        if marker is not None:
            found.append(marker)
        stack.extend(current.dependencies)
    return found


_PROBLEM_SCHEMA = {
    "type": "object",
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"}, "instance": {"type": "string"}, "request_id": {"type": "string"},
    },
    "required": ["type", "title", "status", "detail"],
}


def _problem_response(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def install_openapi(app: FastAPI) -> None:
    """Document each route's auth requirement, rate limit class and error responses in OpenAPI."""

    def build() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        components = schema.setdefault("components", {})
        components.setdefault("schemas", {})["Problem"] = _PROBLEM_SCHEMA
        components["securitySchemes"] = {
            "userToken": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                          "description": "Access token from /v1/auth/siwe, /v1/auth/mfa or /v1/auth/refresh"},
            "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key",
                       "description": "lnc_... API key (also accepted as Authorization: Bearer lnc_...)"},
        }
        for path, route, reqs in iter_routes(list(app.routes)):
            if not isinstance(route, APIRoute) or not route.include_in_schema or not reqs:
                continue
            req = reqs[0]
            for method in route.methods:
                op = schema["paths"].get(path, {}).get(method.lower())
                if op is None:
                    continue
                op["x-lancer-auth"] = {"kind": req.kind, **({"scope": req.scope} if req.scope else {})}
                if req.kind == "public_read":
                    op["x-lancer-auth"]["optional"] = True
                op["x-rate-limit"] = req.rate
                op["description"] = (op.get("description") or "") + f"\n\n**Auth:** {req.describe()}."
                responses = op.setdefault("responses", {})
                if req.kind == "public":
                    op["security"] = []
                elif req.kind == "public_read":
                    op["security"] = [{}, {"userToken": []}, {"apiKey": []}]
                elif req.kind in ("user", "admin"):
                    op["security"] = [{"userToken": []}]
                else:
                    op["security"] = [{"userToken": []}, {"apiKey": []}]
                if req.kind != "public":
                    responses.setdefault("401", _problem_response("Missing or invalid credentials"))
                    responses.setdefault("403", _problem_response("Credentials lack the required role or scope"))
                if req.kind == "public_read":
                    responses["401"]["description"] = "Credentials were sent but are invalid (omit them to read anonymously)"
                # Any route can answer 400: a malformed request (bad Content-Length, forged cursor, ...).
                responses.setdefault("400", _problem_response("Malformed request (e.g. a cursor this API did not issue)"))
                if req.rate != "none":
                    responses.setdefault("429", _problem_response("Rate limit exceeded (see Retry-After)"))
                if route.body_field is not None:
                    responses.setdefault("413", _problem_response("Request body too large"))
                if "422" in responses:
                    responses["422"] = _problem_response("Invalid input")
                for code, response in responses.items():
                    # Error responses declared on routes as plain descriptions are problem documents too.
                    if code[:1] in "45" and "content" not in response:
                        responses[code] = _problem_response(response.get("description", "Error"))
        app.openapi_schema = schema
        return schema

    app.openapi = build  # type: ignore[method-assign]


AuthDependency = Callable[..., Principal]
