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
