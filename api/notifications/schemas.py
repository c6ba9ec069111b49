"""Notification shapes: the in-app list, the unread count, channel preferences."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Kind = Literal["message", "proposal", "contract", "mention", "reply", "ticket"]


class NotificationOut(BaseModel):
    id: int
    kind: Kind
    event: str = Field(description="The event it is about, e.g. `escrow.event.pending`")
    subject: str = Field(description="What it is about, e.g. `conversation:<id>`, `escrow:<chain>:<address>`")
    title: str
    status: Literal["pending", "confirmed", "retracted"] | None = Field(
        None, description="Chain events: pending until confirmed, or retracted after a chain reorganisation")
    payload: dict[str, Any]
    created_at: datetime
    read_at: datetime | None


class NotificationPage(BaseModel):
    items: list[NotificationOut]
    next_cursor: str | None
    unread: int


class UnreadCount(BaseModel):
    unread: int


class ReadAllIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    up_to: int | None = Field(None, ge=1, description="Mark read up to this notification id (default: all)")


class ReadAllOut(BaseModel):
    updated: int


class KindChannels(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Kind
    in_app: bool = True
    email: bool = True
    webhook: bool = True


class PreferencesOut(BaseModel):
    email: str | None = Field(description="Where emails go; none: no email is sent")
    kinds: list[KindChannels]


class PreferencesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str | None = Field(None, max_length=254, pattern=r"^[^@\s<>\",;]+@[^@\s<>\",;]+\.[^@\s<>\",;]+$",
                              description="Where emails go; null removes it (no email is sent); left out: unchanged")
    kinds: list[KindChannels] = Field(default_factory=list, max_length=6,
                                      description="Channels per kind; kinds left out keep their settings")
