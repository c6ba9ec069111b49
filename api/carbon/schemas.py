"""Carbon estimate and footprint responses."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field


class EmissionFactor(BaseModel):
    grams_co2e_per_gas: Decimal
    source: str


class CarbonEstimate(BaseModel):
    chain: str
    chain_id: int
    action: str = Field(description="Action name from the committed gas report, e.g. escrow.fund_erc20")
    contract: str
    function: str
    gas: int = Field(description="Gas the action used in the reference run (contracts/gas-report.json)")
    grams_co2e: Decimal = Field(description="gas x the chain's emission factor")
    factor: EmissionFactor
    method: str


class ActionFootprint(BaseModel):
    action: str = Field(description="escrow.create, escrow.fund, ..., token.transfer, treasury.distribute, other")
    transactions: int
    gas_used: int
    grams_co2e: Decimal


class PeriodFootprint(BaseModel):
    period_start: datetime
    chain_id: int
    action: str
    transactions: int
    gas_used: int
    grams_co2e: Decimal


class ChainFootprint(BaseModel):
    chain_id: int
    chain: str
    factor: EmissionFactor
    transactions: int
    gas_used: int
    confirmed_gas_used: int
    grams_co2e: Decimal
    offsets_grams_co2e: int = Field(description="Offsets recorded on this chain's treasury (OffsetRecorded)")
    by_action: list[ActionFootprint]


class FootprintTotals(BaseModel):
    transactions: int
    gas_used: int
    grams_co2e: Decimal = Field(description="Emitted: gas actually used x each chain's factor")
    offsets_grams_co2e: int = Field(description="Offsets recorded")
    net_grams_co2e: Decimal = Field(description="Emitted minus offsets recorded (negative: more offset than emitted)")


class CarbonSummary(BaseModel):
    method: str
    period: Literal["day", "week", "month"]
    chains: list[ChainFootprint]
    periods: list[PeriodFootprint] = Field(description="Per UTC period, chain and action; newest first, at most "
                                                       "`periods_limit` (keyset pages: `periods_cursor`)")
    periods_next_cursor: str | None = Field(None, description="Pass as `periods_cursor` for the next periods")
    totals: FootprintTotals


class SubjectFootprint(BaseModel):
    subject: str = Field(description="The escrow, or the transaction sender")
    method: str
    chains: list[ChainFootprint]
    totals: FootprintTotals
