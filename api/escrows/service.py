"""Escrow list and detail from the indexer's read models."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection

from api.escrows.schemas import (
    DisputeStatus,
    EscrowAmounts,
    EscrowDetailOut,
    EscrowPage,
    EscrowSummary,
    MilestoneOut,
    TimelineEvent,
    TokenOut,
)
from api.kit.pagination import decode_cursor, encode_cursor, invalid_cursor
from api.kit.deployments import DeploymentDirectory
from api.kit.problems import Problem
from indexer import read_models
from indexer.read_models import Escrow, EscrowFilter
from indexer.core.registry import ChainConfig, ChainRegistry


def _summary(deployments: DeploymentDirectory, chain: ChainConfig, e: Escrow) -> dict[str, object]:
    info = deployments.token_info(chain, e.token)
    return dict(
        chain_id=e.chain_id, chain=chain.name, address=e.address, client=e.client, freelancer=e.freelancer,
        arbiter=e.arbiter, token=TokenOut(address=info.address, symbol=info.symbol, decimals=info.decimals),
        state=e.status,
        amounts=EscrowAmounts(total=e.total, funded=e.funded_amount, released=e.released, refunded=e.refunded,
                              fees=e.fees, locked=e.locked, decimals=info.decimals),
        fee_bps=e.fee_bps, milestone_count=e.milestone_count, review_period_seconds=e.review_period,
        created_at=e.created_at, created_block=e.created_block, created_tx=e.created_tx, last_block=e.block_number,
        confirmed=e.confirmed, explorer_url=chain.explorer_address_url(e.address),
    )


def escrow_page(registry: ChainRegistry, deployments: DeploymentDirectory, conn: Connection, flt: EscrowFilter, limit: int, cursor: str | None) -> EscrowPage:
    key = decode_cursor(cursor, (str, int, str))
    after = None
    if key is not None:
        try:
            after = (datetime.fromisoformat(key[0]), key[1], key[2])
        except ValueError:
            raise invalid_cursor() from None
    rows = read_models.escrow_list(conn, flt, limit=limit, after=after)
    reg = registry
    items = [EscrowSummary(**_summary(deployments, reg.by_id(e.chain_id), e))  # type: ignore[arg-type]
             for e in rows[:limit] if reg.has_id(e.chain_id)]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_cursor([last.created_at.isoformat(), last.chain_id, last.address])
    return EscrowPage(items=items, next_cursor=next_cursor)


def escrow_detail(deployments: DeploymentDirectory, conn: Connection, chain: ChainConfig, address: str) -> EscrowDetailOut | None:
    try:
        found = read_models.escrow_detail(conn, chain.chain_id, address)
    except Exception as exc:  # UnknownChainError: the chain is registered but not indexed yet
        if type(exc).__name__ == "UnknownChainError":
            return None
        raise
    if found is None:
        return None
    e = found.escrow
    milestones = []
    for m in found.milestones:
        auto = None
        if m.status == "submitted" and m.submitted_at is not None:
            auto = (m.submitted_at + timedelta(seconds=e.review_period)).astimezone(UTC)
        milestones.append(MilestoneOut(
            index=m.index, amount=m.amount, state=m.status, submitted_at=m.submitted_at,  # type: ignore[arg-type]
            deliverable_hash=m.deliverable_hash, auto_release_at=auto, to_freelancer=m.to_freelancer,
            to_client=m.to_client, fee=m.fee, disputed_by=m.disputed_by, confirmed=m.confirmed))
    timeline = [TimelineEvent(block_number=ev.block_number, log_index=ev.log_index, block_time=ev.block_time,
                              event=ev.event_name, args=ev.args, tx_hash=ev.tx_hash,
                              explorer_url=chain.explorer_tx_url(ev.tx_hash), confirmed=ev.confirmed)
                for ev in found.timeline]
    return EscrowDetailOut(
        **_summary(deployments, chain, e),  # type: ignore[arg-type]
        metadata_hash=e.metadata_hash, milestones=milestones,
        dispute=DisputeStatus(open=any(m.state == "disputed" for m in milestones),
                              open_milestones=[m.index for m in milestones if m.state == "disputed"],
                              resolved_milestones=[m.index for m in milestones if m.state == "resolved"]),
        timeline=timeline,
    )
