"""Invoices derived from the index: one per milestone paid out of an escrow; parties only."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Connection

from api.invoices.schemas import InvoiceOut, InvoicePage
from api.kit.deployments import DeploymentDirectory
from api.kit.pagination import decode_cursor, encode_cursor
from api.kit.problems import Problem
from api.transactions.service import wallets_of
from indexer import read_models
from indexer.core.addresses import ZERO_ADDRESS, checksum
from indexer.core.registry import ChainRegistry


def invoice_id(chain_id: int, escrow: str, index: int) -> str:
    return f"{chain_id}-{escrow}-{index}"


def _out(registry: ChainRegistry, deployments: DeploymentDirectory, m: read_models.ReleasedMilestone,
         wallets: list[str]) -> InvoiceOut:
    cfg = registry.by_id(m.chain_id) if registry.has_id(m.chain_id) else None
    info = deployments.token_info(cfg, m.token) if cfg else None
    ident = invoice_id(m.chain_id, m.escrow, m.index)
    return InvoiceOut(
        id=ident, number=ident, chain_id=m.chain_id, chain=cfg.name if cfg else str(m.chain_id), escrow=m.escrow,
        milestone_index=m.index, client=m.client, freelancer=m.freelancer,
        role="freelancer" if m.freelancer in wallets else "client", amount=m.gross, to_freelancer=m.to_freelancer,
        fee=m.fee, fee_bps=m.fee_bps, token=None if m.token == ZERO_ADDRESS else m.token,
        symbol=info.symbol if info else None, decimals=info.decimals if info else None, tx_hash=m.tx_hash,
        explorer_url=cfg.explorer_tx_url(m.tx_hash) if cfg else None, block_number=m.block_number,
        issued_at=m.block_time, confirmed=m.confirmed, pdf_url=f"/v1/invoices/{ident}.pdf")


def my_invoices(registry: ChainRegistry, deployments: DeploymentDirectory, conn: Connection, user_id: uuid.UUID,
                limit: int, cursor: str | None) -> InvoicePage:
    key = decode_cursor(cursor, (str, int, str, int))
    try:
        after = (datetime.fromisoformat(str(key[0])), int(key[1]), str(key[2]), int(key[3])) if key else None
    except ValueError:
        raise Problem(400, "cursor is not one this API issued; start again without it", type_="invalid-cursor") from None
    wallets = wallets_of(conn, user_id)
    rows = read_models.released_milestones(conn, wallets, limit=limit, after=after)
    items = [_out(registry, deployments, m, wallets) for m in rows[:limit]]
    last = rows[limit - 1] if len(rows) > limit else None
    next_cursor = encode_cursor([last.block_time.isoformat(), last.chain_id, last.escrow, last.index]) if last else None
    return InvoicePage(items=items, next_cursor=next_cursor)


def invoice(registry: ChainRegistry, deployments: DeploymentDirectory, conn: Connection, user_id: uuid.UUID,
            ident: str) -> InvoiceOut:
    """One invoice; 404 unless the user's wallet is its client or freelancer (no hint it exists)."""
    chain, escrow, index = ident.split("-")
    wallets = wallets_of(conn, user_id)
    m = read_models.released_milestone(conn, int(chain), checksum(escrow), int(index))
    if m is None or (m.client not in wallets and m.freelancer not in wallets):
        raise Problem(404, "no such invoice (or you are not a party to it)", type_="not-found")
    return _out(registry, deployments, m, wallets)
