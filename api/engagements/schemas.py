"""Engagement ("contract") bodies: the agreed terms, the derived state, prepared transactions."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.kit.money import BaseUnits

State = Literal["awaiting_funding", "funded", "active", "disputed", "completed", "refunded", "escrow_mismatch"]
Action = Literal["accept", "submit", "release", "dispute", "refund"]


class MilestoneOut(BaseModel):
    index: int
    title: str
    amount: BaseUnits
    due_date: date | None = None
    state: str = Field(description="pending, submitted, released, disputed, resolved or refunded (all indexed events)")
    confirmed_state: str = Field(description="The same from confirmed events only")


class EscrowOut(BaseModel):
    address: str = Field(description="Predicted at prepare; the escrow's address once created")
    metadata_hash: str
    client_address: str
    arbiter: str
    created: bool = Field(description="The index holds the escrow's creation (pending or confirmed)")


class StateOut(BaseModel):
    state: State
    block: int | None = Field(description="Block of the last escrow event this state is from; null: none yet")
    tx_hash: str | None


class EngagementOut(BaseModel):
    id: uuid.UUID
    project_id: uuid.UUID
    proposal_id: uuid.UUID
    role: Literal["client", "freelancer"]
    client: str | None = Field(description="Client's handle")
    freelancer: str | None = Field(description="Freelancer's handle")
    freelancer_address: str
    chain_id: int
    token: str
    total: BaseUnits
    review_period_seconds: int
    milestones: list[MilestoneOut]
    escrow: EscrowOut | None = Field(description="null until escrow/prepare")
    state: State = Field(description="From every indexed event (pending included)")
    pending: StateOut
    confirmed: StateOut = Field(description="From confirmed events only")
    created_at: datetime


class EngagementPage(BaseModel):
    items: list[EngagementOut]


class EscrowPrepareIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    chain: str | None = Field(None, max_length=64, description="Must be the project's chain (default)")
    token: str | None = Field(None, max_length=42, description="Must be the project's token (default)")
    arbiter: str | None = Field(None, max_length=42, description="Default: MARKETPLACE_ARBITER_ADDRESS")
    client_address: str | None = Field(None, max_length=42, description="My wallet that funds; default: my first")


class TxOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    description: str
    chainId: int  # noqa: N815 (the wallet's field name)
    to: str
    data: str
    value: str = Field(description="Native value in wei, decimal string")
    from_: str = Field(alias="from", description="The wallet that must send it")


class PreparedOut(BaseModel):
    chain_id: int
    escrow_address: str
    salt: str
    metadata_hash: str
    transactions: list[TxOut] = Field(description="Send in this order, from the named wallet")


class ActionPrepareIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Action
    milestone: int | None = Field(None, ge=0, le=1000, description="Required except for accept")
    note: str | None = Field(None, max_length=10_000,
                             description="submit: the deliverable; dispute: the reason (their keccak256 goes on chain)")
