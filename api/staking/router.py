"""Staking (issue 17): an address's staking position from the index, and the unsigned staking transactions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.orm import Session as Db

from api.auth import Principal, Scope, public_read, user
from api.kit.cache import cached_read
from api.kit.deps import get_db
from api.kit.params import AddressPath, ChainQuery, deployments, registry, resolve_chain
from api.kit.params import address as checked_address
from api.kit.problems import Problem
from api.rewards.schemas import PreparedTxs
from api.staking import service
from api.staking.schemas import StakingAction, StakingOut, StakingPrepareIn

FEATURE = "enable_token_economy"
router = APIRouter(tags=["staking"])


@router.get("/v1/staking/{address}", response_model=StakingOut,
            dependencies=[public_read(Scope.READ_CHAIN, feature=FEATURE)],
            summary="Staked LNC, pending unstake with its unlock time, withdrawn and rewards paid, per chain (from the index)")
async def get_staking(address: AddressPath, request: Request, chain: ChainQuery = None,
                      pending: Annotated[bool, Query(description="Include unconfirmed blocks")] = False) -> Response:
    selected = resolve_chain(request, chain)
    chains = [selected] if selected else list(registry(request).chains)
    holder = checked_address(address)
    directory = deployments(request)
    key = f"staking:{holder}:{selected.chain_id if selected else '*'}:{pending}"
    return await cached_read(request, key, lambda conn: service.positions(
        conn, directory, chains, holder, confirmed_only=not pending), confirmed=not pending)


@router.post("/v1/staking/{action}/prepare", response_model=PreparedTxs,
             summary="Unsigned staking transactions of my wallet: stake (approve + stake), request_unstake, "
                     "withdraw, claim (rewards)",
             responses={409: {"description": "Not deployed, more than staked, nothing to withdraw or still unbonding"},
                        422: {"description": "Missing/extra amount, or not one of my wallets"}})
def prepare(action: StakingAction, body: StakingPrepareIn, principal: Annotated[Principal, user(feature=FEATURE)],
            request: Request, db: Annotated[Db, Depends(get_db)]) -> PreparedTxs:
    assert principal.user_id is not None
    chain = resolve_chain(request, body.chain)
    if chain is None:
        raise Problem(422, "chain is required", type_="validation-error")
    return service.prepare(db, deployments(request), chain, action, body, principal.user_id)
