"""Keeping secrets out of logs: a structlog processor that redacts URLs and known secret values.

Network errors (web3, requests, httpx, redis, psycopg) put the URL they failed on in their message, and
hosted RPC URLs carry the provider's API key in their path or query (``/v3/<key>``, ``?apikey=``); DSNs
carry passwords. Every URL in a log event is cut to ``scheme://host[:port]/…`` (its user info, path and
query dropped), and every registered secret value is replaced, in every string of the event (the message,
its fields and the formatted traceback). Stdlib only, so any process's logging can install it.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterable, Mapping, MutableMapping
from typing import Any

import structlog

REDACTED = "[redacted]"
# scheme://[userinfo@]host[:port][/path][?query][#fragment], up to whitespace or a closing quote/bracket.
_URL = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]{1,20})://(?:[^\s/@'\"<>]*@)?(?P<host>[^\s/?#'\"<>@]*)"
                  r"(?P<rest>[^\s'\"<>)\]]*)")
_MIN_SECRET = 8  # shorter values would redact ordinary words

_lock = threading.Lock()
_secrets: tuple[str, ...] = ()


def register_secrets(values: Iterable[str | None]) -> None:
    """Values that must never appear in a log line (keys, passwords, full provider URLs)."""
    global _secrets
    with _lock:
        found = set(_secrets) | {v for v in values if v and len(v) >= _MIN_SECRET}
        # Longest first, so a URL is replaced whole before a shorter secret inside it.
        _secrets = tuple(sorted(found, key=len, reverse=True))


def _url(match: re.Match[str]) -> str:
    rest = match.group("rest")
    return f"{match.group('scheme')}://{match.group('host')}" + ("/…" if rest.strip("/") else "")


def redact_text(text: str) -> str:
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return _URL.sub(_url, text)


def redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {k: redact_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(redact_value(v) for v in value)
    if isinstance(value, BaseException):
        return redact_text(f"{type(value).__name__}: {value}")
    return value


def redact_processor(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor; place it after ``format_exc_info`` and before the renderer."""
    for key, value in event_dict.items():
        event_dict[key] = redact_value(value)
    return event_dict


def install_redaction(secret_values: Iterable[str | None] = ()) -> None:
    """Insert the processor just before the renderer of the current structlog configuration (idempotent)."""
    register_secrets(secret_values)
    processors = list(structlog.get_config()["processors"])
    if redact_processor in processors:
        return
    processors.insert(max(len(processors) - 1, 0), redact_processor)
    structlog.configure(processors=processors)


# Environment variables whose values are secrets wherever they are read (each process reads its own).
SECRET_ENV = ("DATABASE_URL", "REDIS_URL", "JWT_KEYS", "TOTP_ENCRYPTION_KEYS", "DATA_ENCRYPTION_KEYS",
              "ATTESTER_PRIVATE_KEY", "DEPLOYER_PRIVATE_KEY", "APE_ACCOUNT_PASSPHRASE", "OFFSET_RECORDER_PRIVATE_KEY",
              "REWARDS_OPERATOR_PRIVATE_KEY",
              "OFFSET_PROVIDER_API_KEY", "OFFSET_PROVIDER_BASE_URL")


def _secret(value: Any) -> str:
    return value.get_secret_value() if hasattr(value, "get_secret_value") else str(value or "")


def secrets_of(settings: Any) -> list[str]:
    """The secret values a process knows: its connection URLs, the secret environment variables (and the
    keys inside JSON key rings), and every RPC URL of its chain registry."""
    found: list[str] = [_secret(getattr(settings, "database_url", "")), _secret(getattr(settings, "redis_url", ""))]
    for name in SECRET_ENV:
        value = os.environ.get(name, "")
        found.append(value)
        if value.startswith("{"):
            try:
                found += [v for v in json.loads(value).values() if isinstance(v, str)]
            except (ValueError, AttributeError):
                pass
    try:
        found += [url for chain in settings.registry().chains if not chain.local for url in chain.rpc_url_strings]
    except Exception:  # an invalid registry is reported by the command that uses it
        pass
    return found
