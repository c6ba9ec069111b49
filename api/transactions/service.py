"""A user's on-chain money movements on every chain, from the index (``read_models.wallet_movements``)."""

from __future__ import annotations

import uuid

from sqlalchemy import Connection, select

from api.identity.models import Wallet
from api.kit.deployments import DeploymentDirectory
from api.kit.pagination import decode_cursor, encode_cursor
from api.kit.problems import Problem
from api.transactions.schemas import TransactionOut, TransactionPage
from indexer import read_models
from indexer.core.addresses import ZERO_ADDRESS
from indexer.core.registry import ChainConfig, ChainRegistry


def wallets_of(conn: Connection, user_id: uuid.UUID) -> list[str]:
    return list(conn.scalars(select(Wallet.address).where(Wallet.user_id == user_id).order_by(Wallet.address)))


def transactions(registry: ChainRegistry, deployments: DeploymentDirectory, conn: Connection, user_id: uuid.UUID,
                 chain: ChainConfig | None, types: list[str] | None, limit: int, cursor: str | None) -> TransactionPage:
    key = decode_cursor(cursor, (int, int, int, int))
    try:
        after = (int(key[0]), int(key[1]), int(key[2]), int(key[3])) if key else None
    except ValueError:
        raise Problem(400, "cursor is not one this API issued; start again without it", type_="invalid-cursor") from None
    rows = read_models.wallet_movements(conn, wallets_of(conn, user_id), chain_id=chain.chain_id if chain else None,
                                        types=types, limit=limit, after=after)
    items = []
    for r in rows[:limit]:
        cfg = registry.by_id(r.chain_id) if registry.has_id(r.chain_id) else None
        info = deployments.token_info(cfg, r.token) if cfg else None
        items.append(TransactionOut(
            chain_id=r.chain_id, chain=cfg.name if cfg else str(r.chain_id), type=r.type,  # type: ignore[arg-type]
            wallet=r.wallet, amount=r.amount, token=None if r.token == ZERO_ADDRESS else r.token,
            symbol=info.symbol if info else None, decimals=info.decimals if info else None, escrow=r.escrow,
            tx_hash=r.tx_hash, explorer_url=cfg.explorer_tx_url(r.tx_hash) if cfg else None,
            block_number=r.block_number, log_index=r.log_index, block_time=r.block_time, confirmed=r.confirmed))
    next_cursor = encode_cursor(list(rows[limit - 1].key)) if len(rows) > limit else None
    return TransactionPage(items=items, next_cursor=next_cursor)
