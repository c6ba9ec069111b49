"""What every read model shares: frozen result models, and the confirmed block of a chain.

Confirmed vs pending: a row is confirmed when its block is at or below ``chains.confirmed_block``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection, text

from indexer.core.errors import UnknownChainError


# Escrow look-ups by wallet (client or freelancer, on any chain) go through the (chain_id, wallet) indexes
# only when chain_id is constrained: ``e.chain_id = ANY(INDEXED_CHAINS)`` (an init plan, one tiny scan)
# turns a full scan of ``escrows`` into one index descent per chain and wallet.
INDEXED_CHAINS = "ARRAY(SELECT chain_id FROM chains)"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


def confirmed_block(conn: Connection, chain_id: int) -> int:
    value = conn.execute(text("SELECT confirmed_block FROM chains WHERE chain_id = :c"), {"c": chain_id}).scalar()
    if value is None:
        raise UnknownChainError(f"chain {chain_id} is not indexed")
    return int(value)
