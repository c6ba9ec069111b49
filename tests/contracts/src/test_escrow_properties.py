"""Property-based test: random action sequences against a Python model of the escrow rules.

Every action is predicted by the model. Predicted successes are sent as transactions and must
succeed; predicted failures are tried with eth_call and must revert (cheap: nothing is mined).
After every step the escrow's books and every party's gains are checked against the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import ape
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from web3.exceptions import ContractLogicError

from tests.support.solidity import FEE_BPS, Actors, System, container, isolated

ZERO = "0x" + "00" * 20
REVIEW = 1000  # seconds; a "warp" jumps 2 * REVIEW so timing never sits on a boundary
PENDING, SUBMITTED, RELEASED, DISPUTED, RESOLVED, REFUNDED = range(6)
ROLES = ["client", "freelancer", "arbiter", "other"]


@dataclass
class Model:
    amounts: list[int]
    accepted: bool = False
    status: list[int] = field(default_factory=list)
    ripe: list[bool] = field(default_factory=list)  # submitted and review period elapsed
    to_freelancer: int = 0
    to_client: int = 0
    fees: int = 0

    def __post_init__(self) -> None:
        self.status = [PENDING] * len(self.amounts)
        self.ripe = [False] * len(self.amounts)

    def locked(self) -> int:
        return sum(self.amounts) - self.to_freelancer - self.to_client - self.fees

    def apply(self, action: tuple[Any, ...]) -> bool:
        """Apply `action` if the rules allow it; return whether it should succeed."""
        name, who = action[0], action[1]
        if name == "accept":
            if who != "freelancer" or self.accepted:
                return False
            self.accepted = True
            return True
        i = action[2]
        if i >= len(self.amounts):
            return False
        st_, amt = self.status[i], self.amounts[i]
        if name == "submit":
            if who != "freelancer" or not self.accepted or st_ != PENDING:
                return False
            self.status[i] = SUBMITTED
            return True
        if name == "release":
            if not self.accepted or st_ not in (PENDING, SUBMITTED):
                return False
            if who != "client" and not (st_ == SUBMITTED and self.ripe[i]):
                return False
            fee = amt * FEE_BPS // 10_000
            self.to_freelancer += amt - fee
            self.fees += fee
            self.status[i] = RELEASED
            return True
        if name == "dispute":
            if who not in ("client", "freelancer") or not self.accepted or st_ not in (PENDING, SUBMITTED):
                return False
            self.status[i] = DISPUTED
            return True
        if name == "resolve":
            bps = action[3]
            if who != "arbiter" or bps > 10_000 or st_ != DISPUTED:
                return False
            gross = amt * bps // 10_000
            fee = gross * FEE_BPS // 10_000
            self.to_freelancer += gross - fee
            self.fees += fee
            self.to_client += amt - gross
            self.status[i] = RESOLVED
            return True
        if name == "refund":
            if who == "freelancer":
                ok = st_ in (PENDING, SUBMITTED)
            elif who == "client":
                ok = not self.accepted and st_ == PENDING
            else:
                ok = False
            if ok:
                self.to_client += amt
                self.status[i] = REFUNDED
            return ok
        raise AssertionError(name)

    def warp(self) -> None:
        self.ripe = [s == SUBMITTED for s in self.status]


who = st.sampled_from(ROLES)
idx = st.integers(0, 3)
action = st.one_of(
    st.tuples(st.just("accept"), who),
    st.tuples(st.just("submit"), who, idx),
    st.tuples(st.just("release"), who, idx),
    st.tuples(st.just("dispute"), who, idx),
    st.tuples(st.just("resolve"), who, idx, st.sampled_from([0, 1, 3333, 5000, 9999, 10_000, 10_001])),
    st.tuples(st.just("refund"), who, idx),
    st.tuples(st.just("warp"), who),
)
# Mostly legitimate callers make sequences reach deep states; wrong callers still appear often.
amounts_st = st.lists(st.integers(1, 10**9), min_size=1, max_size=3)


def _method(act: tuple[Any, ...]) -> tuple[str, tuple[Any, ...]]:
    """The Escrow method name and arguments an action calls."""
    name = act[0]
    if name == "accept":
        return "accept", ()
    if name == "submit":
        return "submitMilestone", (act[2], b"\x01" * 32)
    if name == "release":
        return "releaseMilestone", (act[2],)
    if name == "dispute":
        return "openDispute", (act[2], b"\x02" * 32)
    if name == "resolve":
        return "resolveDispute", (act[2], act[3])
    return "refundMilestone", (act[2],)


def _run(system: System, actors: Actors, native: bool, amounts: list[int], actions: list[tuple[Any, ...]]) -> None:
    chain = ape.chain
    web3 = ape.chain.provider.web3
    accts = {r: getattr(actors, r) for r in ROLES}
    token = ZERO if native else system.usd.address
    tx = system.factory.createEscrow(
        actors.client, actors.freelancer, actors.arbiter, token, amounts, REVIEW, b"\x00" * 32, sender=actors.other
    )
    e = container("Escrow").at(tx.decode_logs(system.factory.EscrowCreated)[0].escrow)
    total = sum(amounts)

    def bal(addr: Any) -> int:
        return int(web3.eth.get_balance(str(addr))) if native else int(system.usd.balanceOf(addr))

    if native:
        e.fund(value=total, sender=actors.client)
    else:
        system.usd.mint(actors.client, total, sender=actors.client)
        system.usd.approve(e, total, sender=actors.client)
        e.fund(sender=actors.client)

    start = {r: bal(a) for r, a in accts.items()}
    start_treasury = bal(system.treasury)
    gas_paid = dict.fromkeys(ROLES, 0)
    model = Model(list(amounts))

    for act in actions:
        if act[0] == "warp":
            chain.mine(deltatime=2 * REVIEW)
            model.warp()
            continue
        sender = accts[act[1]]
        method, args = _method(act)
        if model.apply(act):
            receipt = getattr(e, method)(*args, sender=sender)
            if native:
                gas_paid[act[1]] += int(receipt.total_fees_paid)
            assert not receipt.failed, act
        else:
            data = getattr(e, method).encode_input(*args)
            with pytest.raises(ContractLogicError):
                web3.eth.call({"from": sender.address, "to": e.address, "data": data})

        funded, released, refunded, fees = e.totals()
        locked = e.locked()
        assert (funded, released, refunded, fees, locked) == (
            total, model.to_freelancer, model.to_client, model.fees, model.locked()
        )
        assert released + fees + refunded + locked == funded
        assert bal(e) == locked
        gains = {r: bal(a) - start[r] + gas_paid[r] for r, a in accts.items()}
        assert gains == {"client": model.to_client, "freelancer": model.to_freelancer, "arbiter": 0, "other": 0}
        assert bal(system.treasury) - start_treasury == model.fees
        assert [e.milestone(i).status for i in range(len(amounts))] == model.status
        assert e.completed() == all(s in (RELEASED, RESOLVED, REFUNDED) for s in model.status)


SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.parametrize("native", [True, False], ids=["native", "erc20"])
@SETTINGS
@given(amounts=amounts_st, actions=st.lists(action, min_size=1, max_size=14))
def test_random_action_sequences(
    system: System, actors: Actors, native: bool, amounts: list[int], actions: list[tuple[Any, ...]]
) -> None:
    # accept first in most runs so that the interesting post-accept states are reached
    with isolated():
        _run(system, actors, native, amounts, [("accept", "freelancer"), *actions])
