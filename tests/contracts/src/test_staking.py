"""LancerStaking: stake, unbonding, reward stream, funding, every guard, reentrancy, books."""

from __future__ import annotations

from typing import Any

import ape
import pytest

from tests.support.solidity import Actors, System, container
from tests.support.economy import (
    ADMIN_ROLE,
    DAY,
    FUNDER_ROLE,
    REENTRANT,
    UNBONDING,
    deploy_staking,
    mint_lnc,
    warp,
)

ZERO = "0x" + "00" * 20
LNC = 10**18
WEEK = 7 * DAY
# Blocks mined between a warp and the next action move the clock by a few seconds (wall time):
# 100 seconds of a 1-LNC-a-day stream bounds that.
SLACK = 100 * LNC // DAY


@pytest.fixture
def stk(system: System, actors: Actors) -> Any:
    return deploy_staking(system.token, actors)


def _ts(tx: Any) -> int:
    return int(ape.chain.provider.web3.eth.get_block(tx.block_number)["timestamp"])


def _stake(system: System, actors: Actors, stk: Any, who: Any, amount: int) -> Any:
    mint_lnc(system, actors, who, amount)
    system.token.approve(stk, amount, sender=who)
    return stk.stake(amount, sender=who)


def _fund(system: System, actors: Actors, stk: Any, amount: int, duration: int) -> Any:
    mint_lnc(system, actors, actors.admin, amount)
    system.token.approve(stk, amount, sender=actors.admin)
    return stk.fundRewards(amount, duration, sender=actors.admin)


def _check_books(system: System, stk: Any, accounts: list[Any]) -> None:
    """Conservation: every token held is stake, unbonding or funded-but-unpaid reward, and what the
    accounts can claim never exceeds what was funded and not yet paid."""
    held = system.token.balanceOf(stk)
    assert held == stk.totalStaked() + stk.totalUnbonding() + stk.totalFunded() - stk.totalPaid()
    assert stk.totalPaid() + sum(stk.earned(a) for a in accounts) <= stk.totalFunded()
    assert sum(stk.stakeOf(a) for a in accounts) == stk.totalStaked()
    assert sum(stk.unbondingOf(a)[0] for a in accounts) == stk.totalUnbonding()


def test_constructor(system: System, actors: Actors, stk: Any) -> None:
    assert stk.hasRole(ADMIN_ROLE, actors.admin) and stk.hasRole(FUNDER_ROLE, actors.admin)
    assert stk.token() == system.token.address
    assert stk.unbondingPeriod() == UNBONDING
    ls = container("LancerStaking")
    with ape.reverts(stk.ZeroAddress):
        ls.deploy(ZERO, system.token, UNBONDING, sender=actors.admin)
    with ape.reverts(stk.ZeroAddress):
        ls.deploy(actors.admin, ZERO, UNBONDING, sender=actors.admin)
    with ape.reverts(stk.InvalidUnbondingPeriod, period=366 * DAY):
        ls.deploy(actors.admin, system.token, 366 * DAY, sender=actors.admin)


def test_stake_and_guards(system: System, actors: Actors, stk: Any) -> None:
    c = actors.client
    with ape.reverts(stk.ZeroAmount):
        stk.stake(0, sender=c)
    with ape.reverts(system.token.ERC20InsufficientAllowance):
        stk.stake(1, sender=c)
    tx = _stake(system, actors, stk, c, 5 * LNC)
    (ev,) = tx.decode_logs(stk.Staked)
    assert (ev.account, ev.amount) == (c.address, 5 * LNC)
    _stake(system, actors, stk, c, LNC)
    assert stk.stakeOf(c) == 6 * LNC and stk.totalStaked() == 6 * LNC
    assert stk.stakeOf(actors.other) == 0
    _check_books(system, stk, [c])


def test_fee_on_transfer_token_is_rejected(system: System, actors: Actors) -> None:
    stk = deploy_staking(system.fot, actors)
    system.fot.mint(actors.client, 1000, sender=actors.client)
    system.fot.approve(stk, 1000, sender=actors.client)
    with ape.reverts(stk.TransferAmountMismatch, expected=1000, received=990):
        stk.stake(1000, sender=actors.client)
    system.fot.mint(actors.admin, 1000, sender=actors.admin)
    system.fot.approve(stk, 1000, sender=actors.admin)
    with ape.reverts(stk.TransferAmountMismatch, expected=1000, received=990):
        stk.fundRewards(1000, WEEK, sender=actors.admin)


