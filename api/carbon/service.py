"""Carbon estimates: gas an action uses (committed gas report) x the chain's gCO2e-per-gas factor."""

from __future__ import annotations

from decimal import Decimal

from api.carbon.gas_report import gas_actions
from api.carbon.schemas import CarbonEstimate, EmissionFactor
from api.problems import Problem
from indexer.errors import UnknownChainError
from indexer.registry import ChainConfig, ChainRegistry

ESTIMATE_METHOD = (
    "gas used by the action in the reference run of scripts/gas_report.py, multiplied by the chain's "
    "emission factor (grams CO2e per unit of gas) from the chain registry"
)
GRAMS_QUANTUM = Decimal("0.000001")


def chain_by_name(registry: ChainRegistry, name: str) -> ChainConfig:
    try:
        return registry.by_name(name)
    except UnknownChainError as exc:
        raise Problem(422, str(exc), type_="unknown-chain") from None


def grams_for_gas(chain: ChainConfig, gas: int) -> Decimal:
    return (Decimal(gas) * chain.carbon.grams_co2e_per_gas).quantize(GRAMS_QUANTUM)


def estimate(registry: ChainRegistry, chain_name: str, action: str) -> CarbonEstimate:
    chain = chain_by_name(registry, chain_name)
    actions = gas_actions()
    if action not in actions:
        known = ", ".join(actions)
        raise Problem(422, f"unknown action {action!r}; known actions: {known}", type_="unknown-action")
    gas = actions[action]
    return CarbonEstimate(
        chain=chain.name,
        chain_id=chain.chain_id,
        action=action,
        contract=gas.contract,
        function=gas.function,
        gas=gas.gas_used,
        grams_co2e=grams_for_gas(chain, gas.gas_used),
        factor=EmissionFactor(grams_co2e_per_gas=chain.carbon.grams_co2e_per_gas, source=chain.carbon.source),
        method=ESTIMATE_METHOD,
    )
