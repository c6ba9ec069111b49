"""Property-based test: random staking histories against an integer model of LancerStaking.

Every step is one transaction mined at a timestamp the test chooses (evm_setNextBlockTimestamp), sent
with a fixed gas limit so that predicted failures are mined as reverted transactions at that very time:
predictions that depend on time (unbonding, accrued rewards) are then exact, never off by a block.
After every step the contract must agree with the model, and the invariants must hold:

- conservation: token balance == totalStaked + totalUnbonding + totalFunded - totalPaid;
- staked + rewards paid <= funded + staked in: paid + everything claimable + everything still to
  stream <= funded, i.e. rounding dust never favours stakers;
- the dust is bounded (rewards are not lost either): funded minus that sum stays tiny;
- each account's token gains are exactly its withdrawals plus its rewards paid.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import ape
from eth_utils import keccak
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.artifacts import load_artifact
from tests.support.solidity import Actors, System, isolated
from tests.support.economy import DAY, UNBONDING, deploy_staking

P = 10**18
MAX_DURATION = 365 * DAY
USERS = ["client", "freelancer", "other"]
BUDGET = 10**23  # each user's and the funder's LNC at the start of an example (4e23 < the 1e24 cap)
GAS = 400_000


@dataclass
class Model:
    """The contract's rules and integer arithmetic (every division rounds down)."""

    stakes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(USERS, 0))
    unbonding: dict[str, tuple[int, int]] = field(default_factory=lambda: dict.fromkeys(USERS, (0, 0)))
    rewards: dict[str, int] = field(default_factory=lambda: dict.fromkeys(USERS, 0))
    snapshot: dict[str, int] = field(default_factory=lambda: dict.fromkeys(USERS, 0))
    gains: dict[str, int] = field(default_factory=lambda: dict.fromkeys(USERS, 0))  # withdrawn + rewards
    staked_in: dict[str, int] = field(default_factory=lambda: dict.fromkeys(USERS, 0))
    total_staked: int = 0
    total_unbonding: int = 0
    funded: int = 0
    paid: int = 0
    rate: int = 0
    finish: int = 0
    last: int = 0
    rpt: int = 0
    unallocated: int = 0

    def _applicable(self, t: int) -> int:
        return min(t, self.finish)

    def _elapsed(self, t: int) -> int:
        return max(self._applicable(t) - self.last, 0)

    def rpt_at(self, t: int) -> int:
        if self.total_staked == 0:
            return self.rpt
        return self.rpt + self._elapsed(t) * self.rate // self.total_staked

    def earned(self, who: str, t: int) -> int:
        return self.rewards[who] + self.stakes[who] * (self.rpt_at(t) - self.snapshot[who]) // P

    def still_to_stream(self, t: int) -> int:
        return (self.finish - t) * self.rate // P if t < self.finish else 0

    def not_yet_set_aside(self, t: int) -> int:
        """What streamed to nobody since the last update (moved to unallocated at the next one)."""
        return self._elapsed(t) * self.rate // P if self.total_staked == 0 else 0

    def _update(self, who: str | None, t: int) -> None:
        if self.total_staked == 0:
            self.unallocated += self._elapsed(t) * self.rate // P
        else:
            self.rpt = self.rpt_at(t)
        self.last = self._applicable(t)
        if who is not None:
            self.rewards[who] = self.earned(who, t)
            self.snapshot[who] = self.rpt

    def apply(self, act: tuple[Any, ...], t: int) -> bool:
        """Apply `act` at time `t` if the rules allow it; return whether it should succeed."""
        name = act[0]
        if name == "stake":
            who, amount = act[1], act[2]
            if amount == 0:
                return False
            self._update(who, t)
            self.stakes[who] += amount
            self.staked_in[who] += amount
            self.total_staked += amount
            return True
        if name == "unstake":
            who, amount = act[1], self.stakes[act[1]] * act[2] // 4  # quarters; 5/4 is too much
            if amount == 0 or amount > self.stakes[who]:
                return False
            self._update(who, t)
            self.stakes[who] -= amount
            self.total_staked -= amount
            self.total_unbonding += amount
            self.unbonding[who] = (self.unbonding[who][0] + amount, t + UNBONDING)
            return True
        if name == "withdraw":
            who = act[1]
            amount, unlock = self.unbonding[who]
            if amount == 0 or t < unlock:
                return False
            self.unbonding[who] = (0, 0)
            self.total_unbonding -= amount
            self.gains[who] += amount
            return True
        if name == "claim":
            who = act[1]
            if self.earned(who, t) == 0:
                return False
            self._update(who, t)
            reward, self.rewards[who] = self.rewards[who], 0
            self.paid += reward
            self.gains[who] += reward
            return True
        if name == "fund":
            funder, amount, duration = act[1], act[2], act[3]
            if funder != "admin" or amount == 0 or not 0 < duration <= MAX_DURATION:
                return False
            self._update(None, t)
            self.funded += amount
            remaining = self.unallocated + self.still_to_stream(t)
            self.unallocated = 0
            self.rate = (amount + remaining) * P // duration
            self.last = t
            self.finish = t + duration
            return True
        raise AssertionError(name)


who_st = st.sampled_from(USERS)
amount_st = st.one_of(st.just(0), st.integers(1, 10**6), st.integers(10**18, 10**21))
dt_st = st.sampled_from([1, 13, 3600, DAY, UNBONDING, 3 * UNBONDING])
action_st = st.tuples(
    dt_st,
    st.one_of(
        st.tuples(st.just("stake"), who_st, amount_st),
        st.tuples(st.just("unstake"), who_st, st.integers(0, 5)),
        st.tuples(st.just("withdraw"), who_st),
        st.tuples(st.just("claim"), who_st),
        st.tuples(
            st.just("fund"),
            st.sampled_from(["admin", "admin", "admin", "other"]),
            amount_st,
            st.sampled_from([0, 1, 3600, DAY, 30 * DAY, MAX_DURATION, MAX_DURATION + 1]),
        ),
    ),
)


