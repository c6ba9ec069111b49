"""EscrowFactory: creation (plain and deterministic), validation, admin settings."""

from __future__ import annotations

import ape
from eth_abi import encode
from eth_utils import keccak

from tests.support.solidity import FEE_BPS, Actors, System, container

ZERO = "0x" + "00" * 20
META = b"\x11" * 32
DAY = 24 * 3600


def _args(actors: Actors, amounts: list[int] | None = None, token: str = ZERO) -> tuple:
    return (actors.client, actors.freelancer, actors.arbiter, token, amounts or [5, 7], DAY, META)


def test_create_escrow_event_and_state(system: System, actors: Actors) -> None:
    f = system.factory
    tx = f.createEscrow(*_args(actors), sender=actors.other)
    (ev,) = tx.decode_logs(f.EscrowCreated)
    assert (ev.client, ev.freelancer, ev.arbiter, ev.token) == (
        actors.client.address, actors.freelancer.address, actors.arbiter.address, ZERO
    )
    assert (ev.total, list(ev.amounts), ev.reviewPeriod, ev.metadataHash) == (12, [5, 7], DAY, META)
    assert f.isEscrow(ev.escrow) and f.escrowCount() == 1
    e = container("Escrow").at(ev.escrow)
    assert (e.client(), e.freelancer(), e.arbiter(), e.token()) == (
        actors.client.address, actors.freelancer.address, actors.arbiter.address, ZERO
    )
    assert (e.treasury(), e.feeBps(), e.reviewPeriod(), e.metadataHash(), e.total()) == (
        system.treasury.address, FEE_BPS, DAY, META, 12
    )
    assert e.factory() == f.address and e.milestoneCount() == 2
    assert tuple(e.milestone(1)) == (7, 0, 0, b"\0" * 32)
    assert (e.funded(), e.accepted(), e.completed()) == (False, False, False)
    assert f.implementation() == system.implementation.address
    assert not f.isEscrow(actors.other)


def test_clone_cannot_be_reinitialized_and_impl_locked(system: System, actors: Actors) -> None:
    tx = system.factory.createEscrow(*_args(actors), sender=actors.other)
    e = container("Escrow").at(tx.decode_logs(system.factory.EscrowCreated)[0].escrow)
    init_args = (actors.other, actors.freelancer, actors.arbiter, ZERO, [1], 1, META, actors.other, 0)
    with ape.reverts(e.InvalidInitialization):
        e.initialize(*init_args, sender=actors.other)
    impl = system.implementation
    with ape.reverts(impl.InvalidInitialization):
        impl.initialize(*init_args, sender=actors.other)


def test_deterministic_creation_and_prediction(system: System, actors: Actors) -> None:
    f = system.factory
    salt = b"\x05" * 32
    predicted = f.predictEscrowAddress(actors.other, salt)
    assert predicted != f.predictEscrowAddress(actors.client, salt)  # salt is bound to the creator
    tx = f.createEscrowDeterministic(*_args(actors), salt, sender=actors.other)
    (ev,) = tx.decode_logs(f.EscrowCreated)
    assert ev.escrow == predicted and f.isEscrow(predicted)
    # Cross-check with the CREATE2 formula for an EIP-1167 clone.
    impl = bytes.fromhex(system.implementation.address[2:])
    init_code = bytes.fromhex("3d602d80600a3d3981f3363d3d373d3d3d363d73") + impl + bytes.fromhex(
        "5af43d82803e903d91602b57fd5bf3"
    )
    inner = keccak(encode(["address", "bytes32"], [actors.other.address, salt]))
    digest = keccak(b"\xff" + bytes.fromhex(f.address[2:]) + inner + keccak(init_code))
    assert predicted.lower() == "0x" + digest[12:].hex()
    with ape.reverts(f.FailedDeployment):
        f.createEscrowDeterministic(*_args(actors), salt, sender=actors.other)
    # another creator may use the same salt: it maps to a different address
    tx2 = f.createEscrowDeterministic(*_args(actors), salt, sender=actors.client)
    assert tx2.decode_logs(f.EscrowCreated)[0].escrow == f.predictEscrowAddress(actors.client, salt)


def test_create_validation(system: System, actors: Actors) -> None:
    f = system.factory
    c, fr, ar = actors.client, actors.freelancer, actors.arbiter
    cases = [
        ((ZERO, fr, ar, ZERO, [1], DAY, META), f.ZeroAddress),
        ((c, ZERO, ar, ZERO, [1], DAY, META), f.ZeroAddress),
        ((c, fr, ZERO, ZERO, [1], DAY, META), f.ZeroAddress),
        ((c, c, ar, ZERO, [1], DAY, META), f.DuplicateParty),
        ((c, fr, c, ZERO, [1], DAY, META), f.DuplicateParty),
        ((c, fr, fr, ZERO, [1], DAY, META), f.DuplicateParty),
        ((c, fr, ar, ZERO, [], DAY, META), f.NoMilestones),
        ((c, fr, ar, ZERO, [1, 0], DAY, META), f.ZeroAmount),
        ((c, fr, ar, ZERO, [1], 0, META), f.ZeroReviewPeriod),
    ]
    for args, err in cases:
        with ape.reverts(err):
            f.createEscrow(*args, sender=actors.other)
        with ape.reverts(err):
            f.createEscrowDeterministic(*args, b"\x01" * 32, sender=actors.other)


def test_admin_settings(system: System, actors: Actors) -> None:
    f = system.factory
    assert f.MAX_FEE_BPS() == 1000 and f.feeBps() == FEE_BPS
    tx = f.setFeeBps(1000, sender=actors.admin)
    assert [(e.oldBps, e.newBps) for e in tx.decode_logs(f.FeeUpdated)] == [(FEE_BPS, 1000)]
    with ape.reverts(f.FeeTooHigh, bps=1001, max=1000):
        f.setFeeBps(1001, sender=actors.admin)
    with ape.reverts(f.AccessControlUnauthorizedAccount):
        f.setFeeBps(1, sender=actors.other)
    tx = f.setTreasury(actors.ops, sender=actors.admin)
    (ev,) = tx.decode_logs(f.TreasuryUpdated)
    assert (ev.oldTreasury, ev.newTreasury) == (system.treasury.address, actors.ops.address)
    with ape.reverts(f.ZeroAddress):
        f.setTreasury(ZERO, sender=actors.admin)
    with ape.reverts(f.AccessControlUnauthorizedAccount):
        f.setTreasury(actors.other, sender=actors.other)
    # new escrows take the new settings
    tx = f.createEscrow(*_args(actors), sender=actors.other)
    e = container("Escrow").at(tx.decode_logs(f.EscrowCreated)[0].escrow)
    assert (e.feeBps(), e.treasury()) == (1000, actors.ops.address)


def test_constructor_validation(system: System, actors: Actors) -> None:
    c = container("EscrowFactory")
    impl, tr = system.implementation, system.treasury
    with ape.reverts(system.factory.FeeTooHigh):
        c.deploy(actors.admin, impl, tr, 1001, sender=actors.admin)
    for args in ((ZERO, impl, tr), (actors.admin, ZERO, tr), (actors.admin, impl, ZERO)):
        with ape.reverts(system.factory.ZeroAddress):
            c.deploy(*args, 0, sender=actors.admin)
