"""Helpers shared by the MerkleDistributor and LancerStaking tests."""

from __future__ import annotations

from typing import Any

import ape
from eth_utils import keccak

from contracts.merkle import MerkleTree, build
from tests.support.solidity import Actors, System, container

DAY = 24 * 3600
CLAIM_WINDOW = 30 * DAY
UNBONDING = 7 * DAY
REENTRANT = keccak(text="ReentrancyGuardReentrantCall()")[:4]
DISTRIBUTOR_ROLE = keccak(text="DISTRIBUTOR_ROLE")
FUNDER_ROLE = keccak(text="FUNDER_ROLE")
ADMIN_ROLE = b"\x00" * 32


def deploy_distributor(system: System, actors: Actors, window: int = CLAIM_WINDOW) -> Any:
    return container("MerkleDistributor").deploy(actors.admin, system.treasury, window, sender=actors.admin)


def deploy_staking(token: Any, actors: Actors, unbonding: int = UNBONDING) -> Any:
    return container("LancerStaking").deploy(actors.admin, token, unbonding, sender=actors.admin)


def mint_lnc(system: System, actors: Actors, to: Any, amount: int) -> None:
    system.token.mint(to, amount, sender=actors.admin)


def publish(system: System, actors: Actors, dist: Any, epoch: int, tree: MerkleTree,
            total: int | None = None, token: Any = None) -> Any:
    """Mint (LNC) or take (`token`) the epoch's total from the admin, approve and publish."""
    total = tree.total if total is None else total
    erc20 = token if token is not None else system.token
    if token is None:
        mint_lnc(system, actors, actors.admin, total)
    else:
        erc20.mint(actors.admin, total, sender=actors.admin)
    erc20.approve(dist, total, sender=actors.admin)
    return dist.publishRoot(epoch, tree.root, erc20, total, sender=actors.admin)


def tree_for(accounts: list[Any], amounts: list[int]) -> MerkleTree:
    return build([(a.address if hasattr(a, "address") else a, x) for a, x in zip(accounts, amounts, strict=True)])


def warp(seconds: int) -> None:
    ape.chain.mine(deltatime=seconds)
