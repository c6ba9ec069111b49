"""Request and response bodies of the community routes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, HttpUrl, StringConstraints, UrlConstraints, model_validator

from api.kit.pagination import Page

Tag = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,31}$")]
Body = Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=200)]
# A small fixed set: reactions are counted and shown, not a channel for free text.
EMOJI = ("+1", "-1", "heart", "laugh", "hooray", "eyes", "rocket", "confused")
Emoji = Literal["+1", "-1", "heart", "laugh", "hooray", "eyes", "rocket", "confused"]
Amount = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,78}$")]


def _unique(tags: list[str]) -> list[str]:
    return list(dict.fromkeys(tags))


class SpaceIn(BaseModel):
    slug: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")]
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=100)]
    description: str = Field("", max_length=2000)
    chain_id: int | None = Field(None, ge=1, le=2**63 - 1, description="Chain of the LNC token gate")
    min_balance: Amount | None = Field(None, description="Minimum LNC balance to post, in base units (decimal string)")

    @model_validator(mode="after")
    def _gate(self) -> SpaceIn:
        if (self.chain_id is None) != (self.min_balance is None):
            raise ValueError("a token gate needs both chain_id and min_balance")
        return self


class SpaceOut(BaseModel):
    id: uuid.UUID
    slug: str
    name: str
    description: str
    chain_id: int | None
    min_balance: str | None = Field(None, description="LNC base units (decimal string)")
    decimals: int | None = Field(None, description="Decimals of min_balance (LNC: 18)")


class ThreadIn(BaseModel):
    space: str = Field(min_length=2, max_length=64, description="Space slug")
    title: Title
    body: Body
    tags: Annotated[list[Tag], AfterValidator(_unique)] = Field(default_factory=list, max_length=8)


class ThreadEdit(BaseModel):
    title: Title | None = None
    tags: Annotated[list[Tag], AfterValidator(_unique)] | None = Field(None, max_length=8)


class PostIn(BaseModel):
    body: Body
    reply_to: int | None = Field(None, ge=1, le=2**63 - 1, description="Id of the post this answers")


class PostEdit(BaseModel):
    body: Body


class PostOut(BaseModel):
    id: int
    thread_id: uuid.UUID
    author_id: uuid.UUID | None
    reply_to: int | None
    is_opening: bool
    body: str = Field(description="The Markdown source as written")
    html: str = Field(description="Sanitised HTML rendering of body")
    state: Literal["published", "held", "hidden"]
    reactions: dict[str, int]
    created_at: datetime
    edited_at: datetime | None


class ThreadOut(BaseModel):
    id: uuid.UUID
    space: str
    author_id: uuid.UUID | None
    title: str
    tags: list[str]
    state: Literal["published", "held", "hidden"]
    locked: bool
    created_at: datetime
    last_activity_at: datetime
    opening: PostOut | None = None


class ThreadPage(Page[ThreadOut]):
    pass


class PostPage(Page[PostOut]):
    pass


class ReactionIn(BaseModel):
    emoji: Emoji


class ReportIn(BaseModel):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=500)]


class ReportedPost(BaseModel):
    """What a moderator needs to judge a report without opening the thread."""

    thread_id: uuid.UUID
    author_id: uuid.UUID | None
    html: str = Field(description="Sanitised HTML rendering of the post")
    state: Literal["published", "held", "hidden"]


class ReportOut(BaseModel):
    id: int
    post_id: int
    reporter_id: uuid.UUID | None
    reason: str
    status: Literal["open", "resolved", "dismissed"]
    created_at: datetime
    post: ReportedPost | None = Field(None, description="The reported post (null once deleted)")


class ReportPage(Page[ReportOut]):
    pass


class ReportResolve(BaseModel):
    status: Literal["resolved", "dismissed"]


class ModerationIn(BaseModel):
    reason: str | None = Field(None, max_length=500)


class BanOut(BaseModel):
    user_id: uuid.UUID
    reason: str
    banned_by: uuid.UUID | None
    created_at: datetime
    expires_at: datetime | None = Field(description="UTC; null: until lifted")


class BanPage(Page[BanOut]):
    pass


class BanIn(BaseModel):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=500)]
    expires_at: datetime | None = Field(None, description="UTC; null: until lifted")

    @model_validator(mode="after")
    def _utc(self) -> BanIn:
        if self.expires_at is not None and self.expires_at.tzinfo is not None:
            try:
                self.expires_at = self.expires_at.astimezone(UTC)
            except OverflowError:
                raise ValueError("expires_at out of range") from None
        return self


class EventIn(BaseModel):
    title: Title
    description: str = Field("", max_length=10_000)
    starts_at: datetime = Field(description="With a time zone (stored and returned in UTC)")
    ends_at: datetime
    link: Annotated[HttpUrl, UrlConstraints(max_length=500)] | None = None
    capacity: int | None = Field(None, ge=1, le=1_000_000)

    @model_validator(mode="after")
    def _times(self) -> EventIn:
        if self.starts_at.tzinfo is None or self.ends_at.tzinfo is None:
            raise ValueError("starts_at and ends_at need a time zone offset (e.g. Z)")
        try:
            self.starts_at, self.ends_at = self.starts_at.astimezone(UTC), self.ends_at.astimezone(UTC)
        except OverflowError:
            raise ValueError("starts_at/ends_at out of range") from None
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class EventEdit(BaseModel):
    """Fields to change; absent ones are kept. ``link`` and ``capacity`` may be set to null (removed)."""

    title: Title | None = None
    description: str | None = Field(None, max_length=10_000)
    starts_at: datetime | None = Field(None, description="With a time zone (stored and returned in UTC)")
    ends_at: datetime | None = None
    link: Annotated[HttpUrl, UrlConstraints(max_length=500)] | None = None
    capacity: int | None = Field(None, ge=1, le=1_000_000, description="Lowering it below the RSVPs already "
                                 "given keeps them; new ones are refused until enough are withdrawn")

    @model_validator(mode="after")
    def _times(self) -> EventEdit:
        for name in ("starts_at", "ends_at"):
            value = getattr(self, name)
            if value is None:
                continue
            if value.tzinfo is None:
                raise ValueError(f"{name} needs a time zone offset (e.g. Z)")
            try:
                setattr(self, name, value.astimezone(UTC))
            except OverflowError:
                raise ValueError(f"{name} out of range") from None
        for name in ("title", "description", "starts_at", "ends_at"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class EventOut(BaseModel):
    id: uuid.UUID
    title: str
    description: str
    html: str = Field(description="Sanitised HTML rendering of description")
    starts_at: datetime = Field(description="UTC")
    ends_at: datetime = Field(description="UTC")
    starts_local: str = Field(description="starts_at in the viewer's time zone (tz parameter), ISO 8601")
    ends_local: str
    time_zone: str
    link: str | None
    capacity: int | None
    going: int
    me_going: bool


class EventPage(Page[EventOut]):
    pass
