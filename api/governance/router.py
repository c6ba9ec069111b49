"""Governance (issue 17): LNC votes at a block, as a Snapshot strategy endpoint (`api` GET and `api-post`)."""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.auth import Scope, public_read
from api.governance import service
from api.governance.schemas import SnapshotPostIn, VotesOut
from api.kit.cache import cached_read
from api.kit.params import deployments, resolve_chain
from api.kit.problems import Problem
from indexer.core.registry import ChainConfig

FEATURE = "enable_token_economy"
router = APIRouter(tags=["governance"])


async def _votes(request: Request, chain: ChainConfig, addresses: list[str], block: int | None) -> Response:
    directory = deployments(request)
    digest = hashlib.sha256(",".join(addresses).encode()).hexdigest()[:32]
    key = f"votes:{chain.chain_id}:{block if block is not None else 'confirmed'}:{digest}"
    return await cached_read(request, key, lambda conn: service.votes(conn, directory, chain, addresses, block),
                             confirmed=lambda out: bool(out.confirmed))


def _chain(request: Request, value: str | int | None) -> ChainConfig:
    chain = resolve_chain(request, value)
    if chain is None:
        raise Problem(422, "chain (or network) is required", type_="validation-error")
    return chain


@router.get("/v1/governance/votes", response_model=VotesOut,
            dependencies=[public_read(Scope.READ_CHAIN, feature=FEATURE)],
            summary="LNC votes of addresses at a block (= getPastVotes), from the indexed checkpoints; "
                    "Snapshot's `api` strategy query names (network, snapshot) are accepted too",
            responses={409: {"description": "Block not indexed yet, or LNC not deployed on the chain"}})
async def get_votes(request: Request,
              addresses: Annotated[str, Query(max_length=50_000, description="Comma-separated addresses")],
              chain: Annotated[str | None, Query(max_length=64, description="Chain name or id")] = None,
              network: Annotated[str | None, Query(max_length=64, description="Alias of chain (Snapshot)")] = None,
              block: Annotated[str | None, Query(max_length=24, description="Block number or 'latest' "
                                                                            "(default: the confirmed block)")] = None,
              snapshot: Annotated[str | None, Query(max_length=24, description="Alias of block (Snapshot)")] = None,
              ) -> Response:
    wanted = service.parse_addresses([a for a in addresses.split(",") if a.strip()])
    return await _votes(request, _chain(request, chain or network), wanted,
                        service.parse_block(block if block is not None else snapshot))


@router.post("/v1/governance/votes", response_model=VotesOut,
             dependencies=[public_read(Scope.READ_CHAIN, feature=FEATURE)],
             summary="The same, for Snapshot's `api-post` strategy: body {network, snapshot, addresses, options}",
             responses={409: {"description": "Block not indexed yet, or LNC not deployed on the chain"}})
async def post_votes(body: SnapshotPostIn, request: Request) -> Response:
    return await _votes(request, _chain(request, body.network), service.parse_addresses(body.addresses),
                        service.parse_block(body.snapshot))
