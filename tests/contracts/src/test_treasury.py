"""Treasury: splits, fee deposits, distribution, offsets."""

from __future__ import annotations

import ape
from eth_utils import keccak, to_checksum_address

from tests.support.solidity import KIND_CLIMATE, KIND_OPS, Actors, System, container

ZERO = "0x" + "00" * 20
REF = b"\x42" * 32


def test_roles_and_initial_splits(system: System, actors: Actors) -> None:
    tr = system.treasury
    assert tr.hasRole(keccak(text="SPLITS_ROLE"), actors.admin)
    assert tr.hasRole(keccak(text="OFFSET_ROLE"), actors.admin)
    assert [tuple(s) for s in tr.splits()] == [
        (actors.ops.address, 7000, KIND_OPS),
        (actors.climate.address, 3000, KIND_CLIMATE),
    ]


def test_empty_constructor_then_distribute_reverts(system: System, actors: Actors) -> None:
    tr = container("Treasury").deploy(actors.admin, [], sender=actors.admin)
    assert list(tr.splits()) == []
    tr.depositFee(ZERO, 10, REF, value=10, sender=actors.client)
    with ape.reverts(tr.NoSplits):
        tr.distribute(ZERO, sender=actors.other)


def test_set_splits_validation(system: System, actors: Actors) -> None:
    tr = system.treasury
    a, b = actors.ops.address, actors.climate.address
    with ape.reverts(tr.AccessControlUnauthorizedAccount):
        tr.setSplits([(a, 10000, KIND_OPS)], sender=actors.other)
    with ape.reverts(tr.EmptySplits):
        tr.setSplits([], sender=actors.admin)
    with ape.reverts(tr.BpsSumMismatch, sum=9999):
        tr.setSplits([(a, 5000, KIND_OPS), (b, 4999, KIND_OPS)], sender=actors.admin)
    with ape.reverts(tr.BpsSumMismatch, sum=10001):
        tr.setSplits([(a, 5000, KIND_OPS), (b, 5001, KIND_OPS)], sender=actors.admin)
    with ape.reverts(tr.ZeroAddress):
        tr.setSplits([(ZERO, 10000, KIND_OPS)], sender=actors.admin)
    with ape.reverts(tr.ZeroBps, index=1):
        tr.setSplits([(a, 10000, KIND_OPS), (b, 0, KIND_OPS)], sender=actors.admin)
    with ape.reverts(tr.BpsSumMismatch):
        container("Treasury").deploy(actors.admin, [(a, 1, KIND_OPS)], sender=actors.admin)


def test_set_splits_happy(system: System, actors: Actors) -> None:
    tr = system.treasury
    tx = tr.setSplits([(actors.other.address, 10000, KIND_CLIMATE)], sender=actors.admin)
    (ev,) = tx.decode_logs(tr.SplitsUpdated)
    # event structs decode with lower-case addresses
    assert [(to_checksum_address(s[0]), s[1], s[2]) for s in ev.splits] == [(actors.other.address, 10000, KIND_CLIMATE)]
    assert [tuple(s) for s in tr.splits()] == [(actors.other.address, 10000, KIND_CLIMATE)]


def test_deposit_native_and_distribute_with_dust(system: System, actors: Actors) -> None:
    tr = system.treasury
    tx = tr.depositFee(ZERO, 1001, REF, value=1001, sender=actors.client)
    (ev,) = tx.decode_logs(tr.FeeReceived)
    assert (ev.token, ev["from"], ev.amount, ev.ref) == (ZERO, actors.client.address, 1001, REF)
    ops0, cl0 = actors.ops.balance, actors.climate.balance
    tx = tr.distribute(ZERO, sender=actors.other)
    evs = tx.decode_logs(tr.Distributed)
    assert [(e.to, e.amount, e.kind) for e in evs] == [
        (actors.ops.address, 700, KIND_OPS),
        (actors.climate.address, 300, KIND_CLIMATE),
    ]
    assert actors.ops.balance - ops0 == 700 and actors.climate.balance - cl0 == 300
    assert tr.balance == 1  # rounding dust stays
    with ape.reverts(tr.NothingToDistribute):
        tr.distribute(ZERO, sender=actors.other)  # 1 wei: every share rounds to zero


