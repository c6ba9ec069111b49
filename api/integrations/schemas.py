"""Bodies of the integration routes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from api.identity.schemas import ApiKeyCreatedOut, ApiKeyIn, ApiKeyOut
from api.kit.pagination import Page

__all__ = ["ApiKeyCreatedOut", "ApiKeyIn", "ApiKeyOut"]

Provider = Literal["webhook", "slack", "discord"]
EventFilter = Annotated[str, StringConstraints(pattern=r"^(\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*(\.\*)?)$",
                                               max_length=64)]
Url = Annotated[str, StringConstraints(min_length=8, max_length=2048, strip_whitespace=True)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IntegrationIn(_In):
    provider: Provider = Field(description="`webhook` (Standard Webhooks JSON), `slack` or `discord` (incoming webhooks)")
    name: Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True)]
    org: str | None = Field(None, max_length=40, description="Slug of an organization you own or administer; "
                            "omitted: the integration is yours")
    config: dict[str, Any] = Field(default_factory=dict, description="Provider options, e.g. Discord `username`")


class IntegrationPatch(_In):
    name: Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True)] | None = None
    status: Literal["active", "disabled"] | None = None
    config: dict[str, Any] | None = None


class IntegrationOut(BaseModel):
    id: uuid.UUID
    provider: str
    name: str
    status: str
    owner_user_id: uuid.UUID | None
    owner_org_id: uuid.UUID | None
    config: dict[str, Any]
    created_at: datetime


class WebhookIn(_In):
    url: Url = Field(description="https URL (Slack/Discord: the channel's incoming-webhook URL)")
    events: list[EventFilter] = Field(min_length=1, max_length=50,
                                      description="Event types; `escrow.event.*` or `*` match several")
    description: Annotated[str, StringConstraints(max_length=200)] = ""


class WebhookPatch(_In):
    url: Url | None = None
    events: list[EventFilter] | None = Field(None, min_length=1, max_length=50)
    description: Annotated[str, StringConstraints(max_length=200)] | None = None
    status: Literal["active", "disabled"] | None = Field(None, description="`active` re-enables an endpoint "
                                                         "(and resets its failure count)")


class WebhookOut(BaseModel):
    id: uuid.UUID
    integration_id: uuid.UUID
    url: str
    description: str
    events: list[str]
    status: str
    disabled_reason: str | None
    consecutive_failures: int
    previous_secret_expires_at: datetime | None = Field(description="While set and in the future, messages "
                                                        "carry a signature with the previous secret too")
    created_at: datetime


class WebhookSecretOut(WebhookOut):
    secret: str = Field(description="The `whsec_` signing secret; shown once, store it now")


class DeliveryOut(BaseModel):
    id: int
    webhook_id: uuid.UUID
    event_id: int | None
    replay_of: int | None
    msg_id: str = Field(description="The `webhook-id` header: dedupe on it")
    event_type: str
    status: Literal["pending", "succeeded", "failed"]
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None


class AttemptOut(BaseModel):
    attempt: int
    outcome: str
    status_code: int | None
    latency_ms: int
    response_excerpt: str
    created_at: datetime


class DeliveryDetailOut(DeliveryOut):
    body: str = Field(description="The exact JSON body sent")
    attempts_log: list[AttemptOut]


class DeliveryPage(Page[DeliveryOut]):
    pass


class EventTypeOut(BaseModel):
    name: str
    description: str


class RotateKeyIn(_In):
    grace_seconds: int | None = Field(None, ge=0, le=30 * 86_400, description="How long the old key keeps "
                                      "working (default API_KEY_ROTATION_GRACE_SECONDS)")


class RotatedKeyOut(ApiKeyCreatedOut):
    old_key_expires_at: datetime = Field(description="When the key that was rotated stops working")


class RouteUsageOut(BaseModel):
    """One route of one key on one UTC day."""

    day: date
    method: str
    route: str = Field(description="The route template, e.g. /v1/integrations/{integration_id}")
    requests: int
    errors: int = Field(description="Answers with status 400 or more")
    server_errors: int = Field(description="Answers with status 500 or more")
    p50_ms: float
    p99_ms: float


class CheckoutIn(_In):
    purpose: Literal["topup", "invoice"]
    amount: str = Field(pattern=r"^[1-9][0-9]{1,8}$",
                        description="In the currency's minor unit (cents), a decimal string; at least 10")
    reference: str | None = Field(None, pattern=r"^[A-Za-z0-9:_-]{1,64}$",
                                  description="The invoice id, for purpose=invoice")

    @model_validator(mode="after")
    def _reference_for_invoices(self) -> CheckoutIn:
        if (self.purpose == "invoice") != (self.reference is not None):
            raise ValueError("reference is required for purpose=invoice, and only then")
        return self


class CheckoutOut(BaseModel):
    id: uuid.UUID
    session_id: str
    purpose: Literal["topup", "invoice"]
    reference: str | None
    amount: str = Field(description="Minor units (cents), a decimal string")
    currency: str
    status: Literal["open", "paid", "expired"]
    url: str | None = Field(None, description="Where to send the payer (only in the answer to the creation)")
    created_at: datetime
    paid_at: datetime | None


class StripeAck(BaseModel):
    received: bool = True
    duplicate: bool = False


class GithubLinkIn(_In):
    project_id: uuid.UUID
    repo: str = Field(pattern=r"^[A-Za-z0-9-]{1,39}/[A-Za-z0-9._-]{1,100}$", description="owner/name")


class GithubLinkOut(BaseModel):
    id: uuid.UUID
    project_id: uuid.UUID
    repo: str
    created_at: datetime


class GithubAck(BaseModel):
    received: bool = True
    duplicate: bool = False
    suggestions: int = Field(0, description="Milestone submissions suggested to freelancers")


class GithubAuthorizeOut(BaseModel):
    authorize_url: str = Field(description="Send the user here; GitHub returns them with ?code=&state=")
    state: str
    expires_in: int


class GithubCallbackIn(_In):
    code: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_.-]+$")
    state: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")


class GithubAccountOut(BaseModel):
    github_id: int
    login: str
    scope: str
    linked_at: datetime


TrackerProvider = Literal["jira", "trello", "notion", "gdrive"]


class TrackerCredentialIn(_In):
    token: str = Field(min_length=1, max_length=2000, description="API token (never shown again)")
    account: str | None = Field(None, max_length=200, description="Jira: account email; Trello: API key")
    base_url: str | None = Field(None, max_length=300, description="Jira only: your site's URL")


class TrackerCredentialOut(BaseModel):
    provider: TrackerProvider
    account: str | None
    connected_at: datetime


class TrackerLinkIn(_In):
    project_id: uuid.UUID
    provider: TrackerProvider
    ref: str = Field(pattern=r"^[A-Za-z0-9_-]{1,200}$", description="Issue key, card id, page id or file id")
    milestone_index: int | None = Field(None, ge=0, le=99)


class TrackerLinkOut(BaseModel):
    id: uuid.UUID
    project_id: uuid.UUID
    milestone_index: int | None
    provider: TrackerProvider
    ref: str
    title: str
    status: str
    url: str | None
    fetched_at: datetime
