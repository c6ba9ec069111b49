"""Organization bodies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.engagements.schemas import EngagementOut
from api.kit.money import BaseUnits
from api.projects.schemas import ProjectOut

Role = Literal["owner", "admin", "member"]


class OrgIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    slug: str = Field(pattern=r"^[a-z0-9](?:[a-z0-9-]{1,38}[a-z0-9])$", description="3-40 of a-z, 0-9, '-'")
    name: str = Field(min_length=1, max_length=100)


class MemberOut(BaseModel):
    handle: str | None
    role: Role
    joined_at: datetime


class OrgOut(BaseModel):
    slug: str
    name: str
    my_role: Role
    members: list[MemberOut]
    created_at: datetime


class InviteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    handle: str = Field(min_length=1, max_length=32)
    role: Role = "member"


class InvitationOut(BaseModel):
    id: uuid.UUID
    org: str
    invitee: str | None
    role: Role
    created_at: datetime
    accepted_at: datetime | None


class RoleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role


class SpendOut(BaseModel):
    chain_id: int
    token: str
    committed: BaseUnits = Field(description="Totals of contracts whose escrow is funded (pending included)")
    released: BaseUnits = Field(description="Milestone amounts released to freelancers (gross of the fee)")


class TeamOut(BaseModel):
    org: OrgOut
    projects: list[ProjectOut]
    contracts: list[EngagementOut]
    spend: list[SpendOut]
