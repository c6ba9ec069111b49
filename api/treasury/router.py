"""`/v1/treasury`: the public "where the fees go" page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy import Connection

from api.auth import Scope, public_read
from api.kit.cache import cached_read
from api.kit.params import ChainQuery, deployments, registry, resolve_chain
from api.treasury import service
from api.kit.deps import get_connection
from api.kit.pagination import DEFAULT_LIMIT, Cursor, Limit
from api.treasury.schemas import OffsetPage, TreasuryOut

router = APIRouter(tags=["treasury"])


@router.get("/v1/treasury", response_model=TreasuryOut, dependencies=[public_read(Scope.READ_CHAIN)],
            summary="Fees received per token, distributions per split kind, offsets and current splits; per chain and in total")
async def get_treasury(request: Request, chain: ChainQuery = None,
                       pending: Annotated[bool, Query(description="Include unconfirmed blocks")] = False) -> Response:
    selected = resolve_chain(request, chain)
    chains = [selected] if selected else list(registry(request).chains)
    directory = deployments(request)
    key = f"treasury:{selected.chain_id if selected else '*'}:{pending}"
    return await cached_read(
        request, key, lambda conn: service.treasury(directory, conn, chains, confirmed_only=not pending),
        confirmed=not pending, shared=True)


@router.get("/v1/treasury/offsets", response_model=OffsetPage, dependencies=[public_read(Scope.READ_CHAIN)],
            summary="Every recorded carbon-offset certificate, newest first (keyset pages)")
def list_offsets(request: Request, conn: Annotated[Connection, Depends(get_connection)], chain: ChainQuery = None,
                 pending: Annotated[bool, Query(description="Include unconfirmed blocks")] = False,
                 limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> OffsetPage:
    return service.offsets(registry(request), conn, resolve_chain(request, chain), limit, cursor,
                           confirmed_only=not pending)
