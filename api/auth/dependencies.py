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

import time
from collections.abc import Callable
from typing import Any

from fastapi import Depends, Request, WebSocket
from starlette.concurrency import run_in_threadpool

from api.auth.authenticate import authenticator, credentials, key_principal, principal_from, unauthorized
from api.auth.principal import Principal
from api.auth.requirements import AUTH_MARKER, AuthRequirement
from api.auth.scopes import Scope, holds, parse_scope
from api.kit.fastread import AUTHORIZE as FAST_READ_AUTHORIZE
from api.kit.fastread import ELIGIBLE as FAST_READ_ELIGIBLE
from api.kit.features import enabled_for, globally_enabled
from api.kit.problems import Problem
from api.kit.ratelimit import (
    RateClass,
    alimit_ip,
    alimit_principal,
    alimit_credentialed,
    alimit_ip_then_guard,
    count_auth_failure,
    count_use,
    limit_ip,
    limit_principal,
    refuse_if_failing,
)


def _anonymous(request: Request) -> Principal:
    principal = Principal(kind="anonymous")
    request.state.principal = principal
    return principal


def feature_enabled(settings: Any, feature: str | None) -> bool:
    """The configured state of a route's flag (what OpenAPI shows); overrides apply per caller."""
    return globally_enabled(settings, feature)


def _not_found(request: Request) -> Problem:
    # Off, the route does not exist: the same 404 as an unknown path (and it is left out of OpenAPI).
    return Problem(404, f"no route {request.url.path}", type_="not-found")


def _require_feature(request: Request, requirement: AuthRequirement) -> None:
    """Routes without credentials: the configured state only."""
    if not feature_enabled(request.app.state.settings, requirement.feature):
        raise _not_found(request)


def _feature_for(request: Request, flag: str, principal: Principal | None) -> bool:
    overrides = getattr(request.app.state, "feature_overrides", None)
    user_id = principal.user_id if principal is not None else None
    return enabled_for(request.app.state.settings, overrides, flag, user_id)


def _authenticate_flagged(request: Request, requirement: AuthRequirement) -> Principal:
    """A flagged route that needs credentials: the flag's state for this caller (their override, else the
    configured state). Off for them, any answer is the 404 of a route that does not exist, including for
    a caller whose credentials fail (a 401 would tell the route is there)."""
    flag = requirement.feature
    if flag is None:
        return _authenticate(request, requirement)
    if not feature_enabled(request.app.state.settings, flag) and credentials(request) is None:
        raise _not_found(request)
    return _behind_flag(request, flag, lambda: _authenticate(request, requirement))


def _behind_flag(request: Request, flag: str, check: Callable[[], Principal]) -> Principal:
    """Run a credential check on a flagged route: off for this caller, every answer is a 404."""
    configured = feature_enabled(request.app.state.settings, flag)
    try:
        principal = check()
    except Problem:
        if not configured and not _feature_for(request, flag, getattr(request.state, "principal", None)):
            raise _not_found(request) from None
        raise
    if not _feature_for(request, flag, principal):
        raise _not_found(request)
    return principal


def _require_proofs(request: Request, requirement: AuthRequirement, principal: Principal) -> None:
    """Step-up and TOTP requirements, read from the access token's ``auth_time`` and ``amr``."""
    settings = request.app.state.settings
    if requirement.mfa:
        if not settings.enable_2fa:
            raise Problem(403, "this route needs a session signed in with 2FA, and 2FA is disabled on this "
                          "deployment (ENABLE_2FA)", type_="mfa-required")
        if not principal.mfa_enrolled:
            raise Problem(403, "this route needs two-factor authentication: enrol TOTP (POST /v1/me/2fa/setup) "
                          "and sign in again with a code", type_="mfa-required")
        if not principal.has_otp:
            raise Problem(403, "this route needs a session that proved a TOTP code: sign in again with your "
                          "code, or step up (POST /v1/auth/step-up with a code)", type_="mfa-required")
    if requirement.step_up:
        max_age = settings.step_up_max_age_seconds
        fresh = principal.auth_time is not None and time.time() - principal.auth_time <= max_age
        proofs_ok = principal.has_otp or not (principal.mfa_enrolled and settings.enable_2fa)
        if not fresh or not proofs_ok:
            proof = "a TOTP or backup code" if principal.mfa_enrolled and settings.enable_2fa else \
                "a SIWE signature of one of your linked wallets"
            raise Problem(403, f"this change needs a recent confirmation (within {max_age} s): POST "
                          f"/v1/auth/step-up with {proof}, then retry with the new access token",
                          type_="step-up-required", max_age=max_age)