def _calldata(stk: Any, act: tuple[Any, ...], model: Model) -> bytes:
    name = act[0]
    f = stk.functions
    if name == "stake":
        call = f.stake(act[2])
    elif name == "unstake":
        call = f.requestUnstake(model.stakes[act[1]] * act[2] // 4)
    elif name == "withdraw":
        call = f.withdraw()
    elif name == "claim":
        call = f.claimRewards()
    else:
        call = f.fundRewards(act[2], act[3])
    return bytes.fromhex(call._encode_transaction_data()[2:])


class Views:
    """Raw eth_call of the uint256 views: web3.py's contract-call machinery costs ~10 ms a call here,
    which would dominate this test's run time."""

    def __init__(self, web3: Any, address: str) -> None:
        self.web3, self.address = web3, address

    def __call__(self, signature: str, *args: str) -> tuple[int, ...]:
        data = keccak(text=signature)[:4].hex() + "".join(a[2:].lower().rjust(64, "0") for a in args)
        tx = {"to": self.address, "data": "0x" + data}
        out = self.web3.provider.make_request("eth_call", [tx, "latest"])["result"][2:]
        return tuple(int(out[i : i + 64], 16) for i in range(0, len(out), 64))

    def one(self, signature: str, *args: str) -> int:
        return self(signature, *args)[0]


@dataclass
class Setup:
    web3: Any
    stk: Any  # web3.py contract, for encoding calldata
    views: Views
    token_views: Views
    accts: dict[str, str]


def _setup(system: System, actors: Actors) -> Setup:
    web3 = ape.chain.provider.web3
    stk = deploy_staking(system.token, actors)
    accts = {name: getattr(actors, name) for name in [*USERS, "admin"]}
    for a in accts.values():
        system.token.mint(a, BUDGET, sender=actors.admin)
        system.token.approve(stk, 2**256 - 1, sender=a)
    return Setup(
        web3,
        web3.eth.contract(address=stk.address, abi=load_artifact("LancerStaking")["abi"]),
        Views(web3, stk.address),
        Views(web3, system.token.address),
        {k: v.address for k, v in accts.items()},
    )


def _run(s: Setup, steps: list[tuple[int, tuple[Any, ...]]]) -> None:
    web3, accts, v = s.web3, s.accts, s.views
    balance = lambda who: s.token_views.one("balanceOf(address)", who)  # noqa: E731
    start = {u: balance(accts[u]) for u in USERS}
    model = Model()
    now = int(web3.eth.get_block("latest")["timestamp"])
    for i, (dt, act) in enumerate(steps, start=1):
        now += dt
        # calldata first: unstake amounts are read from the stake before the model moves
        data = _calldata(s.stk, act, model)
        expected = model.apply(act, now)
        web3.provider.make_request("evm_setNextBlockTimestamp", [now])
        tx = web3.eth.send_transaction({"from": accts[act[1]], "to": s.stk.address, "data": data, "gas": GAS})
        receipt = web3.eth.wait_for_transaction_receipt(tx)
        assert receipt["status"] == int(expected), (act, expected)
        assert web3.eth.get_block(receipt["blockNumber"])["timestamp"] == now

        # the contract agrees with the model
        totals = tuple(v.one(f"{n}()") for n in ("totalStaked", "totalUnbonding", "totalFunded", "totalPaid"))
        assert totals == (model.total_staked, model.total_unbonding, model.funded, model.paid)
        staked, unbonding, funded, paid = totals
        stream = tuple(v.one(f"{n}()") for n in
                       ("rewardPerTokenStored", "unallocatedRewards", "rewardRateScaled", "periodFinish"))
        assert stream == (model.rpt, model.unallocated, model.rate, model.finish)
        claimable = 0
        for u in USERS:
            a = accts[u]
            assert v.one("stakeOf(address)", a) == model.stakes[u]
            assert v("unbondingOf(address)", a) == model.unbonding[u]
            earned = v.one("earned(address)", a)  # views run on the latest block, mined at `now`
            assert earned == model.earned(u, now)
            claimable += earned
            assert balance(a) - start[u] == model.gains[u] - model.staked_in[u]

        # invariants, on the contract's own figures
        assert balance(s.stk.address) == staked + unbonding + funded - paid
        promised = paid + claimable + stream[1] + model.not_yet_set_aside(now) + model.still_to_stream(now)
        assert promised <= funded
        # rewards are not lost either: each update rounds away at most ~totalStaked / 1e18 + 1 wei
        # per account (stakes here stay below 1e22)
        assert funded - promised <= i * (10**4 + len(USERS) + 2)


SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_random_staking_histories(system: System, actors: Actors) -> None:
    s = _setup(system, actors)  # once; every example runs in its own snapshot on top of it
    # most histories start with a stake and a funding so that rewards actually stream
    prefix = [(1, ("stake", "client", 10**20)), (1, ("fund", "admin", 10**20, 30 * DAY))]

    @SETTINGS
    @given(steps=st.lists(action_st, min_size=1, max_size=14))
    def histories(steps: list[tuple[int, tuple[Any, ...]]]) -> None:
        with isolated():
            _run(s, [*prefix, *steps])

    histories()
