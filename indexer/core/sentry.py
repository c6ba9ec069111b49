"""Sentry error reporting, on only when ``SENTRY_DSN`` is set (nothing is imported otherwise).

Errors are always sent (sample rate 1.0); performance traces and profiles by configurable rates, with a
lower one for health checks and metrics scrapes. Events carry the release and the environment. Before an
event leaves the process, :func:`scrub` removes credentials: values under keys that name a token,
secret, signature, code, key or password (request headers, cookies, query strings, bodies, local
variables, breadcrumbs, extra data), and values that look like one wherever they are (JWTs, Lancer API
keys, ECDSA signatures, bearer headers, URL user info and query strings).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

REDACTED = "[Filtered]"
# Key names whose values are never sent (matched on the lower-cased key, anywhere in it).
_SENSITIVE_KEY = re.compile(
    r"token|secret|signature|passw|authorization|cookie|api[-_]?key|x-api-key|private|mnemonic|seed|"
    r"otp|totp|mfa|backup|(?<!status_)(?<!error_)code|nonce|session|dsn|credential|jwt|csrf|^sig$|^key$|_key$|"
    r"-key$|query_string")
# Values that are credentials whatever their key: JWTs, Lancer API keys, 65-byte signatures, bearer values.
_SENSITIVE_VALUE = re.compile(
    r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"
    r"|lnc_[A-Za-z0-9_-]{16,}"
    r"|0x[0-9a-fA-F]{130}\b"
    r"|(?i:bearer)\s+[A-Za-z0-9._~+/=-]{8,}")
# URLs: user info and query string dropped (provider keys live there); the path is kept.
_URL_SECRETS = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]{1,20}://)[^\s/@'\"<>]*@|(?P<query>\?[^\s'\"<>#]+)")
HEALTH_PATHS = ("/health/", "/metrics")


def _clean_string(value: str) -> str:
    value = _SENSITIVE_VALUE.sub(REDACTED, value)
    if "://" in value or "?" in value:
        value = _URL_SECRETS.sub(lambda m: m.group("scheme") if m.group("scheme") else "?" + REDACTED, value)
    return value


def scrub(value: Any, depth: int = 0) -> Any:
    """A copy of an event (or part of it) with credentials replaced by ``[Filtered]``."""
    if depth > 20:
        return value
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        for key, item in value.items():
            if isinstance(key, str) and _SENSITIVE_KEY.search(key.lower()) and item not in (None, "", [], {}):
                out[key] = REDACTED
            else:
                out[key] = scrub(item, depth + 1)
        return out
    if isinstance(value, list | tuple):
        # [name, value] pairs (headers, cookies in some integrations) are judged by their name.
        if len(value) == 2 and isinstance(value[0], str) and _SENSITIVE_KEY.search(value[0].lower()):
            return [value[0], REDACTED]
        return [scrub(item, depth + 1) for item in value]
    if isinstance(value, str):
        return _clean_string(value)
    return value


def _before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    cleaned = scrub(event)
    # Structural fields Sentry needs must survive the key rule (e.g. "session" in contexts is harmless
    # after scrubbing; event ids and timestamps hold no secrets).
    for keep in ("event_id", "timestamp", "release", "environment", "platform", "level", "sdk"):
        if keep in event:
            cleaned[keep] = event[keep]
    return cleaned  # type: ignore[no-any-return]


def _before_breadcrumb(crumb: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    return scrub(crumb)  # type: ignore[no-any-return]


def _sampler(rate: float, health_rate: float) -> Callable[[dict[str, Any]], float]:
    def sample(context: dict[str, Any]) -> float:
        scope = context.get("asgi_scope") or {}
        path = scope.get("path") or (context.get("transaction_context") or {}).get("name") or ""
        if isinstance(path, str) and path.startswith(HEALTH_PATHS):
            return health_rate
        parent = context.get("parent_sampled")
        return float(parent) if parent is not None else rate

    return sample


def setup_sentry(settings: Any, component: str) -> bool:
    """Initialise the Sentry SDK for this process when ``SENTRY_DSN`` is set; False otherwise."""
    dsn = getattr(settings, "sentry_dsn", None)
    if dsn is None or not dsn.get_secret_value().strip():
        return False
    import sentry_sdk

    environment = settings.sentry_environment or getattr(settings, "environment", None) or "development"
    sentry_sdk.init(
        dsn=dsn.get_secret_value().strip(),
        release=settings.sentry_release or _default_release(),
        environment=environment,
        sample_rate=1.0,  # every error
        traces_sampler=_sampler(settings.sentry_traces_sample_rate, settings.sentry_health_sample_rate),
        profiles_sampler=_sampler(settings.sentry_profiles_sample_rate, 0.0),
        send_default_pii=False,
        include_local_variables=False,  # locals hold sessions, keys and request bodies
        max_request_body_size="never",
        before_send=_before_send,
        before_send_transaction=_before_send,
        before_breadcrumb=_before_breadcrumb,
    )
    sentry_sdk.set_tag("component", component)
    return True


def _default_release() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"lancer@{version('lancer')}"
    except PackageNotFoundError:
        return "lancer@unknown"