def require_step_up(request: Request, principal: Principal) -> None:
    """Step-up checked inside a handler, for routes where only some changes need it (a webhook's URL,
    a provider's token): an API key never qualifies, a user session must have proved itself recently."""
    if principal.kind != "user":
        raise Problem(403, "this change needs a signed-in user with a recent step-up (POST /v1/auth/step-up); "
                      "API keys cannot make it", type_="step-up-required",
                      max_age=request.app.state.settings.step_up_max_age_seconds)
    _require_proofs(request, AuthRequirement("user", step_up=True), principal)


def _make(requirement: AuthRequirement) -> Any:
    async def dependency(request: Request) -> Principal:
        if requirement.kind == "public":
            _require_feature(request, requirement)
            # No credentials to check: the per-IP limit (one Redis round trip, or none for rate="none")
            # is awaited on the event loop instead of paying a thread-pool hop.
            await alimit_ip(request, requirement.rate)
            return _anonymous(request)
        if requirement.kind == "scope" and requirement.feature is None:
            principal = await _authenticate_scope(request, requirement)
            if principal.kind == "api_key":
                request.scope[FAST_READ_AUTHORIZE] = fast_authorize  # for a route that opts in (fastread)
            return principal
        if requirement.kind == "user" and requirement.feature is None:
            # A signed-in user this process remembers: ``_authenticate``'s answers without its thread hop,
            # database look-up and three blocking Redis round trips (one command on the event loop).
            remembered = await _remembered_and_limited(request, requirement)
            if remembered is not None:
                _require_proofs(request, requirement, remembered)
                return remembered
        return await run_in_threadpool(_authenticate_flagged, request, requirement)

    async def fast_authorize(request: Request) -> bool:
        """This route's auth for a repeat answered before routing (``api.kit.fastread``): only for an API key
        this process remembers (else False, nothing counted: the full path decides); then exactly
        ``_authenticate_scope``: the same checks, in the same order, with the same answers."""
        remembered = _remembered_key(request) if requirement.rate == "default" else None
        if remembered is None:
            return False
        await _authenticate_scope(request, requirement, remembered)
        return True

    setattr(dependency, AUTH_MARKER, requirement)
    dependency.__name__ = f"auth_{requirement.kind}_{(requirement.scope or '').replace(':', '_')}"
    return Depends(dependency)


def _counting_failures(request: Request, check: Callable[[], Principal]) -> Principal:
    """Run a credential check; a 401 counts against the caller's IP (``refuse_if_failing`` ran before)."""
    try:
        return check()
    except Problem as exc:
        if exc.status == 401:
            count_auth_failure(request)
        raise


def _authenticate(request: Request, requirement: AuthRequirement) -> Principal:
    """Routes that need credentials: database look-ups, so run in the thread pool."""
    limit_ip(request, requirement.rate)
    creds = credentials(request)
    if creds is None:
        raise unauthorized(f"this route needs credentials ({requirement.describe()})")
    refuse_if_failing(request)
    kind, value = creds
    if kind == "api_key" and requirement.kind in ("user", "admin"):
        # Check the key first so a bad key is a 401, not a hint about which routes exist.
        _counting_failures(request, lambda: key_principal(request, value))
        raise Problem(403, "API keys cannot call this route; it needs a signed-in user", type_="forbidden")
    principal = _counting_failures(request, lambda: principal_from(request, kind, value))
    request.state.principal = principal
    limit_principal(request, principal.rate_identity, requirement.rate)
    if requirement.kind == "admin":
        if not principal.is_admin or not authenticator(request).is_admin(principal.user_id):
            raise Problem(403, "this route is for administrators", type_="forbidden")
    if principal.kind == "user":
        _require_proofs(request, requirement, principal)
    elif requirement.step_up or requirement.mfa:
        raise Problem(403, "API keys cannot call this route; it needs a signed-in user", type_="forbidden")
    if requirement.kind == "scope" and principal.kind == "api_key" and not holds(principal.scopes, requirement.scope):
        raise Problem(403, f"API key lacks the scope {requirement.scope!r}", type_="insufficient-scope",
                      required_scope=requirement.scope)
    return principal


