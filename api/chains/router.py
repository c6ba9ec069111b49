"""`/v1/chains` and `/v1/web3/deployments`."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from api.auth import public_read
from api.cache import Cached, read_cache, respond
from api.chains import service
from api.chains.schemas import ChainList, DeploymentList
from api.params import ChainQuery, registry, resolve_chain

router = APIRouter(tags=["chains"])


@router.get("/v1/chains", response_model=ChainList, dependencies=[public_read("read:chain")],
            summary="The chain registry, each chain with its indexer status")
async def list_chains(request: Request) -> Response:
    def build() -> Cached:
        with request.app.state.engine.connect() as conn:
            body = service.chains(request, conn).model_dump_json().encode()
        return Cached.of(body, confirmed=False)

    return respond(request, await read_cache(request).fetch("chains", build, shared=True))


@router.get("/v1/web3/deployments", response_model=DeploymentList, dependencies=[public_read("read:chain")],
            summary="Lancer's deployed contracts per chain")
def list_deployments(request: Request, chain: ChainQuery = None) -> Response:
    selected = resolve_chain(request, chain)
    chains = [selected] if selected else list(registry(request).chains)
    body = service.deployments(request, chains).model_dump_json().encode()
    return respond(request, Cached.of(body, confirmed=True))
