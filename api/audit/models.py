"""The audit log: append-only (a trigger refuses UPDATE, DELETE and TRUNCATE)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Identity, Index, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from api.kit.db import Base, utcnow
from api.kit.encrypted import encrypted_columns


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=text("now()"))
    # No foreign keys: audit facts outlive what they talk about.
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(200))
    result: Mapped[str] = mapped_column(String(16))
    ip: Mapped[str | None] = mapped_column(Text)  # encrypted at rest (api.kit.encrypted, below)
    user_agent: Mapped[str | None] = mapped_column(String(512))
    request_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    # Set when IP, user agent and wallets were blanked (erasure or retention); the fact itself stays.
    pseudonymised_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


def _assign_id(connection: Any, row: AuditEvent) -> None:
    # The IP's associated data names the row, so the id is taken from the identity's sequence first.
    if row.id is None:
        row.id = connection.scalar(text("SELECT nextval(pg_get_serial_sequence('audit_events', 'id'))"))


# Client IPs are personal data: encrypted at rest, bound to their row.
AUDIT_ENCRYPTION = encrypted_columns(AuditEvent, row_key=lambda row: str(row.id), text=["ip"], assign_id=_assign_id)


class SchedulerRun(Base):
    """One run of a scheduled sweep (`lancer scheduler`): what ran, when, and what it did."""

    __tablename__ = "scheduler_runs"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    job: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16))  # running|ok|failed
    result: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(String(200))


Index("ix_audit_events_actor_user_id_id", AuditEvent.actor_user_id, AuditEvent.id)
Index("ix_audit_events_action_id", AuditEvent.action, AuditEvent.id)
Index("ix_audit_events_occurred_at_open", AuditEvent.occurred_at, postgresql_where=text("pseudonymised_at IS NULL"))
Index("ix_scheduler_runs_job_id", SchedulerRun.job, SchedulerRun.id)
