"""`/v1/treasury`: the public "where the fees go" page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.auth import public_read
from api.cache import Cached, read_cache, respond
from api.params import ChainQuery, registry, resolve_chain
from api.treasury import service
from api.treasury.schemas import TreasuryOut

router = APIRouter(tags=["treasury"])


@router.get("/v1/treasury", response_model=TreasuryOut, dependencies=[public_read("read:chain")],
            summary="Fees received per token, distributions per split kind, offsets and current splits; per chain and in total")
async def get_treasury(request: Request, chain: ChainQuery = None,
                       pending: Annotated[bool, Query(description="Include unconfirmed blocks")] = False) -> Response:
    selected = resolve_chain(request, chain)
    chains = [selected] if selected else list(registry(request).chains)

    def build() -> Cached:
        with request.app.state.engine.connect() as conn:
            out = service.treasury(request, conn, chains, confirmed_only=not pending)
        return Cached.of(out.model_dump_json().encode(), confirmed=not pending)

    key = f"treasury:{selected.chain_id if selected else '*'}:{pending}"
    return respond(request, await read_cache(request).fetch(key, build, shared=True))
