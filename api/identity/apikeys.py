"""API key format: ``lnc_<prefix>_<secret>``; we store the public prefix (lookup) and SHA-256 of the key."""

from __future__ import annotations

import re
import secrets
import string

from api.auth.authenticate import API_KEY_PREFIX as KEY_PREFIX

_PREFIX_ALPHABET = string.ascii_lowercase + string.digits
_KEY_RE = re.compile(r"^lnc_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$")


def new_api_key() -> tuple[str, str]:
    """(full key shown once, public prefix)."""
    prefix = "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(12))
    return f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}", prefix


def parse_api_key(key: str) -> str | None:
    """The public prefix of a well-formed key, else None."""
    match = _KEY_RE.match(key)
    return match.group(1) if match else None
