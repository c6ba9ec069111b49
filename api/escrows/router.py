"""`/v1/escrows` (filtered list) and `/v1/escrows/{chain_id}/{address}` (detail)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from api.auth import Scope, public_read
from api.kit.cache import cached_read
from api.escrows import service
from api.escrows.schemas import EscrowDetailOut, EscrowPage, EscrowState
from api.kit.pagination import DEFAULT_LIMIT, Cursor, Limit
from api.kit.params import AddressPath, AddressQuery, ChainQuery, chain_by_id, deployments, optional_address
from api.kit.params import registry, resolve_chain
from api.kit.params import address as checksummed
from api.kit.problems import Problem
from indexer.read_models import EscrowFilter

router = APIRouter(tags=["escrows"])

StateQuery = Annotated[EscrowState | None,
                       Query(description="Escrow state")]


@router.get("/v1/escrows", response_model=EscrowPage, dependencies=[public_read(Scope.READ_ESCROWS)],
            summary="Escrows, newest first, filtered by party, chain, state and creation time")
async def list_escrows(
    request: Request, chain: ChainQuery = None, client: AddressQuery = None, freelancer: AddressQuery = None,
    arbiter: AddressQuery = None, state: StateQuery = None,
    created_from: Annotated[datetime | None, Query(description="Created at or after (ISO 8601)")] = None,
    created_to: Annotated[datetime | None, Query(description="Created before (ISO 8601)")] = None,
    limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None,
) -> Response:
    for name, value in (("created_from", created_from), ("created_to", created_to)):
        if value is not None and value.tzinfo is None:
            raise Problem(422, f"{name}: give a time zone (e.g. 2026-01-01T00:00:00Z)", type_="validation-error")
    selected = resolve_chain(request, chain)
    fields = dict(chain_id=selected.chain_id if selected else None,
                  client=optional_address(client, "client"), freelancer=optional_address(freelancer, "freelancer"),
                  arbiter=optional_address(arbiter, "arbiter"), status=state,
                  created_from=created_from, created_to=created_to)
    reg, directory = registry(request), deployments(request)
    # The filter model is only built on a miss; the key is the normalized inputs (repr of ints,
    # checksummed addresses, a state literal and aware datetimes: distinct inputs, distinct keys).
    key = f"escrows:{fields!r}:{limit}:{cursor or ''}"
    return await cached_read(
        request, key, lambda conn: service.escrow_page(reg, directory, conn, EscrowFilter(**fields), limit, cursor),
        confirmed=lambda page: all(i.confirmed for i in page.items))


@router.get("/v1/escrows/{chain_id}/{address}", response_model=EscrowDetailOut,
            dependencies=[public_read(Scope.READ_ESCROWS)],
            responses={404: {"description": "No such chain in the registry, or no such escrow in the index"}},
            summary="One escrow: milestones, amounts, auto-release deadlines, disputes and its event timeline")
async def get_escrow(request: Request, chain_id: Annotated[int, Path(ge=1, le=2**53)], address: AddressPath) -> Response:
    escrow = checksummed(address)
    chain = chain_by_id(request, chain_id)
    directory = deployments(request)
    return await cached_read(
        request, f"escrow:{chain.chain_id}:{escrow}",
        lambda conn: service.escrow_detail(directory, conn, chain, escrow),
        confirmed=lambda out: out.confirmed and all(m.confirmed for m in out.milestones),
        not_found=Problem(404, f"no escrow {escrow} on chain {chain.name} in the index", type_="escrow-not-found"))
