"""Escrows: list items and the detail view (milestones, amounts, deadlines, disputes, timeline)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from api.kit.money import BaseUnits
from indexer.core.vocabulary import ESCROW_STATES, MILESTONE_STATUS_NAMES

EscrowState = Literal[ESCROW_STATES]  # type: ignore[valid-type]  # the one vocabulary, in indexer.core
MilestoneState = Literal[MILESTONE_STATUS_NAMES]  # type: ignore[valid-type]


class TokenOut(BaseModel):
    address: str | None = Field(description="Token contract; null for the chain's native coin")
    symbol: str | None
    decimals: int | None


class EscrowAmounts(BaseModel):
    total: BaseUnits
    funded: BaseUnits
    released: BaseUnits = Field(description="Paid to the freelancer")
    refunded: BaseUnits = Field(description="Given back to the client")
    fees: BaseUnits = Field(description="Sent to the treasury")
    locked: BaseUnits = Field(description="Still held by the escrow: funded - released - refunded - fees")
    decimals: int | None


class EscrowSummary(BaseModel):
    chain_id: int
    chain: str
    address: str
    client: str
    freelancer: str
    arbiter: str
    token: TokenOut
    state: EscrowState
    amounts: EscrowAmounts
    fee_bps: int
    milestone_count: int
    review_period_seconds: int
    created_at: datetime
    created_block: int
    created_tx: str
    last_block: int = Field(description="Block of the escrow's latest event")
    confirmed: bool = Field(description="False while the latest event is above the chain's confirmed block")
    explorer_url: str | None


class EscrowPage(BaseModel):
    items: list[EscrowSummary]
    next_cursor: str | None = Field(None, description="Pass as `cursor` to get the next page; null at the end")


class MilestoneOut(BaseModel):
    index: int
    amount: BaseUnits
    state: MilestoneState
    submitted_at: datetime | None
    deliverable_hash: str | None
    auto_release_at: datetime | None = Field(description="When a submitted milestone can be released by anyone")
    to_freelancer: BaseUnits
    to_client: BaseUnits
    fee: BaseUnits
    disputed_by: str | None
    confirmed: bool


class DisputeStatus(BaseModel):
    open: bool = Field(description="A milestone is disputed and awaits the arbiter")
    open_milestones: list[int]
    resolved_milestones: list[int]


class TimelineEvent(BaseModel):
    block_number: int
    log_index: int
    block_time: datetime
    event: str
    args: dict[str, Any]
    tx_hash: str
    explorer_url: str | None
    confirmed: bool


class EscrowDetailOut(EscrowSummary):
    metadata_hash: str
    milestones: list[MilestoneOut]
    dispute: DisputeStatus
    timeline: list[TimelineEvent]
