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


class ScorePoint(BaseModel):
    at: datetime
    score: float
    formula_version: str


class EventOut(BaseModel):
    type: str = Field(description="escrow_completed | on_time_delivery | dispute_won | dispute_lost | "
                                  "review_received | skill_verified")
    weight: float = Field(description="Points the fact brings before decay and caps")
    payload: dict[str, Any]
    at: datetime = Field(description="When the fact happened (block or attestation time)")


class BadgeOut(BaseModel):
    id: str
    name: str
    rule: str
    earned: bool
    earned_at: datetime | None
    progress: str | None


class HistoryOut(BaseModel):
    address: str
    formula_version: str
    series: list[ScorePoint] = Field(description="The score each time the confirmed data changed, oldest first")
    events: list[EventOut] = Field(description="Confirmed facts that count, newest first")
    badges: list[BadgeOut]
