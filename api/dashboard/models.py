"""``user_data_versions``: a counter per user, bumped by a trigger on ``outbox_events`` (migration
a0018_notifications) in the transaction that changed the user's data. Dashboards key their cache on it."""

from __future__ import annotations

import uuid

from sqlalchemy import BigInteger
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from api.kit.db import Base


class UserDataVersion(Base):
    __tablename__ = "user_data_versions"

    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