def test_unstake_request_and_withdraw(system: System, actors: Actors, stk: Any) -> None:
    c = actors.client
    with ape.reverts(stk.ZeroAmount):
        stk.requestUnstake(0, sender=c)
    with ape.reverts(stk.InsufficientStake, staked=0, amount=1):
        stk.requestUnstake(1, sender=c)
    with ape.reverts(stk.NothingToWithdraw):
        stk.withdraw(sender=c)
    _stake(system, actors, stk, c, 10 * LNC)
    with ape.reverts(stk.InsufficientStake, staked=10 * LNC, amount=10 * LNC + 1):
        stk.requestUnstake(10 * LNC + 1, sender=c)
    tx = stk.requestUnstake(4 * LNC, sender=c)
    (ev,) = tx.decode_logs(stk.UnstakeRequested)
    unlock = _ts(tx) + UNBONDING
    assert (ev.account, ev.amount, ev.unlockAt) == (c.address, 4 * LNC, unlock)
    assert stk.stakeOf(c) == 6 * LNC and stk.unbondingOf(c) == (4 * LNC, unlock)
    assert (stk.totalStaked(), stk.totalUnbonding()) == (6 * LNC, 4 * LNC)
    warp(DAY)
    # a second request adds to the unbonding balance and restarts its clock
    tx = stk.requestUnstake(LNC, sender=c)
    unlock = _ts(tx) + UNBONDING
    assert stk.unbondingOf(c) == (5 * LNC, unlock)
    ape.chain.pending_timestamp = unlock - 1
    with ape.reverts(stk.StillUnbonding, unlockAt=unlock):
        stk.withdraw(sender=c)
    ape.chain.pending_timestamp = unlock
    before = system.token.balanceOf(c)
    tx = stk.withdraw(sender=c)
    (ev,) = tx.decode_logs(stk.Withdrawn)
    assert (ev.account, ev.amount) == (c.address, 5 * LNC)
    assert system.token.balanceOf(c) - before == 5 * LNC
    assert stk.unbondingOf(c) == (0, 0) and stk.totalUnbonding() == 0 and stk.stakeOf(c) == 5 * LNC
    with ape.reverts(stk.NothingToWithdraw):
        stk.withdraw(sender=c)
    _check_books(system, stk, [c])


def test_fund_guards_and_event(system: System, actors: Actors, stk: Any) -> None:
    with ape.reverts(stk.AccessControlUnauthorizedAccount, account=actors.other.address, neededRole=FUNDER_ROLE):
        stk.fundRewards(LNC, WEEK, sender=actors.other)
    with ape.reverts(stk.ZeroAmount):
        stk.fundRewards(0, WEEK, sender=actors.admin)
    with ape.reverts(stk.InvalidDuration, duration=0):
        stk.fundRewards(LNC, 0, sender=actors.admin)
    with ape.reverts(stk.InvalidDuration, duration=366 * DAY):
        stk.fundRewards(LNC, 366 * DAY, sender=actors.admin)
    tx = _fund(system, actors, stk, 7 * LNC, WEEK)
    (ev,) = tx.decode_logs(stk.RewardFunded)
    rate = 7 * LNC * 10**18 // WEEK
    assert (ev.funder, ev.amount, ev.duration, ev.rewardRateScaled, ev.periodFinish) == (
        actors.admin.address, 7 * LNC, WEEK, rate, _ts(tx) + WEEK
    )
    assert stk.rewardRateScaled() == rate and stk.totalFunded() == 7 * LNC
    # the funder role is grantable (e.g. to the treasury's operator)
    stk.grantRole(FUNDER_ROLE, actors.ops, sender=actors.admin)
    mint_lnc(system, actors, actors.ops, LNC)
    system.token.approve(stk, LNC, sender=actors.ops)
    stk.fundRewards(LNC, WEEK, sender=actors.ops)
    assert stk.totalFunded() == 8 * LNC


