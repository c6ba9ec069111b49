"""Attestation tables: the offchain attestations Lancer signed, and the journal of their on-chain copies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from api.kit.db import Base, utcnow
from api.kit.encrypted import encrypted_columns


class OffchainAttestation(Base):
    """One signed EAS offchain attestation; ``package`` is the exact ``{"sig", "signer"}`` export.

    ``fact_key`` names the fact attested (one review per reviewer and escrow, one verification per
    skill, level and evidence): unique, so a retried request never signs the same fact twice.
    """

    __tablename__ = "offchain_attestations"

    uid: Mapped[str] = mapped_column(String(66), primary_key=True)
    fact_key: Mapped[str] = mapped_column(String(300), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # review | skill
    chain_id: Mapped[int] = mapped_column(BigInteger)  # of the EIP-712 domain (the EAS it names)
    schema_uid: Mapped[str] = mapped_column(String(66))
    attester: Mapped[str] = mapped_column(String(42))
    recipient: Mapped[str] = mapped_column(String(42), index=True)
    time: Mapped[int] = mapped_column(BigInteger)
    expiration_time: Mapped[int] = mapped_column(BigInteger, default=0)
    package: Mapped[dict[str, Any]] = mapped_column(JSONB)
    decoded: Mapped[dict[str, Any]] = mapped_column(JSONB)  # schema fields, integers as decimal strings
    # Review text, evidence, escrow...: encrypted at rest as {"$enc": ...} (below); plaintext once loaded.
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    # On-chain copy via EAS.attest (rq job): requested -> attested; its UID differs from the offchain one.
    onchain_status: Mapped[str] = mapped_column(String(16), default="none")  # none|requested|attested|failed
    onchain_chain_id: Mapped[int | None] = mapped_column(BigInteger)
    onchain_uid: Mapped[str | None] = mapped_column(String(66), unique=True)
    onchain_tx: Mapped[str | None] = mapped_column(String(66))
    onchain_error: Mapped[str | None] = mapped_column(Text)


# Lancer's copies of review texts and skill evidence are personal data: encrypted, bound to the UID.
ATTESTATION_ENCRYPTION = encrypted_columns(OffchainAttestation, row_key=lambda row: str(row.uid), json=["details"])

Index("ix_offchain_attestations_recipient_schema", OffchainAttestation.recipient, OffchainAttestation.schema_uid)


class AttestJournalEntry(Base):
    """``contracts.eas.onchain.attest_once``'s journal, durable: the signed transaction, written before it
    is broadcast, per idempotency key (the offchain UID). The primary key makes a second entry impossible."""

    __tablename__ = "attest_journal"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    tx_hash: Mapped[str] = mapped_column(String(66))
    raw_tx: Mapped[str] = mapped_column(Text)
    nonce: Mapped[int] = mapped_column(Integer)
    uid: Mapped[str | None] = mapped_column(String(66))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
