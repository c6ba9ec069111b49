"""Balances and transfers of one address, read through the indexer's read models."""

from __future__ import annotations

from sqlalchemy import Connection

from api.accounts.schemas import AssetBalance, AssetTotal, BalancesOut, TransferOut, TransferPage
from api.kit.pagination import decode_cursor, encode_cursor
from api.kit.deployments import LNC_DECIMALS, DeploymentDirectory
from indexer import read_models
from indexer.core.registry import ChainConfig, ChainRegistry

NATIVE_METHOD = ("native balances are snapshots (eth_getBalance) the indexer takes at the last block of each "
                 "batch in which the address took part in platform events (deep in a backfill: at the node's "
                 "head), served only once that block is indexed as canonical; `*_as_of_block` names that block")


def balances(deployments: DeploymentDirectory, conn: Connection, holder: str, chains: list[ChainConfig]) -> BalancesOut:
    cursors = read_models.chain_cursors(conn)
    items: list[AssetBalance] = []
    for chain in chains:
        cur = cursors.get(chain.chain_id)
        if cur is None:
            continue
        native = chain.native_currency
        conf = read_models.native_balance(conn, chain.chain_id, holder, cur.confirmed_block)
        pend = read_models.native_balance(conn, chain.chain_id, holder, cur.indexed_block)
        items.append(AssetBalance(
            chain_id=chain.chain_id, chain=chain.name, asset="native", token=None, symbol=native.symbol,
            decimals=native.decimals, confirmed=conf.balance if conf else None,
            confirmed_as_of_block=conf.as_of_block if conf else None, pending=pend.balance if pend else None,
            pending_as_of_block=pend.as_of_block if pend else None))
        token = deployments.lnc_address(chain.chain_id)
        if token is None:
            continue
        lnc = {}
        for confirmed in (True, False):
            rows = read_models.balances(conn, chain.chain_id, holder, confirmed=confirmed)
            found = next((b for b in rows if b.token == token), None)
            lnc[confirmed] = (found.balance if found else 0,
                              found.as_of_block if found else (cur.confirmed_block if confirmed else cur.indexed_block))
        items.append(AssetBalance(
            chain_id=chain.chain_id, chain=chain.name, asset="LNC", token=token, symbol="LNC",
            decimals=LNC_DECIMALS, confirmed=lnc[True][0], confirmed_as_of_block=lnc[True][1],
            pending=lnc[False][0], pending_as_of_block=lnc[False][1]))
    totals: dict[tuple[str, int], AssetTotal] = {}
    for item in items:
        total = totals.setdefault((item.symbol, item.decimals),
                                  AssetTotal(symbol=item.symbol, decimals=item.decimals, confirmed=0, pending=0, chains=[]))
        total.confirmed += item.confirmed or 0
        total.pending += item.pending or 0
        total.chains.append(item.chain_id)
    return BalancesOut(address=holder, items=items, totals=list(totals.values()), method=NATIVE_METHOD)


def all_confirmed(out: BalancesOut) -> bool:
    return all(i.confirmed == i.pending for i in out.items)


def transfers(registry: ChainRegistry, deployments: DeploymentDirectory, conn: Connection, holder: str, chain: ChainConfig | None, limit: int,
              cursor: str | None) -> TransferPage:
    key = decode_cursor(cursor, (int, int, int))
    after = (key[0], key[1], key[2]) if key else None
    rows = read_models.account_transfers(conn, holder, chain_id=chain.chain_id if chain else None, limit=limit,
                                         after=after)
    cursors = read_models.chain_cursors(conn)
    reg = registry
    items = []
    for r in rows[:limit]:
        cfg = reg.by_id(r.chain_id) if reg.has_id(r.chain_id) else None
        info = deployments.token_info(cfg, r.token) if cfg else None
        cur = cursors.get(r.chain_id)
        items.append(TransferOut(
            chain_id=r.chain_id, chain=cfg.name if cfg else str(r.chain_id), block_number=r.block_number,
            log_index=r.log_index, block_time=r.block_time, tx_hash=r.tx_hash,
            explorer_url=cfg.explorer_tx_url(r.tx_hash) if cfg else None, token=r.token,
            symbol=info.symbol if info else None, decimals=info.decimals if info else None,
            from_address=r.from_address, to_address=r.to_address,
            direction="self" if r.from_address == r.to_address else ("out" if r.from_address == holder else "in"),
            value=r.value, confirmed=cur is not None and r.block_number <= cur.confirmed_block))
    next_cursor = None
    if len(rows) > limit and items:
        last = rows[limit - 1]
        next_cursor = encode_cursor([int(last.block_time.timestamp() * 1_000_000), last.chain_id,
                                     last.block_number * 1048576 + last.log_index])
    return TransferPage(items=items, next_cursor=next_cursor)
