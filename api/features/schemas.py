from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class OverrideIn(BaseModel):
    enabled: bool = Field(description="The area's state for this user or org, whatever the configuration says")
    reason: str | None = Field(None, max_length=200, description="Why (kept in the audit log)")


class OverrideOut(BaseModel):
    subject_kind: Literal["user", "org"]
    subject_id: uuid.UUID
    enabled: bool
    reason: str | None
    set_by: uuid.UUID | None
    updated_at: datetime


class FlagOut(BaseModel):
    area: str
    flag: str = Field(description="The setting that switches the area (ENABLE_<AREA> in the environment)")
    enabled: bool = Field(description="The configured state (for callers without an override)")
    overrides: list[OverrideOut]


class FlagList(BaseModel):
    items: list[FlagOut]


class MyFlags(BaseModel):
    features: dict[str, bool] = Field(description="Product area -> whether it is on for the caller")
