"""MerkleDistributor: publishing, claiming, sweeping, every guard, reentrancy."""

from __future__ import annotations

from typing import Any

import ape
import pytest

from contracts.merkle import leaf_hash
from tests.support.solidity import Actors, System, container
from tests.support.economy import (
    ADMIN_ROLE,
    CLAIM_WINDOW,
    DAY,
    DISTRIBUTOR_ROLE,
    REENTRANT,
    deploy_distributor,
    publish,
    tree_for,
    warp,
)

ZERO = "0x" + "00" * 20
E1 = 202611  # epoch ids are free-form; the API may use yyyymm


@pytest.fixture
def dist(system: System, actors: Actors) -> Any:
    return deploy_distributor(system, actors)


def _recipients(actors: Actors) -> list[Any]:
    return [actors.client, actors.freelancer, actors.arbiter]


def test_constructor(system: System, actors: Actors, dist: Any) -> None:
    assert dist.hasRole(ADMIN_ROLE, actors.admin) and dist.hasRole(DISTRIBUTOR_ROLE, actors.admin)
    assert dist.treasury() == system.treasury.address
    assert dist.claimWindow() == CLAIM_WINDOW
    md = container("MerkleDistributor")
    with ape.reverts(dist.ZeroAddress):
        md.deploy(ZERO, system.treasury, CLAIM_WINDOW, sender=actors.admin)
    with ape.reverts(dist.ZeroAddress):
        md.deploy(actors.admin, ZERO, CLAIM_WINDOW, sender=actors.admin)
    with ape.reverts(dist.InvalidClaimWindow, window=DAY - 1):
        md.deploy(actors.admin, system.treasury, DAY - 1, sender=actors.admin)
    with ape.reverts(dist.InvalidClaimWindow, window=3651 * DAY):
        md.deploy(actors.admin, system.treasury, 3651 * DAY, sender=actors.admin)


def test_leaf_hash_matches_python(dist: Any, actors: Actors) -> None:
    assert dist.leafHash(7, actors.client, 10**18) == leaf_hash(7, actors.client.address, 10**18)


def test_publish_pulls_funds_and_emits(system: System, actors: Actors, dist: Any) -> None:
    tree = tree_for(_recipients(actors), [10, 20, 30])
    tx = publish(system, actors, dist, E1, tree)
    (ev,) = tx.decode_logs(dist.RootPublished)
    assert (ev.epoch, ev.root, ev.total, ev.token) == (E1, tree.root, 60, system.token.address)
    assert system.token.balanceOf(dist) == 60
    info = dist.epochInfo(E1)
    ts = ape.chain.provider.web3.eth.get_block(tx.block_number)["timestamp"]
    assert (info.root, info.token, info.total, info.claimed, info.swept) == (tree.root, system.token.address, 60, 0, False)
    assert info.expiresAt == ts + CLAIM_WINDOW
    assert dist.epochInfo(E1 + 1).root == b"\x00" * 32


def test_publish_guards(system: System, actors: Actors, dist: Any) -> None:
    tree = tree_for(_recipients(actors), [10, 20, 30])
    with ape.reverts(dist.AccessControlUnauthorizedAccount, account=actors.other.address, neededRole=DISTRIBUTOR_ROLE):
        dist.publishRoot(E1, tree.root, system.token, 60, sender=actors.other)
    with ape.reverts(dist.ZeroRoot):
        dist.publishRoot(E1, b"\x00" * 32, system.token, 60, sender=actors.admin)
    with ape.reverts(dist.ZeroAddress):
        dist.publishRoot(E1, tree.root, ZERO, 60, sender=actors.admin)
    with ape.reverts(dist.ZeroAmount):
        dist.publishRoot(E1, tree.root, system.token, 0, sender=actors.admin)
    with ape.reverts(system.token.ERC20InsufficientAllowance):  # not approved: nothing is pulled
        dist.publishRoot(E1, tree.root, system.token, 60, sender=actors.admin)
    publish(system, actors, dist, E1, tree)
    with ape.reverts(dist.EpochAlreadyPublished, epoch=E1):
        dist.publishRoot(E1, tree.root, system.token, 60, sender=actors.admin)


def test_publish_rejects_fee_on_transfer_token(system: System, actors: Actors, dist: Any) -> None:
    tree = tree_for(_recipients(actors), [100, 200, 300])
    with ape.reverts(dist.TransferAmountMismatch, expected=600, received=594):
        publish(system, actors, dist, E1, tree, token=system.fot)


