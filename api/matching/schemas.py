"""Matching response bodies: every feed item carries its score and the parts it is the sum of."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from api.kit.money import BaseUnits

Ranker = Literal["lexical", "embedding"]


class ProjectBrief(BaseModel):
    title: str
    budget: BaseUnits
    chain_id: int
    token: str
    skills: list[str]
    created_at: datetime


class FreelancerBrief(BaseModel):
    handle: str | None
    display_name: str | None
    skills: list[str]
    verified_skills: list[str]
    availability: str
    reputation: float
    is_new: bool = Field(description="No completed contract yet and a recent profile (exploration slots)")


class FeedItem(BaseModel):
    id: uuid.UUID = Field(description="Project id (freelancer feed) or user id (client feed)")
    score: float = Field(description="Sum of `parts`")
    parts: dict[str, float] = Field(description="weight x feature value per feature; they add up to `score`")
    slot: Literal["ranked", "exploration"] = Field(
        description="exploration: a place reserved for a new freelancer (cold start)")
    project: ProjectBrief | None = None
    freelancer: FreelancerBrief | None = None


class FeedPage(BaseModel):
    ranker: Ranker = Field(description="Which ranker answered: embedding (model installed, vectors present) "
                           "or lexical (full text + skill overlap)")
    kind: Literal["projects", "freelancers"]
    weights: dict[str, float]
    items: list[FeedItem]
    next_cursor: str | None = None


class RunOut(BaseModel):
    id: uuid.UUID
    scope: Literal["all", "freelancer", "project"]
    status: Literal["queued", "running", "done", "failed"]
    total: int
    done: int
    progress: float = Field(description="done / total, 0-1")
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
