"""Feature flags: one per product area, on or off from configuration, with per-user and per-org overrides.

The global switch is a boolean setting (``ENABLE_<AREA>``); routes name it with ``feature="enable_<area>"``
in their auth declaration (``api.auth.dependencies``). Off, a route answers 404 and is left out of
OpenAPI. An override in the database (``feature_overrides``, set by an admin) turns an area on for one
user or every member of one org while it is off for everyone else (a beta), or off for them while it is
on. A user's own override wins over their orgs'; among orgs, one that enables wins.

The overrides are read through :class:`FeatureOverrides`, which the features domain installs on
``app.state.feature_overrides`` (``api.auth`` stays free of domain imports).
"""

from __future__ import annotations

import uuid
from typing import Any, Protocol

# Product area -> the settings attribute that switches it (and the name routes declare).
FEATURES: dict[str, str] = {
    "2fa": "enable_2fa",
    "matching": "enable_matching",
    "community": "enable_community",
    "support": "enable_support",
    "integrations": "enable_integrations",
    "token_economy": "enable_token_economy",
    "sustainability": "enable_sustainability",
    "escrow_service": "enable_escrow_service",
    "notifications": "enable_notifications",
    "dashboards": "enable_dashboards",
    "skill_verification": "enable_skill_verification",
}
AREAS: dict[str, str] = {flag: area for area, flag in FEATURES.items()}


def flag_of(name: str) -> str | None:
    """The flag (settings attribute) for an area name or a flag name; None when it is neither."""
    if name in FEATURES:
        return FEATURES[name]
    return name if name in AREAS else None


def globally_enabled(settings: Any, flag: str | None) -> bool:
    """The configured state of a flag (None: the route has no flag)."""
    return flag is None or bool(getattr(settings, flag))


class FeatureOverrides(Protocol):
    def resolve(self, flag: str, user_id: uuid.UUID) -> bool | None:
        """The override that applies to this user (their own, else their orgs'), None when there is none."""

    def has_any(self, flag: str) -> bool:
        """Whether any override of this flag exists (lets the common case skip the look-up)."""


def enabled_for(settings: Any, overrides: FeatureOverrides | None, flag: str | None,
                user_id: uuid.UUID | None) -> bool:
    """The effective state of a flag for a caller (anonymous callers: the configured state)."""
    configured = globally_enabled(settings, flag)
    if flag is None or user_id is None or overrides is None or not overrides.has_any(flag):
        return configured
    override = overrides.resolve(flag, user_id)
    return configured if override is None else override
