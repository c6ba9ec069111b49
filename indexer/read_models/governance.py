"""Read models of the governance projection: LNC votes of addresses at a block, with the semantics of
ERC20Votes' ``getPastVotes`` (checkpoints keyed by block number; the value at a block is the delegate's
last checkpoint at or below it, or 0)."""

from __future__ import annotations

from sqlalchemy import Connection, text

from indexer.read_models.base import _Model


class Votes(_Model):
    address: str
    votes: int


def votes_at(conn: Connection, chain_id: int, token: str, addresses: list[str], block: int) -> list[Votes]:
    """Votes of each address at ``block`` (in the order given)."""
    if not addresses:
        return []
    rows = conn.execute(text("""
        SELECT DISTINCT ON (delegate) delegate, new_votes FROM vote_checkpoints
         WHERE chain_id = :c AND token = :t AND delegate = ANY(:a) AND block_number <= :b
         ORDER BY delegate, block_number DESC, log_index DESC
    """), {"c": chain_id, "t": token, "a": list(set(addresses)), "b": block}).all()
    found = {r.delegate: int(r.new_votes) for r in rows}
    return [Votes(address=a, votes=found.get(a, 0)) for a in addresses]


def delegate_of(conn: Connection, chain_id: int, token: str, delegator: str, block: int) -> str | None:
    """Whom ``delegator`` delegated to at ``block`` (None: never delegated)."""
    value = conn.execute(text("""
        SELECT to_delegate FROM vote_delegations WHERE chain_id = :c AND token = :t AND delegator = :d
           AND block_number <= :b ORDER BY block_number DESC, log_index DESC LIMIT 1
    """), {"c": chain_id, "t": token, "d": delegator, "b": block}).scalar()
    return str(value) if value is not None else None
