"""Carbon estimates: gas an action uses (committed gas report) x the chain's gCO2e-per-gas factor."""

from __future__ import annotations

from decimal import Decimal

from api.carbon.gas_report import gas_actions
from sqlalchemy import Connection

from api.carbon.schemas import (
    ActionFootprint,
    CarbonEstimate,
    CarbonSummary,
    ChainFootprint,
    EmissionFactor,
    FootprintTotals,
    PeriodFootprint,
    SubjectFootprint,
)
from api.kit.pagination import decode_cursor, encode_cursor
from api.kit.problems import Problem
from indexer import read_models
from indexer.core.errors import UnknownChainError
from indexer.core.registry import ChainConfig, ChainRegistry

ESTIMATE_METHOD = (
    "gas used by the action in the reference run of scripts/gas_report.py, multiplied by the chain's "
    "emission factor (grams CO2e per unit of gas) from the chain registry"
)
GRAMS_QUANTUM = Decimal("0.000001")


def chain_by_name(registry: ChainRegistry, name: str) -> ChainConfig:
    try:
        return registry.by_id(int(name)) if name.strip().isdigit() else registry.by_name(name)
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


FOOTPRINT_METHOD = (
    "gas actually used by every indexed transaction that emitted a Lancer event (from its receipt), multiplied "
    "by the chain's emission factor; each transaction counts once, under the action of its most telling event; "
    "per user = transactions the address sent; per escrow = transactions that touched the escrow"
)


def _footprints(registry: ChainRegistry, rows: list[read_models.GasByAction],
                offsets: dict[int, int], chain_ids: list[int]) -> tuple[list[ChainFootprint], FootprintTotals]:
    chains: list[ChainFootprint] = []
    for chain_id in chain_ids:
        if not registry.has_id(chain_id):
            continue
        chain = registry.by_id(chain_id)
        mine = [r for r in rows if r.chain_id == chain_id]
        actions: dict[str, list[int]] = {}
        for r in mine:
            slot = actions.setdefault(r.action, [0, 0])
            slot[0] += r.transactions
            slot[1] += r.gas_used
        gas = sum(r.gas_used for r in mine)
        chains.append(ChainFootprint(
            chain_id=chain_id, chain=chain.name,
            factor=EmissionFactor(grams_co2e_per_gas=chain.carbon.grams_co2e_per_gas, source=chain.carbon.source),
            transactions=sum(r.transactions for r in mine), gas_used=gas,
            confirmed_gas_used=sum(r.confirmed_gas_used for r in mine), grams_co2e=grams_for_gas(chain, gas),
            offsets_grams_co2e=offsets.get(chain_id, 0),
            by_action=[ActionFootprint(action=a, transactions=n, gas_used=g, grams_co2e=grams_for_gas(chain, g))
                       for a, (n, g) in sorted(actions.items())]))
    emitted = sum((c.grams_co2e for c in chains), Decimal(0))
    offset = sum(c.offsets_grams_co2e for c in chains)
    totals = FootprintTotals(transactions=sum(c.transactions for c in chains), gas_used=sum(c.gas_used for c in chains),
                             grams_co2e=emitted, offsets_grams_co2e=offset, net_grams_co2e=emitted - offset)
    return chains, totals


def summary(registry: ChainRegistry, conn: Connection, chain: ChainConfig | None, period: str,
            periods_limit: int = 200, periods_cursor: str | None = None) -> CarbonSummary:
    chain_id = chain.chain_id if chain else None
    rows = read_models.gas_by_action(conn, chain_id=chain_id, period=period)
    indexed = sorted(read_models.chain_cursors(conn))
    chain_ids = [chain_id] if chain_id is not None and chain_id in indexed else ([] if chain_id else indexed)
    offsets = {o.chain_id: o.grams_co2e for o in read_models.offsets_by_chain(conn)}
    chains, totals = _footprints(registry, rows, offsets, chain_ids)
    after = decode_cursor(periods_cursor, (str, int, str))
    periods = []
    keyed = sorted((r for r in rows if r.period_start is not None and registry.has_id(r.chain_id)),
                   key=lambda r: (r.period_start.isoformat(), r.chain_id, r.action), reverse=True)  # type: ignore[union-attr]
    if after is not None:
        keyed = [r for r in keyed if (r.period_start.isoformat(), r.chain_id, r.action) < tuple(after)]  # type: ignore[union-attr]
    next_cursor = None
    if len(keyed) > periods_limit:
        keyed = keyed[:periods_limit]
        last = keyed[-1]
        next_cursor = encode_cursor([last.period_start.isoformat(), last.chain_id, last.action])  # type: ignore[union-attr]
    for r in keyed:
        assert r.period_start is not None
        periods.append(PeriodFootprint(period_start=r.period_start, chain_id=r.chain_id, action=r.action,
                                       transactions=r.transactions, gas_used=r.gas_used,
                                       grams_co2e=grams_for_gas(registry.by_id(r.chain_id), r.gas_used)))
    return CarbonSummary(method=FOOTPRINT_METHOD, period=period, chains=chains, periods=periods,  # type: ignore[arg-type]
                         totals=totals, periods_next_cursor=next_cursor)


def escrow_footprint(registry: ChainRegistry, conn: Connection, chain: ChainConfig, escrow: str) -> SubjectFootprint:
    rows = read_models.gas_by_action(conn, chain_id=chain.chain_id, escrow=escrow)
    chains, totals = _footprints(registry, rows, {}, [chain.chain_id])
    return SubjectFootprint(subject=escrow, method=FOOTPRINT_METHOD, chains=chains, totals=totals)


def account_footprint(registry: ChainRegistry, conn: Connection, chain: ChainConfig | None,
                      sender: str) -> SubjectFootprint:
    rows = read_models.gas_by_action(conn, chain_id=chain.chain_id if chain else None, sender=sender)
    ids = sorted({r.chain_id for r in rows})
    chains, totals = _footprints(registry, rows, {}, ids)
    return SubjectFootprint(subject=sender, method=FOOTPRINT_METHOD, chains=chains, totals=totals)
