"""`/v1/chains` and `/v1/web3/deployments`."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from api.auth import Scope, public_read
from api.chains import service
from api.chains.schemas import ChainList, DeploymentList
from api.kit.cache import cached_read, respond_model
from api.kit.params import ChainQuery, deployments, registry, resolve_chain

router = APIRouter(tags=["chains"])


@router.get("/v1/chains", response_model=ChainList, dependencies=[public_read(Scope.READ_CHAIN)],
            summary="The chain registry, each chain with its indexer status")
async def list_chains(request: Request) -> Response:
    reg = registry(request)
    return await cached_read(request, "chains", lambda conn: service.chains(reg, conn), confirmed=False,
                             shared=True)


@router.get("/v1/web3/deployments", response_model=DeploymentList, dependencies=[public_read(Scope.READ_CHAIN)],
            summary="Lancer's deployed contracts per chain")
def list_deployments(request: Request, chain: ChainQuery = None) -> Response:
    selected = resolve_chain(request, chain)
    chains = [selected] if selected else list(registry(request).chains)
    return respond_model(request, service.deployments(deployments(request), chains), confirmed=True)
