"""Reputation responses."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class ReputationOut(BaseModel):
    address: str
    formula_version: str = Field(description="Name of the formula that computed the score (README)")
    score: float = Field(description="0 to 100")
    as_of: datetime = Field(description="Time the decay was computed at")
    parts: dict[str, Any] = Field(description="Each part's inputs, decayed value and points; amounts as decimal strings")
    attestations_counted: list[str] = Field(description="UIDs of the attestations that entered the score")
    index_version: str = Field(description="Version of the index and attestation data the score was computed from")
    cached: bool