def test_distributor_role_can_be_granted(system: System, actors: Actors, dist: Any) -> None:
    dist.grantRole(DISTRIBUTOR_ROLE, actors.ops, sender=actors.admin)
    tree = tree_for(_recipients(actors), [1, 2, 3])
    system.token.mint(actors.ops, 6, sender=actors.admin)
    system.token.approve(dist, 6, sender=actors.ops)
    dist.publishRoot(E1, tree.root, system.token, 6, sender=actors.ops)
    assert system.token.balanceOf(dist) == 6
    with ape.reverts(dist.AccessControlUnauthorizedAccount):  # distributors cannot sweep
        dist.sweep(E1, sender=actors.ops)


def test_claims_pay_the_account_once(system: System, actors: Actors, dist: Any) -> None:
    people = _recipients(actors)
    amounts = [10**18, 2 * 10**18, 3 * 10**18]
    tree = tree_for(people, amounts)
    publish(system, actors, dist, E1, tree)
    for i, (who, amount) in enumerate(zip(people, amounts, strict=True)):
        before = system.token.balanceOf(who)
        # a relayer sends it; the leaf's account is paid, never the sender
        tx = dist.claim(E1, i, who, amount, tree.proof(i), sender=actors.other)
        (ev,) = tx.decode_logs(dist.Claimed)
        assert (ev.epoch, ev.index, ev.account, ev.amount) == (E1, i, who.address, amount)
        assert system.token.balanceOf(who) - before == amount
        assert dist.isClaimed(E1, i)
        with ape.reverts(dist.AlreadyClaimed, epoch=E1, index=i):
            dist.claim(E1, i, who, amount, tree.proof(i), sender=who)
    assert system.token.balanceOf(actors.other) == 0
    assert dist.epochInfo(E1).claimed == sum(amounts)
    assert system.token.balanceOf(dist) == 0


def test_claim_guards(system: System, actors: Actors, dist: Any) -> None:
    people = _recipients(actors)
    tree = tree_for(people, [10, 20, 30])
    c, f = actors.client, actors.freelancer
    with ape.reverts(dist.UnknownEpoch, epoch=E1):
        dist.claim(E1, 0, c, 10, tree.proof(0), sender=c)
    publish(system, actors, dist, E1, tree)
    with ape.reverts(dist.InvalidProof):  # wrong amount
        dist.claim(E1, 0, c, 11, tree.proof(0), sender=c)
    with ape.reverts(dist.InvalidProof):  # someone else's account
        dist.claim(E1, 0, f, 10, tree.proof(0), sender=f)
    with ape.reverts(dist.InvalidProof):  # wrong index
        dist.claim(E1, 1, c, 10, tree.proof(0), sender=c)
    with ape.reverts(dist.InvalidProof):  # another leaf's proof
        dist.claim(E1, 0, c, 10, tree.proof(1), sender=c)
    with ape.reverts(dist.InvalidProof):  # no proof
        dist.claim(E1, 0, c, 10, [], sender=c)
    with ape.reverts(dist.ZeroAmount):
        dist.claim(E1, 0, c, 0, tree.proof(0), sender=c)
    with ape.reverts(dist.ZeroAddress):
        dist.claim(E1, 0, ZERO, 10, tree.proof(0), sender=c)
    # a valid proof of E1 does not verify against another epoch's root (wrong epoch)
    other = tree_for(people, [5, 5, 5])
    publish(system, actors, dist, E1 + 1, other)
    with ape.reverts(dist.InvalidProof):
        dist.claim(E1 + 1, 0, c, 10, tree.proof(0), sender=c)
    assert not dist.isClaimed(E1, 0) and not dist.isClaimed(E1 + 1, 0)
    dist.claim(E1, 0, c, 10, tree.proof(0), sender=c)
    dist.claim(E1 + 1, 0, c, 5, other.proof(0), sender=c)  # same index, other epoch: its own bit


def test_claim_cannot_exceed_the_epoch_total(system: System, actors: Actors, dist: Any) -> None:
    # A faulty root whose leaves add up to 60 is funded with 45: the shortfall is not taken from the
    # other epoch's funds held by the same contract.
    people = _recipients(actors)
    tree = tree_for(people, [10, 20, 30])
    publish(system, actors, dist, E1, tree, total=45)
    publish(system, actors, dist, E1 + 1, tree_for(people, [100, 100, 100]))
    dist.claim(E1, 2, people[2], 30, tree.proof(2), sender=actors.other)
    with ape.reverts(dist.ExceedsEpochTotal, epoch=E1, claimed=30, amount=20, total=45):
        dist.claim(E1, 1, people[1], 20, tree.proof(1), sender=actors.other)
    dist.claim(E1, 0, people[0], 10, tree.proof(0), sender=actors.other)
    assert dist.epochInfo(E1).claimed == 40
    assert system.token.balanceOf(dist) == 5 + 300


