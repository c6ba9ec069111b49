"""Invoice bodies: one invoice per milestone paid out of an escrow."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import Path
from pydantic import BaseModel, Field

from api.kit.money import BaseUnits
from api.kit.pagination import Page

# ``<chain_id>-<escrow address>-<milestone index>``: derived from the chain, so stable and unique.
INVOICE_ID_PATTERN = r"^[0-9]{1,19}-0x[0-9a-fA-F]{40}-[0-9]{1,6}$"
InvoiceId = Annotated[str, Path(pattern=INVOICE_ID_PATTERN, description="`<chain_id>-<escrow>-<milestone index>`")]


class InvoiceOut(BaseModel):
    id: str
    number: str = Field(description="Invoice number, the same as the id: `<chain_id>-<escrow>-<milestone>`")
    chain_id: int
    chain: str
    escrow: str
    milestone_index: int
    client: str = Field(description="Billed party (the escrow's client wallet)")
    freelancer: str = Field(description="Issuing party (the escrow's freelancer wallet)")
    role: Literal["client", "freelancer"] = Field(description="Your side of it")
    amount: BaseUnits = Field(description="The milestone's paid-out amount, fee included, in base units")
    to_freelancer: BaseUnits
    fee: BaseUnits
    fee_bps: int
    token: str | None = Field(description="Token contract; null for the chain's native coin")
    symbol: str | None
    decimals: int | None
    tx_hash: str
    explorer_url: str | None
    block_number: int
    issued_at: datetime = Field(description="Block time of the release")
    confirmed: bool
    pdf_url: str


InvoicePage = Page[InvoiceOut]
