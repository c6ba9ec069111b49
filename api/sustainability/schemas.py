"""Sustainability bodies: offsets, carbon events, social allocations, the monthly transparency report."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field, model_validator

from api.kit.money import BaseUnits, BaseUnitsIn

CertificateRef = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[\x20-\x7e]+$",
                                      description="The registry's certificate reference (printable ASCII)")]
CertificateUri = Annotated[str, Field(min_length=10, max_length=500, pattern=r"^https://[^\s]+$",
                                      description="https URL where the certificate can be checked")]


class OffsetIn(BaseModel):
    method: Literal["onchain", "provider"] = Field(
        description="onchain: Treasury.recordOffset of a certificate you hold; provider: buy through the "
                    "configured offset provider (OFFSET_PROVIDER), then record it on `chain_id` if given")
    chain_id: int | None = Field(None, ge=1, lt=2**63, description="Chain whose treasury records the offset")
    grams_co2e: BaseUnitsIn = Field(description="Size of the offset in grams CO2e (decimal string, > 0)")
    certificate_ref: CertificateRef | None = None
    certificate_uri: CertificateUri | None = None

    @model_validator(mode="after")
    def _shape(self) -> OffsetIn:
        if self.grams_co2e <= 0 or self.grams_co2e >= 2**63:
            raise ValueError("grams_co2e must be between 1 and 2**63-1")
        if self.method == "onchain" and (self.chain_id is None or not self.certificate_ref or not self.certificate_uri):
            raise ValueError("an onchain offset needs chain_id, certificate_ref and certificate_uri")
        if self.method == "provider" and (self.certificate_ref or self.certificate_uri):
            raise ValueError("a provider offset gets its certificate from the provider: omit certificate_ref/uri")
        return self


class OffsetOut(BaseModel):
    id: uuid.UUID
    method: str
    status: str = Field(description="requested | ordered | recorded | failed")
    chain_id: int | None
    grams_co2e: BaseUnits
    certificate_ref: str | None
    certificate_id: str | None = Field(description="keccak256(certificate_ref): the bytes32 the treasury records")
    certificate_uri: str | None
    provider: str | None
    provider_order_id: str | None
    tx_hash: str | None
    explorer_url: str | None = None
    error: str | None
    created_at: datetime
    updated_at: datetime


class TxLink(BaseModel):
    chain_id: int
    tx_hash: str
    explorer_url: str | None


class IndexedOffsetOut(BaseModel):
    """A recorded offset as the index sees it, with the certificate reference Lancer knows for it."""

    chain_id: int
    chain: str
    certificate_id: str
    certificate_ref: str | None
    provider: str | None
    grams_co2e: BaseUnits
    uri: str
    recorded_by: str
    block_number: int
    block_time: datetime
    tx: TxLink
    confirmed: bool


class IndexedOffsetPage(BaseModel):
    items: list[IndexedOffsetOut]
    next_cursor: str | None


class CarbonEventOut(BaseModel):
    chain_id: int
    chain: str
    tx: TxLink
    block_number: int
    block_time: datetime
    sender: str
    action: str
    gas_used: int
    grams_co2e: Decimal = Field(description="gas used x the chain's emission factor")
    offset_share: Decimal = Field(description="Share (0-1) covered by the chain's recorded offsets, pro rata")
    offset_grams_co2e: Decimal
    provider: str | None = Field(description="Who supplied the chain's offsets: a provider name, `onchain` "
                                             "(certificates recorded directly), or null when none")
    confirmed: bool


class CarbonEventPage(BaseModel):
    method: str
    items: list[CarbonEventOut]
    next_cursor: str | None


class ChainCoverage(BaseModel):
    chain_id: int
    chain: str
    transactions: int
    gas_used: int
    grams_co2e: Decimal
    offset_share: Decimal
    offset_grams_co2e: Decimal


class MySustainability(BaseModel):
    wallets: list[str]
    chains: list[ChainCoverage]
    grams_co2e: Decimal
    offset_grams_co2e: Decimal
    events: CarbonEventPage
    social_allocations: list["MySocialAllocation"] = Field(
        default_factory=list, description="Social allocations my escrows' fees contributed to (`from`/`to`, default the last 12 months)")


class SocialAllocationOut(BaseModel):
    period: str = Field(description="UTC month, YYYY-MM")
    chain_id: int
    chain: str
    kind: str
    token: str | None
    symbol: str | None
    decimals: int | None
    amount: BaseUnits
    destination: str
    count: int
    transactions: list[TxLink] = Field(description="The distributions behind the amount (first 20)")


class MySocialAllocation(SocialAllocationOut):
    """A social allocation attributed to a user pro rata of the fees their escrows (as client) paid that
    month in that token on that chain."""

    fee_share: Decimal = Field(description="My escrows' fees / all fees of the month, chain and token (0-1)")
    attributed_amount: BaseUnits = Field(description="amount x fee_share, rounded down")


class SocialAllocationPage(BaseModel):
    items: list[SocialAllocationOut]
    next_cursor: str | None


class ReportFigure(BaseModel):
    chain_id: int
    chain: str
    kind: str | None = None
    token: str | None = None
    symbol: str | None = None
    decimals: int | None = None
    destination: str | None = None
    amount: BaseUnits = Field(description="Base units (fees, distributions), grams CO2e (offsets) or gas (emissions)")
    grams_co2e: Decimal | None = Field(None, description="Offsets and emissions: grams CO2e")
    count: int = Field(description="Events (fees, distributions, offsets) or transactions (emissions) behind it")
    transactions: list[TxLink] = Field(description="The first 20; `entries_url` pages through all of them")
    entries_url: str


class ChainBalance(BaseModel):
    chain_id: int
    chain: str
    emitted_grams_co2e: Decimal
    offset_grams_co2e: Decimal
    net_grams_co2e: Decimal


class ReportMonth(BaseModel):
    month: str = Field(description="UTC month, YYYY-MM")
    fees_received: list[ReportFigure]
    distributions: list[ReportFigure]
    offsets: list[ReportFigure]
    emissions: list[ReportFigure]
    offsets_vs_emissions: list[ChainBalance]


class ReportOut(BaseModel):
    period: Literal["month"]
    from_month: str
    to_month: str
    confirmed_only: bool
    months: list[ReportMonth]
    next_cursor: str | None


class LedgerEntryOut(BaseModel):
    section: str
    chain_id: int
    block_number: int
    log_index: int
    block_time: datetime
    tx: TxLink
    token: str | None
    kind: str | None
    counterparty: str | None
    amount: BaseUnits
    reference: str | None


class LedgerPage(BaseModel):
    month: str
    section: str
    items: list[LedgerEntryOut]
    next_cursor: str | None