def test_deposit_erc20_and_distribute(system: System, actors: Actors) -> None:
    tr, usd = system.treasury, system.usd
    usd.mint(actors.client, 10**6, sender=actors.client)
    usd.approve(tr, 10**6, sender=actors.client)
    tr.depositFee(usd, 10**6, REF, sender=actors.client)
    assert usd.balanceOf(tr) == 10**6
    tr.distribute(usd, sender=actors.other)
    assert usd.balanceOf(actors.ops) == 700_000 and usd.balanceOf(actors.climate) == 300_000
    with ape.reverts(tr.NothingToDistribute):
        tr.distribute(usd, sender=actors.other)


def test_deposit_rejections(system: System, actors: Actors) -> None:
    tr, usd, fot = system.treasury, system.usd, system.fot
    with ape.reverts(tr.ZeroAmount):
        tr.depositFee(ZERO, 0, REF, sender=actors.client)
    with ape.reverts(tr.NativeValueMismatch, expected=10, value=9):
        tr.depositFee(ZERO, 10, REF, value=9, sender=actors.client)
    usd.mint(actors.client, 100, sender=actors.client)
    usd.approve(tr, 100, sender=actors.client)
    with ape.reverts(tr.UnexpectedNativeValue):
        tr.depositFee(usd, 100, REF, value=1, sender=actors.client)
    with ape.reverts(usd.ERC20InsufficientAllowance):
        tr.depositFee(usd, 101, REF, sender=actors.client)
    fot.mint(actors.client, 1000, sender=actors.client)
    fot.approve(tr, 1000, sender=actors.client)
    with ape.reverts(tr.TransferAmountMismatch, expected=1000, received=990):
        tr.depositFee(fot, 1000, REF, sender=actors.client)


def test_plain_native_transfer_rejected(system: System, actors: Actors) -> None:
    with ape.reverts(system.treasury.DirectPaymentRejected):
        actors.client.transfer(system.treasury, 1)


def test_record_offset(system: System, actors: Actors) -> None:
    tr = system.treasury
    cert = b"\x07" * 32
    tx = tr.recordOffset(cert, 125_000, "https://registry.example/cert/7", sender=actors.admin)
    (ev,) = tx.decode_logs(tr.OffsetRecorded)
    assert (ev.certificateId, ev.gramsCO2e, ev.uri, ev.recordedBy) == (
        cert, 125_000, "https://registry.example/cert/7", actors.admin.address
    )
    assert tr.offsetRecorded(cert)
    with ape.reverts(tr.OffsetAlreadyRecorded):
        tr.recordOffset(cert, 1, "x", sender=actors.admin)
    with ape.reverts(tr.ZeroAmount):
        tr.recordOffset(b"\x08" * 32, 0, "x", sender=actors.admin)
    with ape.reverts(tr.ZeroCertificateId):
        tr.recordOffset(b"\x00" * 32, 1, "x", sender=actors.admin)
    with ape.reverts(tr.AccessControlUnauthorizedAccount):
        tr.recordOffset(b"\x09" * 32, 1, "x", sender=actors.other)


def test_distribute_reentrancy_blocked(system: System, actors: Actors) -> None:
    tr = system.treasury
    attacker = container("ReentrantReceiver").deploy(sender=actors.other)
    tr.setSplits([(attacker.address, 5000, KIND_OPS), (actors.ops.address, 5000, KIND_OPS)], sender=actors.admin)
    attacker.setAttack(tr, tr.distribute.encode_input(ZERO), sender=actors.other)
    tr.depositFee(ZERO, 1000, REF, value=1000, sender=actors.client)
    tr.distribute(ZERO, sender=actors.client)
    assert attacker.attempts() == 1 and not attacker.reentered()
    assert attacker.lastError()[:4] == keccak(text="ReentrancyGuardReentrantCall()")[:4]
    assert attacker.received() == 500 and tr.balance == 0
