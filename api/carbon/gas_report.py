"""The committed gas report (`contracts/gas-report.json`): gas used per user-facing action."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict

GAS_REPORT_PATH = Path(__file__).resolve().parents[2] / "contracts" / "gas-report.json"


class GasAction(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    contract: str
    function: str
    gas_used: int

    @classmethod
    def from_report(cls, raw: dict[str, object]) -> GasAction:
        return cls(contract=str(raw["contract"]), function=str(raw["function"]), gas_used=int(raw["gasUsed"]))  # type: ignore[call-overload]


@lru_cache(maxsize=1)
def gas_actions() -> dict[str, GasAction]:
    report = json.loads(GAS_REPORT_PATH.read_text())
    return {name: GasAction.from_report(raw) for name, raw in sorted(report["actions"].items())}
