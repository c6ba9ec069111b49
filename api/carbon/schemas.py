"""Carbon estimate and footprint responses."""

from __future__ import annotations

from decimal import Decimal

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
