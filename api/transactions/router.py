"""`/v1/me/transactions`: every on-chain movement of my linked wallets."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import Connection

from api.auth import Principal, user
from api.kit.deps import get_connection
from api.kit.pagination import DEFAULT_LIMIT, Cursor, Limit
from api.kit.params import ChainQuery, deployments, registry, resolve_chain
from api.transactions import service
from api.transactions.schemas import MovementType, TransactionPage

router = APIRouter(tags=["transactions"])


@router.get("/v1/me/transactions", response_model=TransactionPage,
            summary="Money that moved for my linked wallets on every chain, newest first (keyset pagination)")
def my_transactions(principal: Annotated[Principal, user()], request: Request,
                    conn: Annotated[Connection, Depends(get_connection)], chain: ChainQuery = None,
                    type: Annotated[list[MovementType] | None, Query(description="Only these types")] = None,
                    limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> TransactionPage:
    assert principal.user_id is not None
    return service.transactions(registry(request), deployments(request), conn, principal.user_id,
                                resolve_chain(request, chain), list(type) if type else None, limit, cursor)
