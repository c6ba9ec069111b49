"""Treasury inflows, distributions, splits and offsets, per chain and summed by symbol."""

from __future__ import annotations

from sqlalchemy import Connection

from api.kit.deployments import DeploymentDirectory
from api.kit.pagination import decode_cursor, encode_cursor
from api.treasury.schemas import (
    ChainTreasury,
    KindAmountOut,
    OffsetOut,
    OffsetPage,
    SplitOut,
    TokenAmountOut,
    TotalAmount,
    TotalKindAmount,
    TreasuryOut,
    TreasuryTotals,
)
from indexer import read_models
from indexer.core.errors import LancerError
from indexer.core.registry import ChainConfig, ChainRegistry
from indexer.read_models.sustainability import offsets_page


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
        chain_grams = t.offsets_grams_co2e
        grams += chain_grams
        certificates += t.offsets_count
        out.append(ChainTreasury(
            chain_id=chain.chain_id, chain=chain.name, treasury=address,
            as_of_block=cur.confirmed_block if confirmed_only else cur.indexed_block,
            fees_received=received, distributions=distributed,
            splits=[SplitOut(to=s.to_address, bps=s.bps, kind=kind_name(s.kind), kind_bytes32=s.kind) for s in t.splits],
            offsets=[OffsetOut(certificate_id=o.certificate_id, grams_co2e=o.grams_co2e, uri=o.uri,
                               recorded_by=o.recorded_by, block_number=o.block_number, confirmed=o.confirmed)
                     for o in t.offsets],
            offsets_count=t.offsets_count, offsets_grams_co2e=chain_grams))
    totals = TreasuryTotals(
        fees_received=[TotalAmount(symbol=s, decimals=d, amount=a) for (s, d), a in sorted(fees.items(), key=str)],
        distributions=[TotalKindAmount(kind=k, symbol=s, decimals=d, amount=a)
                       for (k, s, d), a in sorted(dists.items(), key=str)],
        offsets_grams_co2e=grams, offset_certificates=certificates)
    return TreasuryOut(confirmed_only=confirmed_only, chains=out, totals=totals)


def offsets(registry: ChainRegistry, conn: Connection, chain: ChainConfig | None, limit: int,
            cursor: str | None, confirmed_only: bool) -> OffsetPage:
    """Every recorded offset, newest first, in keyset pages of at most ``limit``."""
    after = decode_cursor(cursor, (int, int, int))
    rows = offsets_page(conn, chain_id=chain.chain_id if chain else None, limit=limit,
                        after=tuple(after) if after else None, confirmed_only=confirmed_only)  # type: ignore[arg-type]
    page, nxt = rows[:limit], None
    if len(rows) > limit:
        nxt = encode_cursor([page[-1].block_number, page[-1].chain_id, page[-1].log_index])
    items = []
    for o in page:
        known = registry.by_id(o.chain_id) if registry.has_id(o.chain_id) else None
        items.append(OffsetOut(chain_id=o.chain_id, tx_hash=o.tx_hash,
                               explorer_url=known.explorer_tx_url(o.tx_hash) if known else None,
                               certificate_id=o.certificate_id, grams_co2e=o.grams_co2e, uri=o.uri,
                               recorded_by=o.recorded_by, block_number=o.block_number, confirmed=o.confirmed))
    return OffsetPage(items=items, next_cursor=nxt)
