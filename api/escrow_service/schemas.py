"""Escrow-as-a-service bodies: an intent's terms, its prepared transactions, its chain-derived state."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.engagements.schemas import PreparedOut, State, StateOut
from api.kit.money import BaseUnits, BaseUnitsIn


class MilestoneIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field("", max_length=200)
    amount: BaseUnitsIn


class IntentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    external_id: str = Field(min_length=1, max_length=128, pattern=r"^[\x21-\x7e]+$",
                             description="Your own id for this escrow; unique per API key owner")
    chain: str = Field(min_length=1, max_length=64, description="Chain name or id from /v1/chains")
    token: str = Field(min_length=1, max_length=42, description="'native', 'LNC' or the token address")
    client_address: str = Field(max_length=42, description="The wallet that creates and funds the escrow")
    freelancer_address: str = Field(max_length=42, description="The wallet that gets paid")
    arbiter: str = Field(max_length=42, description="The wallet that resolves disputes")
    milestones: list[MilestoneIn] = Field(min_length=1, max_length=50)
    review_period_seconds: int = Field(7 * 86_400, ge=0, le=365 * 86_400)


class MilestoneOut(BaseModel):
    index: int
    title: str
    amount: BaseUnits
    state: str = Field(description="pending, submitted, released, disputed, resolved or refunded (all indexed events)")
    confirmed_state: str = Field(description="The same from confirmed events only")


class IntentOut(BaseModel):
    id: uuid.UUID
    external_id: str
    chain_id: int
    token: str
    client_address: str
    freelancer_address: str
    arbiter: str
    total: BaseUnits
    review_period_seconds: int
    milestones: list[MilestoneOut]
    escrow_address: str = Field(description="Predicted deterministic address (the escrow's once created)")
    created: bool = Field(description="The index holds the escrow's creation (pending or confirmed)")
    state: State = Field(description="From every indexed event (pending included)")
    pending: StateOut
    confirmed: StateOut = Field(description="From confirmed events only")
    prepared: PreparedOut = Field(description="The client wallet's unsigned transactions, in order")
    created_at: datetime


class IntentPage(BaseModel):
    items: list[IntentOut]
    next_cursor: str | None = Field(None, description="Pass as `cursor` to get the next page; null at the end")


class TimelineEventOut(BaseModel):
    block_number: int
    log_index: int
    block_time: datetime
    tx_hash: str
    event: str
    args: dict[str, Any] = Field(description="Event arguments (integers as decimal strings)")
    confirmed: bool


class TimelineOut(BaseModel):
    intent_id: uuid.UUID
    chain_id: int
    escrow_address: str
    events: list[TimelineEventOut] = Field(description="The escrow's indexed events in chain order")
