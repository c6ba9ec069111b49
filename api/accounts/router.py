"""`/v1/accounts/{address}/balances` and `/v1/accounts/{address}/transfers`."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from api.accounts import service
from api.accounts.schemas import BalancesOut, TransferPage
from api.auth import Scope, public_read
from api.kit.cache import cached_read
from api.kit.pagination import DEFAULT_LIMIT, Cursor, Limit
from api.kit.params import AddressPath, ChainQuery, deployments, registry, resolve_chain
from api.kit.params import address as checksummed

router = APIRouter(tags=["accounts"])


@router.get("/v1/accounts/{address}/balances", response_model=BalancesOut,
            dependencies=[public_read(Scope.READ_CHAIN)],
            summary="LNC and native balances of an address, on one chain (`chain`) or all, confirmed and pending")
async def get_balances(request: Request, address: AddressPath, chain: ChainQuery = None) -> Response:
    holder = checksummed(address)
    selected = resolve_chain(request, chain)
    chains = [selected] if selected else list(registry(request).chains)
    directory = deployments(request)
    key = f"balances:{holder}:{selected.chain_id if selected else '*'}"
    return await cached_read(request, key, lambda conn: service.balances(directory, conn, holder, chains),
                             confirmed=service.all_confirmed)


@router.get("/v1/accounts/{address}/transfers", response_model=TransferPage,
            dependencies=[public_read(Scope.READ_CHAIN)],
            summary="LNC transfers from or to an address, newest first (keyset pagination)")
async def get_transfers(request: Request, address: AddressPath, chain: ChainQuery = None,
                        limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> Response:
    holder = checksummed(address)
    selected = resolve_chain(request, chain)
    reg, directory = registry(request), deployments(request)
    key = f"transfers:{holder}:{selected.chain_id if selected else '*'}:{limit}:{cursor or ''}"
    return await cached_read(
        request, key, lambda conn: service.transfers(reg, directory, conn, holder, selected, limit, cursor),
        confirmed=lambda page: all(i.confirmed for i in page.items))
