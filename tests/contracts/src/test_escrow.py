"""Escrow lifecycle: happy paths, every guard, native and ERC20, auto-release, reentrancy."""

from __future__ import annotations

from typing import Any

import ape
import pytest
from eth_utils import keccak

from tests.support.solidity import FEE_BPS, Actors, System, container, create_escrow

ZERO = "0x" + "00" * 20
DAY = 24 * 3600
PENDING, SUBMITTED, RELEASED, DISPUTED, RESOLVED, REFUNDED = range(6)
H = b"\x22" * 32


def _check_books(e: Any, system: System) -> None:
    funded, released, refunded, fees = e.totals()
    locked = e.locked()
    assert released + fees + refunded + locked == funded
    balance = e.balance if e.token() == ZERO else system.usd.balanceOf(e)
    assert balance == locked


@pytest.fixture(params=["native", "erc20"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _new(system: System, actors: Actors, kind: str, amounts: list[int], fund: bool = True,
         accept: bool = True) -> Any:
    token = ZERO if kind == "native" else system.usd.address
    e = create_escrow(system, actors, amounts, token=token)
    if fund:
        _fund(e, system, actors, kind)
    if accept:
        e.accept(sender=actors.freelancer)
    return e


def _fund(e: Any, system: System, actors: Actors, kind: str) -> Any:
    total = e.total()
    if kind == "native":
        return e.fund(value=total, sender=actors.client)
    system.usd.mint(actors.client, total, sender=actors.client)
    system.usd.approve(e, total, sender=actors.client)
    return e.fund(sender=actors.client)


def _bal(system: System, kind: str, who: Any) -> int:
    return int(who.balance) if kind == "native" else int(system.usd.balanceOf(who))


def test_full_lifecycle(system: System, actors: Actors, kind: str) -> None:
    amounts = [1_000_000, 2_000_000, 3_000_000, 4_000_000]
    e = _new(system, actors, kind, amounts, fund=False, accept=False)
    tx = _fund(e, system, actors, kind)
    assert [(ev["from"], ev.amount) for ev in tx.decode_logs(e.Funded)] == [(actors.client.address, 10_000_000)]
    _check_books(e, system)
    assert len(e.accept(sender=actors.freelancer).decode_logs(e.Accepted)) == 1
    fl0 = _bal(system, kind, actors.freelancer)
    tr0 = _bal(system, kind, system.treasury)

    # milestone 0: submitted then released by the client
    tx = e.submitMilestone(0, H, sender=actors.freelancer)
    assert [(ev.index, ev.deliverableHash) for ev in tx.decode_logs(e.MilestoneSubmitted)] == [(0, H)]
    m = e.milestone(0)
    assert m.status == SUBMITTED and m.submittedAt > 0 and m.deliverableHash == H
    tx = e.releaseMilestone(0, sender=actors.client)
    fee0 = 1_000_000 * FEE_BPS // 10_000
    assert [(ev.index, ev.toFreelancer, ev.fee) for ev in tx.decode_logs(e.MilestoneReleased)] == [
        (0, 1_000_000 - fee0, fee0)
    ]
    (fr,) = tx.decode_logs(system.treasury.FeeReceived)
    assert (fr.amount, fr["from"], fr.ref) == (fee0, e.address, bytes(12) + bytes.fromhex(e.address[2:]))
    _check_books(e, system)

    # milestone 1: client releases while still Pending
    e.releaseMilestone(1, sender=actors.client)
    # milestone 2: disputed, resolved 60/40
    e.submitMilestone(2, H, sender=actors.freelancer)
    tx = e.openDispute(2, b"\x33" * 32, sender=actors.client)
    (ev,) = tx.decode_logs(e.DisputeOpened)
    assert (ev.index, ev.by, ev.reasonHash) == (2, actors.client.address, b"\x33" * 32)
    cl0 = _bal(system, kind, actors.client)
    tx = e.resolveDispute(2, 6000, sender=actors.arbiter)
    gross = 1_800_000
    fee2 = gross * FEE_BPS // 10_000
    (ev,) = tx.decode_logs(e.DisputeResolved)
    assert (ev.index, ev.toFreelancer, ev.toClient, ev.fee) == (2, gross - fee2, 1_200_000, fee2)
    if kind == "erc20":  # the client paid no gas here, so the native delta would be exact too, but keep it simple
        assert _bal(system, kind, actors.client) - cl0 == 1_200_000
    assert e.milestone(2).status == RESOLVED
    _check_books(e, system)

    # milestone 3: freelancer gives it back -> last one closes the escrow
    tx = e.refundMilestone(3, sender=actors.freelancer)
    assert [(ev.index, ev.amount) for ev in tx.decode_logs(e.MilestoneRefunded)] == [(3, 4_000_000)]
    assert len(tx.decode_logs(e.Completed)) == 1 and e.completed()
    _check_books(e, system)
    assert e.locked() == 0
    fee1 = 2_000_000 * FEE_BPS // 10_000
    fees = fee0 + fee1 + fee2
    assert tuple(e.totals()) == (10_000_000, 10_000_000 - 1_200_000 - 4_000_000 - fees, 5_200_000, fees)
    assert _bal(system, kind, system.treasury) - tr0 == fees
    if kind == "erc20":
        assert _bal(system, kind, actors.freelancer) - fl0 == 10_000_000 - 5_200_000 - fees


def test_auto_release_after_review_period(system: System, actors: Actors, chain: Any, kind: str) -> None:
    e = _new(system, actors, kind, [5_000_000])
    e.submitMilestone(0, H, sender=actors.freelancer)
    releasable_at = e.milestone(0).submittedAt + DAY * 3
    with ape.reverts(e.ReviewPeriodActive, index=0, releasableAt=releasable_at):
        e.releaseMilestone(0, sender=actors.other)
    chain.mine(timestamp=releasable_at)
    tx = e.releaseMilestone(0, sender=actors.other)
    assert len(tx.decode_logs(e.MilestoneReleased)) == 1 and len(tx.decode_logs(e.Completed)) == 1
    _check_books(e, system)


def test_auto_release_needs_submission_and_no_dispute(system: System, actors: Actors, chain: Any) -> None:
    e = _new(system, actors, "native", [10, 20])
    chain.mine(deltatime=DAY * 30)
    with ape.reverts(e.NotClient):  # Pending: only the client may release
        e.releaseMilestone(0, sender=actors.other)
    e.submitMilestone(1, H, sender=actors.freelancer)
    e.openDispute(1, H, sender=actors.freelancer)
    chain.mine(deltatime=DAY * 30)
    with ape.reverts(e.InvalidStatus, index=1, status=DISPUTED):
        e.releaseMilestone(1, sender=actors.other)
    with ape.reverts(e.InvalidStatus):
        e.releaseMilestone(1, sender=actors.client)


def test_fund_guards(system: System, actors: Actors) -> None:
    e = create_escrow(system, actors, [100])
    with ape.reverts(e.NotClient):
        e.fund(value=100, sender=actors.other)
    with ape.reverts(e.NativeValueMismatch, expected=100, value=99):
        e.fund(value=99, sender=actors.client)
    with ape.reverts(e.NotFunded):
        e.accept(sender=actors.freelancer)
    e.fund(value=100, sender=actors.client)
    with ape.reverts(e.AlreadyFunded):
        e.fund(value=100, sender=actors.client)
    t = create_escrow(system, actors, [100], token=system.usd.address)
    system.usd.mint(actors.client, 100, sender=actors.client)
    system.usd.approve(t, 100, sender=actors.client)
    with ape.reverts(t.UnexpectedNativeValue):
        t.fund(value=1, sender=actors.client)


def test_fee_on_transfer_token_rejected(system: System, actors: Actors) -> None:
    e = create_escrow(system, actors, [1000], token=system.fot.address)
    system.fot.mint(actors.client, 1000, sender=actors.client)
    system.fot.approve(e, 1000, sender=actors.client)
    with ape.reverts(e.TransferAmountMismatch, expected=1000, received=990):
        e.fund(sender=actors.client)
    assert not e.funded()


def test_accept_submit_guards(system: System, actors: Actors) -> None:
    e = _new(system, actors, "native", [10, 20], accept=False)
    with ape.reverts(e.NotFreelancer):
        e.accept(sender=actors.client)
    with ape.reverts(e.NotAccepted):
        e.submitMilestone(0, H, sender=actors.freelancer)
    with ape.reverts(e.NotAccepted):
        e.releaseMilestone(0, sender=actors.client)
    with ape.reverts(e.NotAccepted):
        e.openDispute(0, H, sender=actors.client)
    e.accept(sender=actors.freelancer)
    with ape.reverts(e.AlreadyAccepted):
        e.accept(sender=actors.freelancer)
    with ape.reverts(e.NotFreelancer):
        e.submitMilestone(0, H, sender=actors.client)
    with ape.reverts(e.InvalidIndex, index=2):
        e.submitMilestone(2, H, sender=actors.freelancer)
    e.submitMilestone(0, H, sender=actors.freelancer)
    with ape.reverts(e.InvalidStatus, index=0, status=SUBMITTED):
        e.submitMilestone(0, H, sender=actors.freelancer)
    with ape.reverts(e.InvalidIndex):
        e.milestone(5)


def test_double_release_and_release_guards(system: System, actors: Actors) -> None:
    e = _new(system, actors, "native", [10, 20])
    e.releaseMilestone(0, sender=actors.client)
    with ape.reverts(e.InvalidStatus, index=0, status=RELEASED):
        e.releaseMilestone(0, sender=actors.client)
    with ape.reverts(e.InvalidIndex):
        e.releaseMilestone(9, sender=actors.client)
    with ape.reverts(e.NotClient):
        e.releaseMilestone(1, sender=actors.freelancer)
    with ape.reverts(e.InvalidStatus):
        e.refundMilestone(0, sender=actors.freelancer)
    with ape.reverts(e.InvalidStatus):
        e.openDispute(0, H, sender=actors.client)


def test_dispute_guards(system: System, actors: Actors) -> None:
    e = _new(system, actors, "native", [10_000, 20_000])
    with ape.reverts(e.NotParty):
        e.openDispute(0, H, sender=actors.arbiter)
    with ape.reverts(e.InvalidStatus, index=0, status=PENDING):
        e.resolveDispute(0, 5000, sender=actors.arbiter)
    e.openDispute(0, H, sender=actors.freelancer)
    with ape.reverts(e.InvalidStatus):
        e.openDispute(0, H, sender=actors.client)
    with ape.reverts(e.NotArbiter):
        e.resolveDispute(0, 5000, sender=actors.client)
    with ape.reverts(e.BpsTooHigh, bps=10_001):
        e.resolveDispute(0, 10_001, sender=actors.arbiter)
    with ape.reverts(e.InvalidStatus):
        e.refundMilestone(0, sender=actors.freelancer)
    tx = e.resolveDispute(0, 0, sender=actors.arbiter)  # everything back to the client, no fee
    (ev,) = tx.decode_logs(e.DisputeResolved)
    assert (ev.toFreelancer, ev.toClient, ev.fee) == (0, 10_000, 0)
    assert not tx.decode_logs(system.treasury.FeeReceived)
    with ape.reverts(e.InvalidStatus, index=0, status=RESOLVED):
        e.resolveDispute(0, 0, sender=actors.arbiter)
    e.openDispute(1, H, sender=actors.client)
    tx = e.resolveDispute(1, 10_000, sender=actors.arbiter)
    (ev,) = tx.decode_logs(e.DisputeResolved)
    assert (ev.toFreelancer, ev.toClient, ev.fee) == (20_000 - 500, 0, 500)
    assert e.completed()
    _check_books(e, system)


def test_refund_rules(system: System, actors: Actors) -> None:
    e = _new(system, actors, "native", [10, 20, 30], accept=False)
    with ape.reverts(e.NotParty):
        e.refundMilestone(0, sender=actors.arbiter)
    tx = e.refundMilestone(0, sender=actors.client)  # before accept: client may cancel
    assert [(ev.index, ev.amount) for ev in tx.decode_logs(e.MilestoneRefunded)] == [(0, 10)]
    with ape.reverts(e.InvalidStatus, index=0, status=REFUNDED):
        e.refundMilestone(0, sender=actors.client)
    e.accept(sender=actors.freelancer)
    with ape.reverts(e.AlreadyAccepted):
        e.refundMilestone(1, sender=actors.client)
    e.submitMilestone(1, H, sender=actors.freelancer)
    e.refundMilestone(1, sender=actors.freelancer)  # freelancer may give back a submitted one
    e.refundMilestone(2, sender=actors.freelancer)
    assert e.completed() and e.locked() == 0 and tuple(e.totals()) == (60, 0, 60, 0)
    unfunded = create_escrow(system, actors, [10])
    with ape.reverts(unfunded.NotFunded):
        unfunded.refundMilestone(0, sender=actors.freelancer)


def test_zero_fee_skips_treasury(system: System, actors: Actors) -> None:
    e = _new(system, actors, "erc20", [39])  # 39 * 250 / 10000 rounds to 0
    tx = e.releaseMilestone(0, sender=actors.client)
    assert not tx.decode_logs(system.treasury.FeeReceived)
    assert system.usd.balanceOf(actors.freelancer) == 39


def test_reentrancy_on_release_blocked(system: System, actors: Actors) -> None:
    attacker = container("ReentrantReceiver").deploy(sender=actors.other)
    tx = system.factory.createEscrow(
        actors.client, attacker, actors.arbiter, ZERO, [1000, 2000], DAY, H, sender=actors.other
    )
    e = container("Escrow").at(tx.decode_logs(system.factory.EscrowCreated)[0].escrow)
    e.fund(value=3000, sender=actors.client)
    attacker.exec(e, e.accept.encode_input(), sender=actors.other)
    attacker.exec(e, e.submitMilestone.encode_input(1, H), sender=actors.other)
    # On receiving milestone 0, try to release milestone 1 (the client's call is the only one allowed).
    attacker.setAttack(e, e.releaseMilestone.encode_input(1), sender=actors.other)
    e.releaseMilestone(0, sender=actors.client)
    assert attacker.attempts() == 1 and not attacker.reentered()
    assert attacker.lastError()[:4] == keccak(text="ReentrancyGuardReentrantCall()")[:4]
    assert e.milestone(1).status == SUBMITTED
    _check_books(e, system)


def test_reverting_receiver_only_blocks_itself(system: System, actors: Actors) -> None:
    # A freelancer contract that rejects native payments cannot trap the client's money:
    # the arbiter can route a disputed milestone entirely to the client.
    blocker = system.treasury  # rejects plain native transfers
    tx = system.factory.createEscrow(
        actors.client, blocker, actors.arbiter, ZERO, [1000], DAY, H, sender=actors.other
    )
    e = container("Escrow").at(tx.decode_logs(system.factory.EscrowCreated)[0].escrow)
    e.fund(value=1000, sender=actors.client)
    with ape.reverts(e.NotAccepted):
        e.releaseMilestone(0, sender=actors.client)
    e.refundMilestone(0, sender=actors.client)
    assert e.completed() and e.balance == 0
