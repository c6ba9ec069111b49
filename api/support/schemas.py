"""Request and response bodies of the support routes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from api.kit.pagination import Page

Status = Literal["open", "pending", "solved"]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,99}$")]
Tag = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,31}$")]


class TicketIn(BaseModel):
    subject: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=200)]
    body: Text
    project_id: uuid.UUID | None = None
    contract_id: uuid.UUID | None = None
    escrow: str | None = Field(None, max_length=80, description="'<chain_id>:<address>' of an indexed escrow")


class TicketUpdate(BaseModel):
    status: Status | None = None
    assignee_id: uuid.UUID | None = Field(None, description="Agents only: the agent who handles it")


class MessageIn(BaseModel):
    body: Text


class MessageOut(BaseModel):
    id: int
    author_id: uuid.UUID | None
    from_agent: bool
    body: str
    html: str
    created_at: datetime


class TicketOut(BaseModel):
    id: uuid.UUID
    requester_id: uuid.UUID | None
    assignee_id: uuid.UUID | None
    subject: str
    status: Status
    project_id: uuid.UUID | None
    contract_id: uuid.UUID | None
    escrow: str | None
    created_at: datetime
    updated_at: datetime
    first_response_due_at: datetime
    resolution_due_at: datetime
    first_response_at: datetime | None
    solved_at: datetime | None
    breached_at: datetime | None = Field(description="When the SLA sweep found a due time passed")
    provider_status: Literal["pending", "sent", "failed"] | None = Field(
        None, description="Chatbot escalation to the widget provider's agents (a background job): null when "
        "not sent there; pending while attempts remain, sent (provider_ref set) or failed")
    provider_ref: str | None = Field(None, description="The provider's conversation/ticket id once sent")
    provider_attempts: int = 0
    provider_error: str | None = Field(None, description="Last failure kind: unreachable, http_<status>, "
                                       "bad_answer, not_configured")


class TicketDetail(TicketOut):
    messages: list[MessageOut]


class TicketPage(Page[TicketOut]):
    pass


class ArticleIn(BaseModel):
    slug: Slug
    question: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=300)]
    answer: Text
    tags: list[Tag] = Field(default_factory=list, max_length=8)
    published: bool = True


class ArticleOut(BaseModel):
    id: uuid.UUID
    slug: str
    question: str
    answer: str
    html: str
    tags: list[str]
    published: bool
    helpful_yes: int
    helpful_no: int
    rank: float | None = Field(None, description="Search relevance (search results only)")


class AskIn(BaseModel):
    question: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=1000)]


class BotAnswerOut(BaseModel):
    id: uuid.UUID
    answered: bool = Field(description="Whether an FAQ article matched")
    text: str
    articles: list[ArticleOut]


class FeedbackIn(BaseModel):
    helpful: bool


class EscalateIn(BaseModel):
    to: Literal["ticket", "provider"] = Field("ticket", description="A Lancer ticket, or the widget provider's "
                                             "live agents (when SUPPORT_PROVIDER_API_URL is configured)")
    details: str | None = Field(None, max_length=5000)


class EscalationOut(BaseModel):
    answer_id: uuid.UUID
    to: Literal["ticket", "provider"]
    ticket_id: uuid.UUID | None = Field(None, description="Always set: a provider escalation is a ticket too, "
                                        "whose provider_status follows the background job")
    provider_ref: str | None = Field(None, description="Set once the provider's job has succeeded (see the ticket)")
    provider_status: Literal["pending", "sent", "failed"] | None = None


class WidgetOut(BaseModel):
    provider: Literal["intercom", "zendesk", "none"]
    app_id: str | None
    user_id: str | None = Field(description="The id the widget identifies the user by")
    user_hash: str | None = Field(None, description="Intercom identity verification: HMAC-SHA256(secret, user_id), hex")
    token: str | None = Field(None, description="Zendesk messaging: a signed JWT (HS256) naming the user")
