from __future__ import annotations

import uuid
from datetime import datetime

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ExportOut(BaseModel):
    id: uuid.UUID
    status: str = Field(description="pending | ready | failed")
    created_at: datetime
    completed_at: datetime | None
    expires_at: datetime | None
    download_url: str | None


class DeletionOut(BaseModel):
    status: str = Field(description="scheduled | cancelled")
    scheduled_for: datetime | None
    erased: list[str]
    retained: list[str] = Field(description="What stays after erasure, and why")
    cancel_with: str = "POST /v1/me/deletion/cancel"


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    document: Literal["terms", "privacy"] = Field(description="Which legal document")
    version: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$",
                         description="The version the user was shown, e.g. 2026-11-01")


class ConsentOut(BaseModel):
    id: uuid.UUID
    document: str
    version: str
    accepted_at: datetime
    ip: str
    user_agent: str
