"""Who made a request, as the auth dependencies established it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Literal


@dataclass
class Principal:
    kind: Literal["anonymous", "user", "api_key"]
    user_id: uuid.UUID | None = None
    session_id: uuid.UUID | None = None
    api_key_id: uuid.UUID | None = None
    api_key_prefix: str | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)
    is_admin: bool = False
    # From the access token: when the session last proved who it is (epoch s) and how (RFC 8176 amr).
    auth_time: int | None = None
    amr: frozenset[str] = field(default_factory=frozenset)
    mfa_enrolled: bool = False  # the user has TOTP 2FA enabled (read with the session on every call)

    @property
    def has_otp(self) -> bool:
        return "otp" in self.amr

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
