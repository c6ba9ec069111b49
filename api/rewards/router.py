"""Rewards (issue 17): admins compute an epoch and get its publishRoot transaction to sign; anyone reads
an address's rewards with proofs and claim status; a user prepares the claim of one of their wallets."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from sqlalchemy.orm import Session as Db

from api.auth import Principal, Scope, admin, public_read, user
from api.kit.deps import get_db
from api.kit.params import AddressPath, ChainQuery, deployments, resolve_chain
from api.kit.params import address as checked_address
from api.kit.problems import Problem
from api.rewards import schemas as s
from api.rewards import service
from api.rewards.rules import load_rules
from indexer.core.registry import ChainConfig

FEATURE = "enable_token_economy"
router = APIRouter(tags=["rewards"])
DbDep = Annotated[Db, Depends(get_db)]
Epoch = Annotated[int, Path(ge=0, le=s.EPOCH_MAX, description="Epoch number")]


def _chain(request: Request, value: str | None) -> ChainConfig:
    chain = resolve_chain(request, value)
    if chain is None:
        raise Problem(422, "chain is required", type_="validation-error")
    return chain


@router.post("/v1/admin/rewards/epochs", response_model=s.EpochOut,
             summary="Compute a rewards epoch from confirmed index data; returns the approve + publishRoot "
                     "transactions an admin wallet signs (the same request again returns the same epoch)",
             responses={409: {"description": "Period not confirmed yet, epoch exists, nothing earned, "
                                             "or the token economy is not deployed"}})
def compute_epoch(body: s.EpochComputeIn, principal: Annotated[Principal, admin(feature=FEATURE)],
                  request: Request, db: DbDep) -> s.EpochOut:
    assert principal.user_id is not None
    state = request.app.state
    return service.compute_epoch(db, deployments(request), load_rules(state.settings.rewards_rules_json),
                                 _chain(request, body.chain), body, principal.user_id)


@router.get("/v1/admin/rewards/epochs/{chain}/{epoch}", response_model=s.EpochOut,
            summary="A computed epoch: root, total, whether it is published, and its publish transactions",
            responses={404: {"description": "Not computed"}})
def get_epoch(chain: str, epoch: Epoch, principal: Annotated[Principal, admin(feature=FEATURE)], request: Request,
              db: DbDep) -> s.EpochOut:
    return service.get_epoch(db, deployments(request), _chain(request, chain), epoch)


@router.get("/v1/rewards/{address}", response_model=s.RewardsOut,
            dependencies=[public_read(Scope.READ_CHAIN, feature=FEATURE)],
            summary="An address's rewards per epoch: amount, breakdown, Merkle proof, and whether it is claimed "
                    "(from the indexed Claimed events)")
def get_rewards(address: AddressPath, request: Request, db: DbDep, chain: ChainQuery = None) -> s.RewardsOut:
    return service.rewards_of(db, checked_address(address), resolve_chain(request, chain))


@router.post("/v1/rewards/{epoch}/claim/prepare", response_model=s.PreparedTxs,
             summary="The unsigned claim transaction of my wallet's leaf in an epoch",
             responses={404: {"description": "No reward for this wallet in this epoch"},
                        409: {"description": "Not published yet, or already claimed"},
                        422: {"description": "Not one of my wallets"}})
def prepare_claim(epoch: Epoch, body: s.ClaimPrepareIn, principal: Annotated[Principal, user(feature=FEATURE)],
                  request: Request, db: DbDep) -> s.PreparedTxs:
    assert principal.user_id is not None
    return service.prepare_claim(db, deployments(request), _chain(request, body.chain), epoch, body,
                                 principal.user_id)
