from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field


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
