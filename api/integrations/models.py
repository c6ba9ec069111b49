"""Integrations (a user's or an organization's connection to an outside system), their webhook endpoints,
and the delivery log (one row per message and endpoint, one row per HTTP attempt)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (BigInteger, CheckConstraint, ForeignKey, Index, Integer, LargeBinary, String, Text,
                        UniqueConstraint, text)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from api.kit.db import Base, new_id, utcnow
from api.kit.encrypted import encrypted_columns

PROVIDERS = ("webhook", "slack", "discord")


class Integration(Base):
    __tablename__ = "integrations"
    __table_args__ = (
        CheckConstraint("(owner_user_id IS NULL) <> (owner_org_id IS NULL)", name="one_owner"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    owner_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    owner_org_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"),
                                                           index=True)
    provider: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | disabled
    config: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Webhook(Base):
    """An endpoint. Its signing secret is stored encrypted (AES-GCM, the TOTP key ring); during a rotation
    the previous secret keeps signing until ``previous_secret_expires_at``."""

    __tablename__ = "webhooks"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    integration_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("integrations.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2048))
    description: Mapped[str] = mapped_column(String(200), default="")
    events: Mapped[list[str]] = mapped_column(ARRAY(Text))
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | disabled
    disabled_reason: Mapped[str | None] = mapped_column(String(32))  # manual | failures
    secret_kid: Mapped[str] = mapped_column(String(32))
    secret_blob: Mapped[bytes] = mapped_column(LargeBinary)
    previous_secret_kid: Mapped[str | None] = mapped_column(String(32))
    previous_secret_blob: Mapped[bytes | None] = mapped_column(LargeBinary)
    previous_secret_expires_at: Mapped[datetime | None]
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookDelivery(Base):
    """One message to one endpoint: the exact body (signed afresh, with a new timestamp, on each attempt)."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    webhook_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    event_id: Mapped[int | None] = mapped_column(BigInteger)  # the outbox event (None: a test ping)
    replay_of: Mapped[int | None] = mapped_column(BigInteger)
    msg_id: Mapped[str] = mapped_column(String(64))  # the webhook-id header: the receiver's idempotency key
    event_type: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | succeeded | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_webhook_deliveries_queue", "webhook_id", "status", "id"),
        Index("uq_webhook_deliveries_event", "webhook_id", "event_id", unique=True,
              postgresql_where=text("event_id IS NOT NULL AND replay_of IS NULL")),
    )


class WebhookAttempt(Base):
    """One HTTP attempt. Never the URL, never the full response body: a short excerpt only."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(32))  # ok | http_error | timeout | connection_error | blocked_url
    status_code: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[int] = mapped_column(Integer)
    response_excerpt: Mapped[str] = mapped_column(String(256), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiKeyRequest(Base):
    """One request made with an API key (route template, not the URL: no ids or query strings). Written
    in batches by ``usage.UsageRecorder``; the analytics aggregate it per key, route and day."""

    __tablename__ = "api_key_requests"
    __table_args__ = (Index("ix_api_key_requests_key_time", "api_key_id", "created_at"),
                      Index("ix_api_key_requests_time", "created_at"))

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    api_key_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"))
    method: Mapped[str] = mapped_column(String(8))
    route: Mapped[str] = mapped_column(String(200))
    status_code: Mapped[int] = mapped_column(Integer)
    latency_ms: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StripeCheckout(Base):
    """A Stripe Checkout Session we created: a fiat top-up or an invoice payment. ``amount`` in the
    currency's minor unit (Stripe's own integer), ``status`` moved by the signed webhook only."""

    __tablename__ = "stripe_checkouts"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[str] = mapped_column(String(255), unique=True)
    purpose: Mapped[str] = mapped_column(String(16))  # topup | invoice
    reference: Mapped[str | None] = mapped_column(String(64))  # the invoice id for purpose=invoice
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | paid | expired
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    paid_at: Mapped[datetime | None]


class StripeEvent(Base):
    """Stripe events already processed: a redelivered event id is acknowledged and ignored."""

    __tablename__ = "stripe_events"

    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class GithubRepoLink(Base):
    """A GitHub repository linked to a project: its merged pull requests that name a milestone become
    "submit milestone" suggestions to the freelancer."""

    __tablename__ = "github_repo_links"
    __table_args__ = (UniqueConstraint("project_id", "repo", name="uq_github_repo_links_project_repo"),
                      Index("ix_github_repo_links_repo", "repo"))

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    repo: Mapped[str] = mapped_column(String(140))  # owner/name, lower case (GitHub names are case-insensitive)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class GithubDelivery(Base):
    """GitHub deliveries already processed (X-GitHub-Delivery): a redelivery is acknowledged, not re-applied."""

    __tablename__ = "github_deliveries"

    delivery_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    event: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class GithubAccount(Base):
    """A user's linked GitHub account (OAuth). Shared with skill verification: a skill's evidence can be
    checked against repositories of this login. The access token is encrypted at rest."""

    __tablename__ = "github_accounts"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    github_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    login: Mapped[str] = mapped_column(String(39))
    access_token: Mapped[str] = mapped_column(Text)  # encrypted at rest (below)
    scope: Mapped[str] = mapped_column(String(200), default="")
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)


GITHUB_TOKEN_ENCRYPTION = encrypted_columns(GithubAccount, row_key=lambda row: str(row.user_id),
                                            text=["access_token"])


class TrackerCredential(Base):
    """A user's token for an issue tracker or document store (Jira, Trello, Notion, Google Drive), encrypted
    at rest. ``account`` is Jira's account email or Trello's API key (not secret on their own)."""

    __tablename__ = "tracker_credentials"
    __table_args__ = (UniqueConstraint("user_id", "provider", name="uq_tracker_credentials_user_provider"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(16))
    base_url: Mapped[str] = mapped_column(String(300))
    account: Mapped[str | None] = mapped_column(String(200))
    token: Mapped[str] = mapped_column(Text)  # encrypted at rest (below)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


TRACKER_TOKEN_ENCRYPTION = encrypted_columns(TrackerCredential, row_key=lambda row: str(row.id), text=["token"])


class TrackerLink(Base):
    """An issue, card, page or file linked to a project (or one of its milestones), with the title and
    status last read from the provider."""

    __tablename__ = "tracker_links"
    __table_args__ = (UniqueConstraint("project_id", "provider", "ref", name="uq_tracker_links_project_item"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    milestone_index: Mapped[int | None] = mapped_column(Integer)
    provider: Mapped[str] = mapped_column(String(16))
    ref: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(64))
    url: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
