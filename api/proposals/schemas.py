"""Proposal and milestone template bodies."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.kit.money import BaseUnits, BaseUnitsIn

ProposalState = Literal["submitted", "shortlisted", "declined", "withdrawn", "accepted"]
DAY = 86400


class MilestoneIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=200)
    amount: BaseUnitsIn
    due_date: date | None = None


class MilestoneOut(BaseModel):
    title: str
    amount: BaseUnits
    due_date: date | None = None


class FromTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    template_id: uuid.UUID
    price: BaseUnitsIn


class ProposalIn(BaseModel):
    """Either ``milestones`` (amounts sum to the price) or ``template`` (a template split of ``price``)."""

    model_config = ConfigDict(extra="forbid")
    cover_letter: str = Field(min_length=1, max_length=10_000)
    milestones: list[MilestoneIn] | None = Field(None, min_length=1, max_length=50)
    template: FromTemplate | None = None
    review_period_seconds: int | None = Field(None, ge=3600, le=90 * DAY,
                                              description="Default: the template's longest, else 7 days")
    wallet: str | None = Field(None, max_length=42, description="My wallet the escrow pays; default: my first")


class ProposalOut(BaseModel):
    id: uuid.UUID
    project_id: uuid.UUID
    freelancer: str | None = Field(description="The freelancer's handle")
    freelancer_address: str
    cover_letter: str
    price: BaseUnits
    milestones: list[MilestoneOut]
    review_period_seconds: int
    state: ProposalState
    created_at: datetime
    updated_at: datetime


class TemplateItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=200)
    bps: int = Field(ge=1, le=10_000, description="Share of the total in basis points; all sum to 10000")
    review_period_seconds: int = Field(7 * DAY, ge=3600, le=90 * DAY)


class TemplateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    items: list[TemplateItem] = Field(min_length=1, max_length=50)


class TemplateOut(BaseModel):
    id: uuid.UUID
    name: str
    items: list[TemplateItem]
    platform: bool = Field(description="Provided by Lancer (read-only)")


class ApplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    total: BaseUnitsIn


class AppliedOut(BaseModel):
    milestones: list[MilestoneOut]
    review_period_seconds: int
