"""Profile request and response bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from zoneinfo import available_timezones

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, HttpUrl

from api.kit.money import BaseUnits, BaseUnitsIn

Handle = Annotated[str, Field(pattern=r"^[a-z0-9](?:[a-z0-9_-]{1,30}[a-z0-9])$",
                              description="3-32 lower-case letters, digits, '-' or '_'")]
Availability = Literal["available", "limited", "unavailable"]
_ZONES = frozenset(available_timezones())


def _zone(value: str) -> str:
    if value not in _ZONES:
        raise ValueError("not an IANA time zone (e.g. Europe/Berlin, UTC)")
    return value


TimeZone = Annotated[str, Field(max_length=64), AfterValidator(_zone)]
Url = Annotated[HttpUrl, Field(max_length=500)]


class RateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    chain: str = Field(max_length=64, description="Chain name or id from the registry")
    token: str = Field(max_length=42, description="'native', 'LNC', or the token address")
    amount: BaseUnitsIn


class RateOut(BaseModel):
    chain_id: int
    token: str
    amount: BaseUnits


class ProfilePatch(BaseModel):
    """Fields to change; the first PATCH creates the profile and must carry ``handle`` and ``display_name``."""

    model_config = ConfigDict(extra="forbid")
    handle: Handle | None = None
    display_name: str | None = Field(None, min_length=1, max_length=100)
    bio: str | None = Field(None, max_length=5000)
    avatar_url: Url | None = None
    links: list[Url] | None = Field(None, max_length=10)
    time_zone: TimeZone | None = None
    rates: list[RateIn] | None = Field(None, max_length=20)
    availability: Availability | None = None
    is_freelancer: bool | None = None
    is_client: bool | None = None


class ProfileOut(BaseModel):
    handle: str
    display_name: str
    bio: str
    avatar_url: str | None
    links: list[str]
    time_zone: str
    rates: list[RateOut]
    availability: str
    roles: list[Literal["freelancer", "client"]]
    created_at: datetime
    updated_at: datetime
