"""Bodies of the messaging routes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from api.kit.pagination import Page

SubjectType = Literal["project", "contract", "escrow"]


class ConversationIn(BaseModel):
    """Open (or find) a conversation: with one user (``user_id`` or a linked wallet ``address``), or about
    an indexed escrow you are a party to (``subject_type=escrow``, ``subject_id=<chain_id>:<address>``)."""

    user_id: uuid.UUID | None = None
    address: str | None = Field(None, pattern=r"^0x[0-9a-fA-F]{40}$")
    subject_type: SubjectType | None = None
    subject_id: str | None = Field(None, min_length=1, max_length=200)

    @model_validator(mode="after")
    def _one_target(self) -> ConversationIn:
        targets = sum(x is not None for x in (self.user_id, self.address, self.subject_type))
        if targets != 1:
            raise ValueError("give exactly one of user_id, address or subject_type (+ subject_id)")
        if (self.subject_type is None) != (self.subject_id is None):
            raise ValueError("subject_type and subject_id go together")
        return self


class ConversationOut(BaseModel):
    id: uuid.UUID
    subject_type: SubjectType | None
    subject_id: str | None
    participants: list[uuid.UUID]
    created_at: datetime
    last_message_at: datetime | None
    unread: int = Field(description="Messages from others after the last one you marked read")


class MessageIn(BaseModel):
    body: str = Field(min_length=1, max_length=10_000)


class MessageOut(BaseModel):
    id: int
    conversation_id: uuid.UUID
    sender_id: uuid.UUID | None
    body: str
    created_at: datetime


class ReadIn(BaseModel):
    up_to: int | None = Field(None, ge=0, le=2**63 - 1,
                              description="Last message id read; omitted: everything so far")


class ReadOut(BaseModel):
    conversation_id: uuid.UUID
    last_read_id: int
    unread: int


class UnreadOut(BaseModel):
    total: int
    conversations: dict[uuid.UUID, int] = Field(description="Conversations with unread messages only")


ConversationPage = Page[ConversationOut]
MessagePage = Page[MessageOut]
