"""`/v1/carbon/*`: estimates before sending, footprints from gas actually used, offsets vs emitted."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response

from api.auth import Scope, public_read
from api.kit.cache import cached_read, respond_model
from api.carbon import service
from api.carbon.gas_report import gas_actions
from api.carbon.schemas import CarbonEstimate, CarbonSummary, SubjectFootprint
from api.kit.pagination import MAX_LIMIT, Cursor
from api.kit.params import AddressPath, ChainQuery, chain_by_id, registry, resolve_chain
from api.kit.params import address as checksummed

router = APIRouter(tags=["carbon"])


@router.get("/v1/carbon/estimate", response_model=CarbonEstimate, dependencies=[public_read(Scope.READ_CHAIN)],
            summary="Estimated gCO2e of an action before it is sent (committed gas report x chain factor)")
def estimate(request: Request,
             chain: Annotated[str, Query(max_length=64, description="Chain registry name or chain id")],
             action: Annotated[str, Query(max_length=64, description="Action of contracts/gas-report.json, e.g. "
                                          + ", ".join(list(gas_actions())[:4]) + ", ...")]) -> Response:
    return respond_model(request, service.estimate(registry(request), chain, action), confirmed=True)


@router.get("/v1/carbon/summary", response_model=CarbonSummary, dependencies=[public_read(Scope.READ_CHAIN)],
            summary="Emitted gCO2e per chain, per action and per UTC period, from indexed gas; offsets recorded vs emitted")
async def summary(request: Request, chain: ChainQuery = None,
                  period: Annotated[Literal["day", "week", "month"], Query(description="UTC period of `periods`")] = "month",
                  periods_limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Periods per page")] = MAX_LIMIT,
                  periods_cursor: Cursor = None) -> Response:
    selected = resolve_chain(request, chain)
    reg = registry(request)
    key = f"carbon-summary:{selected.chain_id if selected else '*'}:{period}:{periods_limit}:{periods_cursor or ''}"
    return await cached_read(request, key,
                             lambda conn: service.summary(reg, conn, selected, period, periods_limit, periods_cursor),
                             confirmed=False, shared=True)


@router.get("/v1/carbon/escrows/{chain_id}/{address}", response_model=SubjectFootprint,
            responses={404: {"description": "Chain not in the registry"}},
            dependencies=[public_read(Scope.READ_CHAIN)],
            summary="Footprint of one escrow: every indexed transaction that touched it")
async def escrow_footprint(request: Request, chain_id: Annotated[int, Path(ge=1, le=2**53)],
                           address: AddressPath) -> Response:
    escrow = checksummed(address)
    chain = chain_by_id(request, chain_id)
    reg = registry(request)
    return await cached_read(request, f"carbon-escrow:{chain_id}:{escrow}",
                             lambda conn: service.escrow_footprint(reg, conn, chain, escrow), confirmed=False)


@router.get("/v1/carbon/accounts/{address}", response_model=SubjectFootprint,
            dependencies=[public_read(Scope.READ_CHAIN)],
            summary="Footprint of a user: the indexed transactions the address sent")
async def account_footprint(request: Request, address: AddressPath, chain: ChainQuery = None) -> Response:
    sender = checksummed(address)
    selected = resolve_chain(request, chain)
    reg = registry(request)
    key = f"carbon-account:{sender}:{selected.chain_id if selected else '*'}"
    return await cached_read(request, key, lambda conn: service.account_footprint(reg, conn, selected, sender),
                             confirmed=False)
