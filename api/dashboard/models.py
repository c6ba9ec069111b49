"""``user_data_versions``: a counter per user, bumped by a trigger on ``outbox_events`` (migration
a0018_notifications) in the transaction that changed the user's data. Dashboards key their cache on it.
``dashboard_volume_*``: the admin screen's rollup of confirmed volume (``api.dashboard.volume``), and
``dashboard_earnings_months``: the freelancer screen's rollup of confirmed earnings, kept by the same refresh."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Integer, Numeric, String
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from api.kit.db import Base


class UserDataVersion(Base):
    __tablename__ = "user_data_versions"

    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)


class VolumeMonth(Base):
    """The admin dashboard's rollup of confirmed GMV and fees per chain, token and UTC month (``volume``).
    Confirmed events do not change, so each refresh adds only the blocks confirmed since ``VolumeMark``."""

    __tablename__ = "dashboard_volume_months"

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    token: Mapped[str] = mapped_column(String(42), primary_key=True)
    month: Mapped[datetime] = mapped_column(DateTime(timezone=False), primary_key=True)  # UTC, as date_trunc gives
    gmv: Mapped[int] = mapped_column(Numeric(78, 0))
    fees: Mapped[int] = mapped_column(Numeric(78, 0))


class VolumeMark(Base):
    """Per chain: the rollup holds the confirmed events up to ``upto_block``, as of ``reorg_count``."""

    __tablename__ = "dashboard_volume_marks"

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    upto_block: Mapped[int] = mapped_column(BigInteger)
    reorg_count: Mapped[int] = mapped_column(Integer)


class EarningsMonth(Base):
    """The freelancer dashboard's rollup of confirmed payouts (releases, dispute resolutions) per freelancer
    wallet, chain, token and UTC month. Advanced with ``dashboard_volume_months`` by the same refresh, up to
    the same ``VolumeMark`` (one snapshot: the two never disagree about which blocks they hold)."""

    __tablename__ = "dashboard_earnings_months"

    wallet: Mapped[str] = mapped_column(String(42), primary_key=True)  # the escrow's freelancer, checksummed
    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    token: Mapped[str] = mapped_column(String(42), primary_key=True)
    month: Mapped[datetime] = mapped_column(DateTime(timezone=False), primary_key=True)  # UTC, as date_trunc gives
    amount: Mapped[int] = mapped_column(Numeric(78, 0))