def test_single_staker_earns_the_whole_stream(system: System, actors: Actors, stk: Any) -> None:
    c = actors.client
    _stake(system, actors, stk, c, 100 * LNC)
    _fund(system, actors, stk, 70 * LNC, WEEK)
    with ape.reverts(stk.NothingToClaim):
        stk.claimRewards(sender=actors.other)
    warp(WEEK // 2)
    half = stk.earned(c)
    assert 34 * LNC < half < 36 * LNC
    warp(WEEK)  # past the end: nothing more accrues
    total = stk.earned(c)
    assert 70 * LNC - 10**6 <= total <= 70 * LNC  # rounding dust stays in the contract
    warp(DAY)
    assert stk.earned(c) == total
    before = system.token.balanceOf(c)
    tx = stk.claimRewards(sender=c)
    (ev,) = tx.decode_logs(stk.RewardPaid)
    assert (ev.account, ev.amount) == (c.address, total)
    assert system.token.balanceOf(c) - before == total
    assert stk.earned(c) == 0 and stk.totalPaid() == total
    with ape.reverts(stk.NothingToClaim):
        stk.claimRewards(sender=c)
    _check_books(system, stk, [c])


def test_rewards_split_by_stake_and_unbonding_earns_nothing(system: System, actors: Actors, stk: Any) -> None:
    a, b = actors.client, actors.freelancer
    _stake(system, actors, stk, a, 300 * LNC)
    _stake(system, actors, stk, b, 100 * LNC)
    _fund(system, actors, stk, 40 * LNC, 40 * DAY)  # 1 LNC a day
    warp(10 * DAY)
    ea, eb = stk.earned(a), stk.earned(b)
    assert abs(ea - 3 * eb) <= 3 * 10**6  # 3:1, up to per-second rounding
    stk.requestUnstake(300 * LNC, sender=a)  # a leaves: its stake stops earning now
    frozen = stk.earned(a)
    warp(10 * DAY)
    assert stk.earned(a) == frozen
    assert stk.stakeOf(a) == 0 and stk.unbondingOf(a)[0] == 300 * LNC
    # b alone receives the whole stream since a's request (1 LNC a day, 10 days, a few seconds of txs)
    assert abs(stk.earned(b) - eb - 10 * LNC) <= SLACK
    _check_books(system, stk, [a, b])


def test_stream_while_nobody_stakes_is_carried_to_next_funding(system: System, actors: Actors, stk: Any) -> None:
    c = actors.client
    _fund(system, actors, stk, 10 * LNC, 10 * DAY)
    warp(5 * DAY)  # half the stream passes with no stake
    _stake(system, actors, stk, c, LNC)
    warp(20 * DAY)
    first = stk.earned(c)
    assert 4 * LNC < first < 5 * LNC + 1  # only the second half was paid to stakers
    # what streamed before the first stake was set aside when the stake came in
    assert abs(stk.unallocatedRewards() - 5 * LNC) <= SLACK
    stk.requestUnstake(LNC, sender=c)
    # the unpaid half is re-streamed by the next funding
    tx = _fund(system, actors, stk, LNC, 10 * DAY)
    assert stk.unallocatedRewards() == 0
    carried = stk.rewardRateScaled() * 10 * DAY // 10**18 - LNC
    assert abs(carried - 5 * LNC) <= SLACK
    assert stk.periodFinish() == _ts(tx) + 10 * DAY
    _check_books(system, stk, [c])


def test_refunding_mid_period_keeps_the_rest(system: System, actors: Actors, stk: Any) -> None:
    c = actors.client
    _stake(system, actors, stk, c, LNC)
    _fund(system, actors, stk, 10 * LNC, 10 * DAY)
    warp(5 * DAY)
    _fund(system, actors, stk, 10 * LNC, 10 * DAY)  # 5 left + 10 new over 10 days
    assert abs(stk.rewardRateScaled() * 10 * DAY // 10**18 - 15 * LNC) <= SLACK
    warp(11 * DAY)
    assert 20 * LNC - 10**7 <= stk.earned(c) <= 20 * LNC
    stk.claimRewards(sender=c)
    _check_books(system, stk, [c])


def test_reentrancy_is_blocked(system: System, actors: Actors) -> None:
    cbt = container("CallbackToken").deploy(sender=actors.admin)
    stk = deploy_staking(cbt, actors, unbonding=0)
    c = actors.client
    for who, amount in ((c, 10 * LNC), (actors.admin, 10 * LNC)):
        cbt.mint(who, amount, sender=who)
        cbt.approve(stk, amount, sender=who)
    stk.stake(10 * LNC, sender=c)
    stk.fundRewards(10 * LNC, DAY, sender=actors.admin)
    stk.requestUnstake(5 * LNC, sender=c)
    warp(DAY)
    # every payout re-enters (withdraw, then claimRewards); the guard stops each attempt
    cbt.setHook(stk, stk, stk.withdraw.encode_input(), sender=actors.admin)
    stk.claimRewards(sender=c)
    cbt.setHook(stk, stk, stk.claimRewards.encode_input(), sender=actors.admin)
    stk.withdraw(sender=c)
    assert cbt.attempts() == 2 and not cbt.reentered()
    assert cbt.lastError()[:4] == REENTRANT
    assert cbt.balanceOf(stk) == stk.totalStaked() + stk.totalUnbonding() + stk.totalFunded() - stk.totalPaid()
