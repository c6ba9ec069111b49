"""`/v1/carbon/*`: estimates before sending, footprints from gas actually used, offsets vs emitted."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response

from api.auth import public_read
from api.cache import Cached, read_cache, respond
from api.carbon import service
from api.carbon.gas_report import gas_actions
from api.carbon.schemas import CarbonEstimate, CarbonSummary, SubjectFootprint
from api.params import AddressPath, ChainQuery, chain_by_id, registry, resolve_chain
from api.params import address as checksummed

router = APIRouter(tags=["carbon"])


@router.get("/v1/carbon/estimate", response_model=CarbonEstimate, dependencies=[public_read("read:chain")],
            summary="Estimated gCO2e of an action before it is sent (committed gas report x chain factor)")
def estimate(request: Request,
             chain: Annotated[str, Query(max_length=64, description="Chain registry name or chain id")],
             action: Annotated[str, Query(max_length=64, description="Action of contracts/gas-report.json, e.g. "
                                          + ", ".join(list(gas_actions())[:4]) + ", ...")]) -> Response:
    out = service.estimate(registry(request), chain, action)
    return respond(request, Cached.of(out.model_dump_json().encode(), confirmed=True))


@router.get("/v1/carbon/summary", response_model=CarbonSummary, dependencies=[public_read("read:chain")],
            summary="Emitted gCO2e per chain, per action and per UTC period, from indexed gas; offsets recorded vs emitted")
async def summary(request: Request, chain: ChainQuery = None,
                  period: Annotated[Literal["day", "week", "month"], Query(description="UTC period of `periods`")] = "month",
                  ) -> Response:
    selected = resolve_chain(request, chain)

    def build() -> Cached:
        with request.app.state.engine.connect() as conn:
            out = service.summary(registry(request), conn, selected, period)
        return Cached.of(out.model_dump_json().encode(), confirmed=False)

    key = f"carbon-summary:{selected.chain_id if selected else '*'}:{period}"
    return respond(request, await read_cache(request).fetch(key, build, shared=True))


@router.get("/v1/carbon/escrows/{chain_id}/{address}", response_model=SubjectFootprint,
            responses={404: {"description": "Chain not in the registry"}},
            dependencies=[public_read("read:chain")],
            summary="Footprint of one escrow: every indexed transaction that touched it")
async def escrow_footprint(request: Request, chain_id: Annotated[int, Path(ge=1, le=2**53)],
                           address: AddressPath) -> Response:
    escrow = checksummed(address)
    chain = chain_by_id(request, chain_id)

    def build() -> Cached:
        with request.app.state.engine.connect() as conn:
            out = service.escrow_footprint(registry(request), conn, chain, escrow)
        return Cached.of(out.model_dump_json().encode(), confirmed=False)

    return respond(request, await read_cache(request).fetch(f"carbon-escrow:{chain_id}:{escrow}", build))


@router.get("/v1/carbon/accounts/{address}", response_model=SubjectFootprint,
            dependencies=[public_read("read:chain")],
            summary="Footprint of a user: the indexed transactions the address sent")
async def account_footprint(request: Request, address: AddressPath, chain: ChainQuery = None) -> Response:
    sender = checksummed(address)
    selected = resolve_chain(request, chain)

    def build() -> Cached:
        with request.app.state.engine.connect() as conn:
            out = service.account_footprint(registry(request), conn, selected, sender)
        return Cached.of(out.model_dump_json().encode(), confirmed=False)

    key = f"carbon-account:{sender}:{selected.chain_id if selected else '*'}"
    return respond(request, await read_cache(request).fetch(key, build))
