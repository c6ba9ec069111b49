"""Amounts in API responses: integers in base units sent as decimal strings, with their decimals."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, Field, PlainSerializer, WithJsonSchema

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


def _parse_base_units(value: object) -> int:
    # Only decimal strings: a JSON number loses precision above 2**53 before it reaches us.
    if not isinstance(value, str) or not value.isdigit() or len(value) > 78:
        raise ValueError("must be a decimal string of base units (digits only, at most 78)")
    amount = int(value)
    if amount >= 2**256:
        raise ValueError("does not fit a uint256")
    return amount


# Request bodies: a non-negative uint256 in base units, sent as a decimal string.
BaseUnitsIn = Annotated[
    int,
    BeforeValidator(_parse_base_units),
    PlainSerializer(lambda v: str(v), return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": "^[0-9]{1,78}$", "description": "base units, decimal string"}),
]
