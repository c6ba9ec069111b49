"""Per-deployment emission factors (CARBON_FACTORS_JSON) replace the registry's, everywhere they are read."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from indexer.core.errors import ConfigError
from indexer.core.registry import load_registry, with_carbon_overrides

OVERRIDE = {"anvil-1": {"grams_co2e_per_gas": "0.5", "source": "our auditor, 2026 report"},
            "31338": {"grams_co2e_per_gas": "0", "source": "renewable-only validators (contract)"}}


def test_overrides_replace_named_chains_only() -> None:
    base = load_registry("")
    out = with_carbon_overrides(base, json.dumps(OVERRIDE))
    assert out.by_name("anvil-1").carbon.grams_co2e_per_gas == Decimal("0.5")
    assert out.by_id(31338).carbon.source == "renewable-only validators (contract)"
    assert out.by_name("ethereum").carbon == base.by_name("ethereum").carbon
    assert with_carbon_overrides(base, "") is base


@pytest.mark.parametrize("raw", ['{"nope-chain": {"grams_co2e_per_gas": "1", "source": "abc"}}',
                                 '{"anvil-1": {"grams_co2e_per_gas": "-1", "source": "abc"}}',
                                 '{"anvil-1": {"grams_co2e_per_gas": "1"}}', "[1]", "{not json"])
def test_bad_overrides_are_config_errors(raw: str) -> None:
    with pytest.raises(ConfigError, match="CARBON_FACTORS_JSON"):
        with_carbon_overrides(load_registry(""), raw)


def test_the_api_uses_the_override(settings_factory: Any) -> None:
    settings = settings_factory(carbon_factors_json=json.dumps(OVERRIDE))
    with TestClient(create_app(settings)) as c:
        est = c.get("/v1/carbon/estimate", params={"chain": "anvil-1", "action": "escrow.create"}).json()
        assert est["factor"] == {"grams_co2e_per_gas": "0.5", "source": "our auditor, 2026 report"}
        assert Decimal(est["grams_co2e"]) == Decimal(est["gas"]) * Decimal("0.5")
        assert c.get("/v1/carbon/estimate", params={"chain": "anvil-2", "action": "escrow.create"}).json()[
            "grams_co2e"] in ("0", "0E-6", "0.000000")
