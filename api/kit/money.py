"""Amounts in API responses: integers in base units sent as decimal strings, with their decimals."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, PlainSerializer

# A uint256 does not fit a JSON number safely; it travels as a decimal string of base units.
BaseUnits = Annotated[
    int,
    PlainSerializer(lambda v: str(v), return_type=str, when_used="json"),
    Field(json_schema_extra={"type": "string", "pattern": "^-?[0-9]+$"}),
]


class Amount(BaseModel):
    value: BaseUnits = Field(description="Integer amount in base units, as a decimal string")
    decimals: int = Field(ge=0, le=36)
    symbol: str | None = None