def test_expiry_and_sweep_to_treasury(system: System, actors: Actors, dist: Any) -> None:
    people = _recipients(actors)
    tree = tree_for(people, [10, 20, 30])
    publish(system, actors, dist, E1, tree)
    dist.claim(E1, 0, people[0], 10, tree.proof(0), sender=actors.other)
    expires = dist.epochInfo(E1).expiresAt
    with ape.reverts(dist.UnknownEpoch, epoch=E1 + 1):
        dist.sweep(E1 + 1, sender=actors.admin)
    with ape.reverts(dist.EpochNotExpired, epoch=E1, expiresAt=expires):
        dist.sweep(E1, sender=actors.admin)
    warp(CLAIM_WINDOW + 1)
    with ape.reverts(dist.EpochExpired, epoch=E1, expiresAt=expires):
        dist.claim(E1, 1, people[1], 20, tree.proof(1), sender=people[1])
    with ape.reverts(dist.AccessControlUnauthorizedAccount, account=actors.other.address, neededRole=ADMIN_ROLE):
        dist.sweep(E1, sender=actors.other)
    before = system.token.balanceOf(system.treasury)
    tx = dist.sweep(E1, sender=actors.admin)
    (ev,) = tx.decode_logs(dist.Swept)
    assert (ev.epoch, ev.token, ev.amount, ev.treasury) == (E1, system.token.address, 50, system.treasury.address)
    (fee,) = tx.decode_logs(system.treasury.FeeReceived)
    ref = b"\x00" * 12 + bytes.fromhex(dist.address[2:])
    assert (fee.token, fee["from"], fee.amount, fee.ref) == (system.token.address, dist.address, 50, ref)
    assert system.token.balanceOf(system.treasury) - before == 50
    assert system.token.balanceOf(dist) == 0
    assert dist.epochInfo(E1).swept
    assert system.token.allowance(dist, system.treasury) == 0
    with ape.reverts(dist.AlreadySwept, epoch=E1):
        dist.sweep(E1, sender=actors.admin)
    with ape.reverts(dist.EpochExpired):
        dist.claim(E1, 2, people[2], 30, tree.proof(2), sender=people[2])


def test_fully_claimed_epoch_has_nothing_to_sweep(system: System, actors: Actors, dist: Any) -> None:
    tree = tree_for([actors.client], [10])
    assert tree.proof(0) == []  # a one-leaf tree: the root is the leaf
    publish(system, actors, dist, E1, tree)
    dist.claim(E1, 0, actors.client, 10, [], sender=actors.client)
    warp(CLAIM_WINDOW)
    with ape.reverts(dist.NothingToSweep, epoch=E1):
        dist.sweep(E1, sender=actors.admin)


def test_claim_window_boundary(system: System, actors: Actors, dist: Any) -> None:
    tree = tree_for([actors.client, actors.freelancer], [10, 20])
    publish(system, actors, dist, E1, tree)
    expires = dist.epochInfo(E1).expiresAt
    ape.chain.pending_timestamp = expires - 1
    tx = dist.claim(E1, 0, actors.client, 10, tree.proof(0), sender=actors.client)
    assert ape.chain.provider.web3.eth.get_block(tx.block_number)["timestamp"] == expires - 1
    ape.chain.pending_timestamp = expires
    with ape.reverts(dist.EpochExpired):
        dist.claim(E1, 1, actors.freelancer, 20, tree.proof(1), sender=actors.freelancer)


def test_reentrant_claim_is_blocked(system: System, actors: Actors, dist: Any) -> None:
    cbt = container("CallbackToken").deploy(sender=actors.admin)
    people = _recipients(actors)
    tree = tree_for(people, [10, 20, 30])
    publish(system, actors, dist, E1, tree, token=cbt)
    second = dist.claim.encode_input(E1, 1, people[1], 20, tree.proof(1))
    cbt.setHook(dist, dist, second, sender=actors.admin)  # fires when tokens leave the distributor
    dist.claim(E1, 0, people[0], 10, tree.proof(0), sender=actors.other)
    assert cbt.attempts() == 1 and not cbt.reentered()
    assert cbt.lastError()[:4] == REENTRANT
    assert not dist.isClaimed(E1, 1) and cbt.balanceOf(people[1]) == 0
    # the sweep's transfer to the treasury re-enters too: blocked by the guard, the sweep completes
    cbt.setHook(dist, dist, second, sender=actors.admin)
    warp(CLAIM_WINDOW)
    dist.sweep(E1, sender=actors.admin)
    assert cbt.attempts() == 2 and not cbt.reentered()
    assert cbt.lastError()[:4] == REENTRANT
    assert cbt.balanceOf(system.treasury) == 50 and cbt.balanceOf(dist) == 0
