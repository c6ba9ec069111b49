"""Body of `/v1/me/transactions` (the seed's TokenTransaction)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from api.kit.money import BaseUnits
from api.kit.pagination import Page

MovementType = Literal["funding", "release", "refund", "fee", "transfer_in", "transfer_out", "mint"]


class TransactionOut(BaseModel):
    chain_id: int
    chain: str
    type: MovementType = Field(description="funding: you funded an escrow; release: a milestone paid you; "
                               "refund: escrow money back to you; fee: the platform fee taken from a release to "
                               "you; transfer_in/out: token transfers outside escrows; mint: tokens minted to you")
    wallet: str = Field(description="Which of your linked wallets")
    amount: BaseUnits
    token: str | None = Field(description="Token contract; null for the chain's native coin")
    symbol: str | None
    decimals: int | None
    escrow: str | None = Field(description="The escrow the money moved in, for escrow types")
    tx_hash: str
    explorer_url: str | None
    block_number: int
    log_index: int
    block_time: datetime
    confirmed: bool


TransactionPage = Page[TransactionOut]
