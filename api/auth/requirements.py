"""What a route requires of its caller, and how to find that declaration on any route.

Each auth dependency (``api.auth.dependencies``) carries an :class:`AuthRequirement` under
``__lancer_auth__``; the OpenAPI post-processing and the route-coverage test read it from there.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from starlette.routing import BaseRoute

from api.kit.ratelimit import RateClass

Kind = Literal["public", "public_read", "user", "admin", "scope"]
AUTH_MARKER = "__lancer_auth__"

__all__ = ["AUTH_MARKER", "AuthRequirement", "Kind", "RateClass", "iter_routes", "route_requirements"]


@dataclass(frozen=True)
class AuthRequirement:
    kind: Kind
    scope: str | None = None
    rate: RateClass = "default"
    # Step-up: the session proved itself recently (sign-in or POST /v1/auth/step-up within
    # STEP_UP_MAX_AGE_SECONDS), with TOTP when the user has 2FA. For changes to sign-in methods, keys,
    # payout addresses, exports and erasure.
    step_up: bool = False
    # The session's sign-in included TOTP (admins and verifiers).
    mfa: bool = False
    # A feature flag (settings attribute) the route exists under: off, it is a 404 and not in OpenAPI.
    feature: str | None = None
    # A role inside the product (community moderator, support agent) the handler checks against the
    # database: anyone else signed in gets a 403. Declared here so the route tests and OpenAPI know it.
    role: str | None = None

    def describe(self) -> str:
        extra = f"; only a {self.role} (others get 403)" if self.role else ""
        if self.mfa:
            extra += "; the session must have signed in with TOTP 2FA"
        if self.step_up:
            extra += "; needs a recent step-up (POST /v1/auth/step-up)"
        return self._base() + extra

    def _base(self) -> str:
        return {
            "public": "public: no credentials needed",
            "public_read": f"public: no credentials needed (per-IP limit); an API key with scope {self.scope} "
                           "or a user token raises the limit to the per-principal one",
            "user": "user: a signed-in user's access token (Authorization: Bearer <JWT>)",
            "admin": "admin: access token of a user who holds an admin wallet",
            "scope": f"scope {self.scope}: an API key with this scope (X-API-Key or Bearer) or a user token",
        }[self.kind]


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
