"""Votes at a block from the indexed DelegateVotesChanged checkpoints (``indexer.read_models.governance``):
the same numbers as LancerToken's ``getPastVotes(address, block)``."""

from __future__ import annotations

from sqlalchemy import Connection

from api.governance.schemas import MAX_ADDRESSES, Score, VotesOut
from api.kit.deployments import DeploymentDirectory
from api.kit.params import address as checked_address
from api.kit.problems import Problem
from indexer import read_models
from indexer.core.errors import UnknownChainError
from indexer.core.registry import ChainConfig


def parse_block(value: int | str | None) -> int | None:
    """A block number; None for 'latest' or nothing (the confirmed block)."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "latest")):
        return None
    text = str(value).strip()
    if not text.isdigit() or int(text) >= 2**63:
        raise Problem(422, "block: a block number or 'latest'", type_="validation-error")
    return int(text)


def parse_addresses(values: list[str]) -> list[str]:
    if not values:
        raise Problem(422, "addresses: give at least one address", type_="validation-error")
    if len(values) > MAX_ADDRESSES:
        raise Problem(422, f"addresses: at most {MAX_ADDRESSES} per request", type_="validation-error")
    return [checked_address(a.strip(), "addresses") for a in values]


def votes(conn: Connection, deployments: DeploymentDirectory, chain: ChainConfig, addresses: list[str],
          block: int | None) -> VotesOut:
    dep = deployments.get(chain.chain_id)
    if dep is None or not dep.has("LancerToken"):
        raise Problem(409, f"LNC is not deployed on {chain.name}", type_="not-deployed")
    token = dep.address("LancerToken")
    cursors = read_models.chain_cursors(conn)
    cur = cursors.get(chain.chain_id)
    if cur is None:
        raise Problem(409, f"{chain.name} is not indexed yet", type_="not-indexed")
    at = cur.confirmed_block if block is None else block
    if at > cur.indexed_block:
        raise Problem(409, f"block {at} is not indexed yet on {chain.name} (indexed up to {cur.indexed_block}); "
                      "retry shortly", type_="not-indexed", indexed_block=cur.indexed_block)
    try:
        found = read_models.votes_at(conn, chain.chain_id, token, addresses, at)
    except UnknownChainError:
        raise Problem(409, f"{chain.name} is not indexed yet", type_="not-indexed") from None
    return VotesOut(chain_id=chain.chain_id, token=token, block=at, confirmed=at <= cur.confirmed_block,
                    score=[Score(address=v.address, score=v.votes) for v in found])
