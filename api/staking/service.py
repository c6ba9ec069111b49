"""Staking positions from the index (``indexer.read_models.staking``) and the unsigned transactions of
stake (approve + stake), requestUnstake, withdraw and claimRewards, checked against the indexed position."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import Connection
from sqlalchemy.orm import Session as Db

from api.kit.deployments import DeploymentDirectory
from api.kit.problems import Problem
from api.proposals.service import wallet_of
from api.rewards import calldata
from api.rewards.schemas import PreparedTxs
from api.staking.schemas import StakingAction, StakingOut, StakingPositionOut, StakingPrepareIn
from indexer import read_models
from indexer.core.errors import UnknownChainError
from indexer.core.registry import ChainConfig


def _contracts(deployments: DeploymentDirectory, chain: ChainConfig) -> tuple[str, str] | None:
    dep = deployments.get(chain.chain_id)
    if dep is None or not dep.has("LancerStaking") or not dep.has("LancerToken"):
        return None
    return dep.address("LancerStaking"), dep.address("LancerToken")


def _now(p: read_models.StakingPosition) -> datetime:
    """The later of the wall clock and the chain's clock (the indexed block time): a chain whose clock runs
    ahead (a test chain moved forward) unlocks by its own time, as the contract does."""
    now = datetime.now(UTC)
    return max(now, p.as_of_time) if p.as_of_time is not None else now


def positions(conn: Connection, deployments: DeploymentDirectory, chains: list[ChainConfig], address: str,
              confirmed_only: bool) -> StakingOut:
    out = []
    for chain in chains:
        found = _contracts(deployments, chain)
        if found is None:
            continue
        staking, token = found
        try:
            p = read_models.position(conn, chain.chain_id, staking, address, confirmed_only=confirmed_only)
        except UnknownChainError:
            continue
        unlock = datetime.fromtimestamp(p.unlock_at, UTC) if p.unlock_at is not None else None
        out.append(StakingPositionOut(
            chain_id=chain.chain_id, chain=chain.name, staking=staking, token=token, staked=p.staked,
            pending_unstake=p.unbonding, unlock_at=unlock, withdrawable=bool(p.unbonding and unlock and unlock <= _now(p)),
            withdrawn=p.withdrawn, rewards_paid=p.rewards_paid, as_of_block=p.as_of_block,
            confirmed_only=confirmed_only))
    return StakingOut(address=address, chains=out)


def prepare(db: Db, deployments: DeploymentDirectory, chain: ChainConfig, action: StakingAction,
            body: StakingPrepareIn, user_id: uuid.UUID) -> PreparedTxs:
    found = _contracts(deployments, chain)
    if found is None:
        raise Problem(409, f"staking is not deployed on {chain.name}: run `lancer deploy`", type_="not-deployed")
    staking, token = found
    needs_amount = action in (StakingAction.STAKE, StakingAction.REQUEST_UNSTAKE)
    if needs_amount and not body.amount:
        raise Problem(422, f"{action.value} needs a positive amount (LNC base units)", type_="validation-error")
    if not needs_amount and body.amount is not None:
        raise Problem(422, f"{action.value} takes no amount", type_="validation-error")
    wallet = wallet_of(db, user_id, body.wallet, "wallet")
    cid = chain.chain_id
    if action is StakingAction.STAKE:
        assert body.amount is not None
        # The API cannot read allowances (it never calls a node): the approve is always included.
        return PreparedTxs(chain_id=cid, transactions=[
            calldata.approve(cid, token, staking, body.amount, wallet, "the staking contract"),
            calldata.staking_call(cid, staking, "stake", body.amount, wallet)])
    if action in (StakingAction.REQUEST_UNSTAKE, StakingAction.WITHDRAW):
        try:  # pending included: the user's own latest actions count
            p = read_models.position(db.connection(), cid, staking, wallet, confirmed_only=False)
        except UnknownChainError:
            raise Problem(409, f"{chain.name} is not indexed yet", type_="not-indexed") from None
        if action is StakingAction.REQUEST_UNSTAKE and (body.amount or 0) > p.staked:
            raise Problem(409, f"{wallet} has {p.staked} base units staked (indexed), less than {body.amount}",
                          type_="insufficient-stake", staked=str(p.staked))
        if action is StakingAction.WITHDRAW:
            if p.unbonding == 0:
                raise Problem(409, f"{wallet} has nothing to withdraw: request an unstake first",
                              type_="nothing-to-withdraw")
            if p.unlock_at is not None and p.unlock_at > int(_now(p).timestamp()):
                unlock = datetime.fromtimestamp(p.unlock_at, UTC).isoformat()
                raise Problem(409, f"still unbonding until {unlock}", type_="still-unbonding", unlock_at=unlock)
    return PreparedTxs(chain_id=cid, transactions=[calldata.staking_call(cid, staking, action.value, body.amount,
                                                                         wallet)])