async def _authenticate_scope(request: Request, requirement: AuthRequirement,
                              remembered: Principal | None = None) -> Principal:
    """``_authenticate`` for unflagged scope routes (the integrators' reads), in the same order with the
    same answers, but at most the database check of the credentials in the thread pool: the rate-limit hits
    and the failed-authentication guard are awaited on the event loop (pipelined with other requests'
    Redis commands) instead of blocking Redis round trips. An API key or access token this process verified
    recently and that is unchanged since (``api.identity.keycache``, ``api.identity.sessioncache``) needs no
    database, and its whole sequence (per-IP hit, failure guard, a key's use counted, per-principal hit) is
    one Redis command."""
    found = await _remembered_and_limited(request, requirement, remembered)
    if found is not None:
        principal = found
    else:
        creds = await alimit_ip_then_guard(request, requirement.rate,
                                           lambda: _required_credentials(request, requirement))
        principal = await _aidentify(request, creds)
        request.state.principal = principal
        await alimit_principal(request, principal.rate_identity, requirement.rate)
    if principal.kind == "user":
        _require_proofs(request, requirement, principal)
    elif requirement.step_up or requirement.mfa:
        raise Problem(403, "API keys cannot call this route; it needs a signed-in user", type_="forbidden")
    if principal.kind == "api_key" and not holds(principal.scopes, requirement.scope):
        raise Problem(403, f"API key lacks the scope {requirement.scope!r}", type_="insufficient-scope",
                      required_scope=requirement.scope)
    return principal


def _remembered(request: Request) -> tuple[Principal, tuple[str, str] | None] | None:
    """The principal of the request's credentials when this process remembers them (no I/O), with the Redis
    counter of an API key's uses (None for a user's token); None when they must be checked."""
    try:
        creds = credentials(request)
    except Problem:  # malformed: the usual path answers it, after the per-IP hit
        return None
    if creds is None:
        return None
    if creds[0] == "jwt":
        user_principal = authenticator(request).remembered_user(creds[1])
        return None if user_principal is None else (user_principal, None)
    key = authenticator(request).remembered_api_key(creds[1])
    usage = authenticator(request).remembered_use_counter(key) if key is not None else None
    return None if key is None or usage is None else (key, usage)


async def _remembered_and_limited(request: Request, requirement: AuthRequirement,
                                  key: Principal | None = None) -> Principal | None:
    """For a "default" rate route: the remembered principal of the request's credentials (``key``: an API key
    the caller already found remembered), once its per-IP hit, failure guard, use and per-principal hit went
    through in one Redis command (``alimit_credentialed``; raises its 429s). None, with nothing done, when
    the usual path must run: nothing remembered, rate limiting off, or a principal this route refuses
    before its per-principal hit (an API key on a user route; on a public read, a key without the scope)."""
    if requirement.rate != "default":
        return None
    if key is not None:
        usage = authenticator(request).remembered_use_counter(key)
        found = None if usage is None else (key, usage)
    else:
        found = _remembered(request)
    if found is None:
        return None
    principal, usage = found
    if requirement.kind == "user" and principal.kind != "user":
        return None
    if requirement.kind == "public_read" and principal.kind == "api_key" and not holds(principal.scopes,
                                                                                     requirement.scope):
        return None
    if not await alimit_credentialed(request, principal.rate_identity or "", usage):
        return None
    request.state.principal = principal
    return principal


def _remembered_key(request: Request) -> Principal | None:
    """The principal of the request's API key when this process remembers it (no I/O), else None."""
    try:
        creds = credentials(request)
    except Problem:  # malformed: the usual path answers it, after the per-IP hit
        return None
    if creds is None or creds[0] != "api_key":
        return None
    return authenticator(request).remembered_api_key(creds[1])


def _required_credentials(request: Request, requirement: AuthRequirement) -> tuple[str, str]:
    creds = credentials(request)
    if creds is None:
        raise unauthorized(f"this route needs credentials ({requirement.describe()})")
    return creds


async def _aidentify(request: Request, creds: tuple[str, str]) -> Principal:
    """The credential check (after the failed-authentication guard): an API key or access token this process
    remembers is answered from memory (a key's use counted with the next Redis command); otherwise the
    database look-ups, in one thread hop."""
    kind, value = creds
    if kind == "api_key":
        found = authenticator(request).remembered_api_key(value)
        usage = authenticator(request).remembered_use_counter(found) if found is not None else None
        if found is not None and usage is not None:
            count_use(request, usage)
            return found
    else:
        remembered = authenticator(request).remembered_user(value)
        if remembered is not None:
            return remembered
    return await run_in_threadpool(_counting_failures, request, lambda: principal_from(request, kind, value))


