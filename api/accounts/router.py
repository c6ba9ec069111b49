"""`/v1/accounts/{address}/balances` and `/v1/accounts/{address}/transfers`."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from api.accounts import service
from api.accounts.schemas import BalancesOut, TransferPage
from api.auth import public_read
from api.cache import Cached, read_cache, respond
from api.pagination import DEFAULT_LIMIT, Cursor, Limit
from api.params import AddressPath, ChainQuery, registry, resolve_chain
from api.params import address as checksummed

router = APIRouter(tags=["accounts"])


@router.get("/v1/accounts/{address}/balances", response_model=BalancesOut,
            dependencies=[public_read("read:chain")],
            summary="LNC and native balances of an address, on one chain (`chain`) or all, confirmed and pending")
async def get_balances(request: Request, address: AddressPath, chain: ChainQuery = None) -> Response:
    holder = checksummed(address)
    selected = resolve_chain(request, chain)
    chains = [selected] if selected else list(registry(request).chains)

    def build() -> Cached:
        with request.app.state.engine.connect() as conn:
            out = service.balances(request, conn, holder, chains)
        return Cached.of(out.model_dump_json().encode(), confirmed=service.all_confirmed(out))

    key = f"balances:{holder}:{selected.chain_id if selected else '*'}"
    return respond(request, await read_cache(request).fetch(key, build))


@router.get("/v1/accounts/{address}/transfers", response_model=TransferPage,
            dependencies=[public_read("read:chain")],
            summary="LNC transfers from or to an address, newest first (keyset pagination)")
async def get_transfers(request: Request, address: AddressPath, chain: ChainQuery = None,
                        limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> Response:
    holder = checksummed(address)
    selected = resolve_chain(request, chain)

    def build() -> Cached:
        with request.app.state.engine.connect() as conn:
            page = service.transfers(request, conn, holder, selected, limit, cursor)
        return Cached.of(page.model_dump_json().encode(), confirmed=all(i.confirmed for i in page.items))

    key = f"transfers:{holder}:{selected.chain_id if selected else '*'}:{limit}:{cursor or ''}"
    return respond(request, await read_cache(request).fetch(key, build))
