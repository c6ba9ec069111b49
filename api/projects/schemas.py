"""Project request and response bodies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl
from starlette.datastructures import QueryParams

from api.kit.money import BaseUnits, BaseUnitsIn
from api.kit.pagination import DEFAULT_LIMIT, MAX_LIMIT

State = Literal["draft", "open", "in_progress", "completed", "cancelled"]
Visibility = Literal["public", "invite_only"]
Slug = Annotated[str, Field(min_length=1, max_length=64)]
Handle = Annotated[str, Field(min_length=1, max_length=32)]


class Attachment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=200)
    url: HttpUrl = Field(max_length=500)


class PlannedMilestone(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=200)
    amount: BaseUnitsIn


class PlannedMilestoneOut(BaseModel):
    title: str
    amount: BaseUnits


class ProjectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=3, max_length=200)
    description: str = Field(min_length=1, max_length=20_000)
    skills: list[Slug] = Field(default_factory=list, max_length=20, description="Skill slugs from /v1/skills")
    budget: BaseUnitsIn
    chain: str = Field(max_length=64, description="Chain name or id from the registry")
    token: str = Field(max_length=42, description="'native', 'LNC' or the token address")
    milestones: list[PlannedMilestone] = Field(default_factory=list, max_length=50,
                                               description="Planned milestones; amounts sum to the budget")
    visibility: Visibility = "public"
    invite: list[Handle] = Field(default_factory=list, max_length=100, description="Handles invited (invite_only)")
    deadline: datetime | None = None
    attachments: list[Attachment] = Field(default_factory=list, max_length=20)
    org: str | None = Field(None, max_length=40, description="Post for this organization (its owners/admins)")


class ProjectPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(None, min_length=3, max_length=200)
    description: str | None = Field(None, min_length=1, max_length=20_000)
    skills: list[Slug] | None = Field(None, max_length=20)
    budget: BaseUnitsIn | None = None
    chain: str | None = Field(None, max_length=64)
    token: str | None = Field(None, max_length=42)
    milestones: list[PlannedMilestone] | None = Field(None, max_length=50)
    visibility: Visibility | None = None
    invite: list[Handle] | None = Field(None, max_length=100)
    deadline: datetime | None = None
    attachments: list[Attachment] | None = Field(None, max_length=20)


class TransitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to: Literal["open", "cancelled", "completed"]


class SearchQuery(BaseModel):
    """The search's query parameters: the route's (FastAPI reads them into this model) and the direct path's
    (``from_query``: the same reading of the same raw query, so both accept and refuse the same URLs)."""

    q: str | None = Field(None, max_length=200, description="Words to search")
    skills: list[str] = Field([], max_length=20, description="Skill slugs (any of)")
    min_budget: str | None = Field(None, pattern=r"^[0-9]{1,78}$", description="Base units, decimal string")
    max_budget: str | None = Field(None, pattern=r"^[0-9]{1,78}$", description="Base units, decimal string")
    chain: str | None = Field(None, max_length=64)
    state: State | None = None
    mine: bool = Field(False, description="Only my projects (signed in)")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"Page size (1-{MAX_LIMIT})")
    cursor: str | None = Field(None, max_length=512, description="Opaque cursor from the previous page's `next_cursor`")

    @classmethod
    def from_query(cls, params: QueryParams) -> SearchQuery:
        """As FastAPI reads a query parameter model: a list field takes every value (none: its default), any
        other field the last one; other names are ignored. Raises pydantic's ValidationError."""
        values: dict[str, object] = {}
        for name in params:
            if name == "skills":
                values[name] = params.getlist(name)
            elif name in cls.model_fields:
                values[name] = params[name]
        return cls.model_validate(values)


class ProjectOut(BaseModel):
    id: uuid.UUID
    client: str | None = Field(description="The client's handle (null when they have no profile)")
    org: str | None = Field(None, description="The organization's slug, when it belongs to one")
    title: str
    description: str
    skills: list[str]
    budget: BaseUnits
    chain_id: int
    token: str
    milestones: list[PlannedMilestoneOut]
    visibility: Visibility
    deadline: datetime | None
    state: State
    attachments: list[Attachment]
    is_owner: bool
    created_at: datetime
    updated_at: datetime


class ProjectPage(BaseModel):
    items: list[ProjectOut]
    next_cursor: str | None = None
