"""Skill bodies."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl


class SkillOut(BaseModel):
    slug: str
    name: str
    category: str


class UserSkillIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    level: int = Field(ge=1, le=5)
    years: int = Field(0, ge=0, le=60)
    evidence_url: HttpUrl | None = Field(None, max_length=500)


class UserSkillOut(BaseModel):
    skill: SkillOut
    level: int
    years: int
    evidence_url: str | None
    verified_status: Literal["verified", "unverified"] = Field(
        description="verified: a passed skill verification (POST /v1/skills/verification/start), or a live "
                    "verified_skill attestation of this skill (any level) naming a wallet of the user")
    verified_level: int | None = Field(description="Highest attested level, when verified")