def _make_public_read(requirement: AuthRequirement) -> Any:
    async def dependency(request: Request) -> Principal:
        # The per-IP bucket first, always: sending credentials (even made-up ones) must not buy a way
        # around it. One Redis round trip, awaited on the event loop.
        if requirement.feature is None:
            # Credentials this process remembers (a signed-in user's token, an API key with the scope): that
            # per-IP hit first too, then the failure guard, the per-principal hit (and a key's use), in one
            # Redis command with the same answers; no thread-pool hop, no database.
            remembered = await _remembered_and_limited(request, requirement)
            if remembered is not None:
                return remembered
        await alimit_ip(request, requirement.rate)
        creds = credentials(request)
        if creds is None:
            _require_feature(request, requirement)
            if requirement.feature is None and requirement.rate == "default":
                request.scope[FAST_READ_ELIGIBLE] = True  # its cached answer may be replayed (api.kit.fastread)
            return _anonymous(request)
        if requirement.feature is None:
            # Unflagged (signed-in searches, integrators' reads): only the credential check in the thread
            # pool; the per-principal hit awaited on the event loop (batched with other requests' hits)
            # instead of a blocking Redis round trip in that thread. Same order and answers.
            principal = await run_in_threadpool(_public_read_principal, request, requirement, creds)
            await alimit_principal(request, principal.rate_identity, requirement.rate)
            return principal
        return await run_in_threadpool(_public_read_flagged, request, requirement, creds)

    setattr(dependency, AUTH_MARKER, requirement)
    dependency.__name__ = f"auth_public_read_{(requirement.scope or '').replace(':', '_')}"
    return Depends(dependency)


def _public_read_flagged(request: Request, requirement: AuthRequirement, creds: tuple[str, str]) -> Principal:
    flag = requirement.feature
    if flag is None:
        return _public_read_with_credentials(request, requirement, creds)
    return _behind_flag(request, flag, lambda: _public_read_with_credentials(request, requirement, creds))


def _public_read_principal(request: Request, requirement: AuthRequirement, creds: tuple[str, str]) -> Principal:
    """The failed-authentication guard, the credential check and the scope (database look-ups)."""
    refuse_if_failing(request)
    principal = _counting_failures(request, lambda: principal_from(request, *creds))
    if principal.kind == "api_key" and not holds(principal.scopes, requirement.scope):
        raise Problem(403, f"API key lacks the scope {requirement.scope!r}; call without credentials "
                      "for the anonymous limit", type_="insufficient-scope", required_scope=requirement.scope)
    request.state.principal = principal
    return principal


def _public_read_with_credentials(request: Request, requirement: AuthRequirement, creds: tuple[str, str]) -> Principal:
    principal = _public_read_principal(request, requirement, creds)
    limit_principal(request, principal.rate_identity, requirement.rate)
    return principal


def public_read(name: str | Scope, rate: RateClass = "default", *, feature: str | None = None) -> Any:
    """Public data: anyone may read it under the per-IP limit; a valid API key with scope ``name`` (or a
    user token) gets the per-principal limit instead. Invalid credentials are a 401, never ignored."""
    return _make_public_read(AuthRequirement("public_read", scope=parse_scope(name).value, rate=rate,
                                             feature=feature))


def public(rate: RateClass = "default", *, feature: str | None = None) -> Any:
    return _make(AuthRequirement("public", rate=rate, feature=feature))


def user(rate: RateClass = "default", *, step_up: bool = False, mfa: bool = False, feature: str | None = None,
         role: str | None = None) -> Any:
    return _make(AuthRequirement("user", rate=rate, step_up=step_up, mfa=mfa, feature=feature, role=role))


def admin(rate: RateClass = "default", *, step_up: bool = False, feature: str | None = None) -> Any:
    """Admins must have TOTP 2FA and a session that proved it."""
    return _make(AuthRequirement("admin", rate=rate, step_up=step_up, mfa=True, feature=feature))


def scope(name: str | Scope, rate: RateClass = "default", *, feature: str | None = None) -> Any:
    return _make(AuthRequirement("scope", scope=parse_scope(name).value, rate=rate, feature=feature))


def websocket_user() -> Any:
    """WebSocket routes of signed-in users. A handshake cannot carry a problem document, so the handler
    itself authenticates the access token sent as the first message and closes with 4401 otherwise
    (see ``api.messages.router``); this declaration states that and documents it for the route test."""

    async def dependency(websocket: WebSocket) -> None:
        return None

    setattr(dependency, AUTH_MARKER, AuthRequirement("user", rate="none"))
    dependency.__name__ = "auth_websocket_user"
    return Depends(dependency)
