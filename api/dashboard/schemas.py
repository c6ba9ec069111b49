"""Dashboard summaries: one response per screen. Amounts are base units as decimal strings."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field


class MatchedProject(BaseModel):
    id: uuid.UUID
    title: str
    chain_id: int
    token: str
    budget: str
    score: float


class RecommendedFreelancer(BaseModel):
    user_id: uuid.UUID
    handle: str
    display_name: str
    score: float


class Earning(BaseModel):
    chain_id: int
    token: str
    month: datetime
    amount: str
    confirmed: bool = Field(description="False: released in blocks not yet confirmed")


class NextMilestone(BaseModel):
    index: int
    amount: str
    status: str
    auto_release_at: datetime | None = Field(None, description="Submitted: released by itself at this time (UTC)")


class ActiveContract(BaseModel):
    id: uuid.UUID
    project_id: uuid.UUID
    project_title: str
    chain_id: int
    token: str
    total: str
    escrow: str | None
    escrow_status: str | None = Field(None, description="From the index; null before the escrow exists on chain")
    locked: str | None = None
    next_milestone: NextMilestone | None = None


class Task(BaseModel):
    kind: str = Field(description="submit_milestone | proposal_awaiting_answer | approve_milestone")
    ref: str
    title: str
    due_at: datetime | None = None


class SkillStatus(BaseModel):
    slug: str
    level: int
    verified: bool
    verified_level: int | None


class FreelancerDashboard(BaseModel):
    matched_projects: list[MatchedProject]
    earnings: list[Earning]
    active_contracts: list[ActiveContract]
    reputation_score: float | None = Field(None, description="Score of the primary wallet (0-100); null: no wallet")
    skills: list[SkillStatus]
    unread_messages: int
    tasks: list[Task]


class ProjectLine(BaseModel):
    id: uuid.UUID
    title: str
    state: str
    created_at: datetime


class Pipeline(BaseModel):
    counts: dict[str, int]
    recent: dict[str, list[ProjectLine]] = Field(description="The newest few projects per state")


class EscrowLine(BaseModel):
    chain_id: int
    address: str
    token: str
    status: str
    funded: str
    locked: str
    confirmed: bool
    pending_approvals: list[NextMilestone]


class InvoiceLine(BaseModel):
    chain_id: int
    escrow: str
    index: int
    token: str
    amount: str
    released_at: datetime
    confirmed: bool


class OrgLine(BaseModel):
    id: uuid.UUID
    slug: str
    name: str
    role: str
    projects: int


class ClientDashboard(BaseModel):
    pipeline: Pipeline
    recommended_freelancers: list[RecommendedFreelancer]
    recommended_for: uuid.UUID | None = Field(None, description="The open project the recommendations are for")
    escrows: list[EscrowLine]
    invoices: list[InvoiceLine]
    organizations: list[OrgLine]
    unread_messages: int


class Volume(BaseModel):
    chain_id: int
    token: str
    month: datetime
    gmv: str
    fees: str


class Disputes(BaseModel):
    chain_id: int
    open: int
    resolved: int


class ChainHealth(BaseModel):
    chain_id: int
    name: str
    lag_blocks: int | None
    indexed_block: int
    confirmed_block: int


class Carbon(BaseModel):
    chain_id: int
    gas_used: str
    offset_grams_co2e: str


class AdminDashboard(BaseModel):
    volume: list[Volume]
    disputes: list[Disputes]
    active_users_30d: int
    users_total: int
    indexer: list[ChainHealth]
    carbon: list[Carbon]
