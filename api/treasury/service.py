"""Treasury inflows, distributions, splits and offsets, per chain and summed by symbol."""

from __future__ import annotations

from sqlalchemy import Connection

from api.kit.deployments import DeploymentDirectory
from api.treasury.schemas import (
    ChainTreasury,
    KindAmountOut,
    OffsetOut,
    SplitOut,
    TokenAmountOut,
    TotalAmount,
    TotalKindAmount,
    TreasuryOut,
    TreasuryTotals,
)
from indexer import read_models
from indexer.core.errors import LancerError
from indexer.core.registry import ChainConfig


def kind_name(kind: str) -> str:
    """bytes32 split kinds are short ASCII labels padded with zeros; anything else stays hex."""
    try:
        raw = bytes.fromhex(kind.removeprefix("0x")).rstrip(b"\0")
        label = raw.decode("ascii")
        if label and label.isprintable():
            return label
    except (ValueError, UnicodeDecodeError):
        pass
    return kind


def treasury(deployments: DeploymentDirectory, conn: Connection, chains: list[ChainConfig], confirmed_only: bool) -> TreasuryOut:
    cursors = read_models.chain_cursors(conn)
    out: list[ChainTreasury] = []
    fees: dict[tuple[str | None, int | None], int] = {}
    dists: dict[tuple[str, str | None, int | None], int] = {}
    grams = certificates = 0
    for chain in chains:
        cur = cursors.get(chain.chain_id)
        if cur is None:
            continue
        t = read_models.treasury(conn, chain.chain_id, confirmed_only=confirmed_only)
        dep = deployments.get(chain.chain_id)
        try:
            address = dep.address("Treasury") if dep else None
        except LancerError:
            address = None
        received = []
        for r in t.inflows:
            info = deployments.token_info(chain, r.token)
            received.append(TokenAmountOut(token=info.address, symbol=info.symbol, decimals=info.decimals,
                                           amount=r.amount, count=r.count))
            fees[(info.symbol, info.decimals)] = fees.get((info.symbol, info.decimals), 0) + r.amount
        distributed = []
        for d in t.distributions:
            info = deployments.token_info(chain, d.token)
            distributed.append(KindAmountOut(kind=kind_name(d.kind), kind_bytes32=d.kind, token=info.address,
                                             symbol=info.symbol, decimals=info.decimals, amount=d.amount))
            k = (kind_name(d.kind), info.symbol, info.decimals)
            dists[k] = dists.get(k, 0) + d.amount
        chain_grams = sum(o.grams_co2e for o in t.offsets)
        grams += chain_grams
        certificates += len(t.offsets)
        out.append(ChainTreasury(
            chain_id=chain.chain_id, chain=chain.name, treasury=address,
            as_of_block=cur.confirmed_block if confirmed_only else cur.indexed_block,
            fees_received=received, distributions=distributed,
            splits=[SplitOut(to=s.to_address, bps=s.bps, kind=kind_name(s.kind), kind_bytes32=s.kind) for s in t.splits],
            offsets=[OffsetOut(certificate_id=o.certificate_id, grams_co2e=o.grams_co2e, uri=o.uri,
                               recorded_by=o.recorded_by, block_number=o.block_number, confirmed=o.confirmed)
                     for o in t.offsets],
            offsets_grams_co2e=chain_grams))
    totals = TreasuryTotals(
        fees_received=[TotalAmount(symbol=s, decimals=d, amount=a) for (s, d), a in sorted(fees.items(), key=str)],
        distributions=[TotalKindAmount(kind=k, symbol=s, decimals=d, amount=a)
                       for (k, s, d), a in sorted(dists.items(), key=str)],
        offsets_grams_co2e=grams, offset_certificates=certificates)
    return TreasuryOut(confirmed_only=confirmed_only, chains=out, totals=totals)
