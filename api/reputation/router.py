"""Reputation routes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from sqlalchemy import Engine
from sqlalchemy.orm import Session as Db
from starlette.concurrency import run_in_threadpool

from api.attestations import service as attestations
from api.attestations.schemas import SkillOut
from api.auth import Principal, Scope, scope
from api.kit.cache import read_cache, respond
from api.kit.deps import get_db, get_engine
from api.kit.pagination import Limit
from api.reputation import history, service
from api.reputation.schemas import HistoryOut, ReputationOut
from indexer.core.addresses import checksum

router = APIRouter(tags=["reputation"])
Address = Annotated[str, Path(pattern=r"^0x[0-9a-fA-F]{40}$")]
Reader = Annotated[Principal, scope(Scope.READ_REPUTATION)]


@router.get("/v1/reputation/{address}", response_model=ReputationOut,
            summary="Reputation score of a wallet, with its parts (formula named in the response)")
async def reputation(address: Address, _: Reader, request: Request) -> Response:
    # A repeat under the read cache's fresh version is answered on the event loop, without I/O; otherwise
    # one thread-pool hop (exact version reads, then the remembered body or the score). The body is served
    # as rendered, with an ETag (304 on If-None-Match) and no-cache.
    state = request.app.state
    cache = read_cache(request)
    address = checksum(address)
    found = service.remembered(cache, address)
    if found is None:
        found = await run_in_threadpool(service.reputation_cached, state.engine, state.redis, state.settings,
                                        cache, address)
    # The answer names no caller: API-key repeats of this URL may be answered before routing, after this
    # route's own auth check (api.kit.fastread).
    cache.raw.learn_credentialed(request.scope, service.gate_key(address, datetime.now(UTC)))
    return respond(request, found)


@router.get("/v1/reputation/{address}/skills", response_model=list[SkillOut],
            summary="Verified skills of a wallet (highest live level per skill)")
def skills(address: Address, _: Reader, request: Request, db: Annotated[Db, Depends(get_db)],
           engine: Annotated[Engine, Depends(get_engine)]) -> list[SkillOut]:
    return attestations.list_skills(db, engine, request.app.state.settings, [checksum(address)])


@router.get("/v1/reputation/{address}/history", response_model=HistoryOut,
            summary="A user wallet's score over time, the confirmed events behind it, and its badges",
            responses={404: {"description": "No Lancer user holds this wallet"}})
def reputation_history(address: Address, _: Reader, request: Request, db: Annotated[Db, Depends(get_db)],
                       engine: Annotated[Engine, Depends(get_engine)], limit: Limit = 50) -> HistoryOut:
    state = request.app.state
    return history.history(db, engine, state.redis, state.settings, address, limit)
