"""Read models of the staking projection (LancerStaking): one account's position, summed over its events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, text

from indexer.read_models.base import _Model, confirmed_block


class StakingPosition(_Model):
    chain_id: int
    staking: str
    account: str
    staked: int  # earning stake: staked - requested
    unbonding: int  # requested and not yet withdrawn
    unlock_at: int | None  # seconds; the last request's unlock time (a new request restarts the clock)
    withdrawn: int
    rewards_paid: int
    as_of_block: int
    as_of_time: datetime | None  # block time of the latest stored block at or below as_of_block
    confirmed_only: bool


def position(conn: Connection, chain_id: int, staking: str, account: str, *, confirmed_only: bool = True) -> StakingPosition:
    conf = confirmed_block(conn, chain_id)
    upto = conf if confirmed_only else int(conn.execute(text(
        "SELECT block_number FROM chains WHERE chain_id = :c"), {"c": chain_id}).scalar() or 0)
    rows = conn.execute(text("""
        SELECT kind, amount, unlock_at FROM staking_events
         WHERE chain_id = :c AND staking = :s AND account = :a AND block_number <= :b
         ORDER BY block_number, log_index
    """), {"c": chain_id, "s": staking, "a": account, "b": upto}).all()
    staked = unbonding = withdrawn = paid = 0
    unlock_at: int | None = None
    for r in rows:
        amount = int(r.amount)
        if r.kind == "staked":
            staked += amount
        elif r.kind == "unstake_requested":
            staked -= amount
            unbonding += amount
            unlock_at = r.unlock_at
        elif r.kind == "withdrawn":  # the contract withdraws the whole unbonding balance
            unbonding -= amount
            withdrawn += amount
            unlock_at = None
        elif r.kind == "reward_paid":
            paid += amount
    at = conn.execute(text("SELECT timestamp FROM blocks WHERE chain_id = :c AND number <= :n "
                           "ORDER BY number DESC LIMIT 1"), {"c": chain_id, "n": upto}).scalar()
    return StakingPosition(chain_id=chain_id, staking=staking, account=account, staked=staked, unbonding=unbonding,
                           unlock_at=unlock_at if unbonding else None, withdrawn=withdrawn, rewards_paid=paid,
                           as_of_block=upto, as_of_time=at, confirmed_only=confirmed_only)


def stakes(conn: Connection, chain_id: int, staking: str) -> dict[str, int]:
    """Earning stake of every account, as of the confirmed block (fee-rebate tiers)."""
    conf = confirmed_block(conn, chain_id)
    rows = conn.execute(text("""
        SELECT account, sum(CASE kind WHEN 'staked' THEN amount WHEN 'unstake_requested' THEN -amount ELSE 0 END) AS s
          FROM staking_events WHERE chain_id = :c AND staking = :s AND block_number <= :b GROUP BY account
    """), {"c": chain_id, "s": staking, "b": conf}).all()
    return {r.account: int(r.s) for r in rows if int(r.s) > 0}
