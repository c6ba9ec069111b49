"""Property-based tests of MerkleDistributor against a model: a leaf claims once, the claimed total never
exceeds the root's total (even when the root's leaves add up to more than was funded), other epochs'
funds are never touched, and every proof built by contracts/merkle.py verifies on chain.

Predicted successes are sent as transactions and must succeed; predicted failures are tried with
eth_call and must revert (nothing is mined).
"""

from __future__ import annotations

from typing import Any

import ape
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from web3.exceptions import ContractLogicError

from contracts.merkle import MerkleTree, build
from tests.support.solidity import Actors, System, isolated
from tests.support.economy import CLAIM_WINDOW, deploy_distributor, publish

EPOCH, OTHER_EPOCH = 1, 2
PEOPLE = ["client", "freelancer", "arbiter", "other"]
# tampering a claim: each kind must make it fail, whatever the model's state
TAMPER = ["none", "none", "none", "amount", "account", "proof", "epoch"]

leaves_st = st.lists(st.tuples(st.sampled_from(PEOPLE), st.integers(1, 10**6)), min_size=1, max_size=6)
claim_st = st.tuples(st.just("claim"), st.integers(0, 5), st.sampled_from(TAMPER))
action_st = st.one_of(claim_st, claim_st, claim_st, st.tuples(st.just("expire")), st.tuples(st.just("sweep")))

SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _setup(system: System, actors: Actors) -> tuple[Any, dict[str, Any]]:
    dist = deploy_distributor(system, actors)
    people = {p: getattr(actors, p) for p in PEOPLE}
    # another epoch in the same token, whose funds must stay untouched whatever happens to EPOCH
    other = build([(people[p].address, 10**9 + i) for i, p in enumerate(PEOPLE)])
    publish(system, actors, dist, OTHER_EPOCH, other)
    return dist, people


def _run(system: System, actors: Actors, dist: Any, people: dict[str, Any],
         leaves: list[tuple[str, int]], shortfall: int, actions: list[tuple[Any, ...]]) -> None:
    web3 = ape.chain.provider.web3
    token = system.token
    tree = build([(people[p].address, amount) for p, amount in leaves])
    total = max(tree.total - shortfall, 1)
    publish(system, actors, dist, EPOCH, tree, total=total)
    start = {p: int(token.balanceOf(a)) for p, a in people.items()}
    other_total = dist.epochInfo(OTHER_EPOCH).total
    claimed: set[int] = set()
    claimed_sum, expired, swept = 0, False, 0
    gains = dict.fromkeys(PEOPLE, 0)

    for act in actions:
        if act[0] == "expire":
            ape.chain.mine(deltatime=CLAIM_WINDOW + 1)
            expired = True
            continue
        if act[0] == "sweep":
            ok = expired and swept == 0 and claimed_sum < total
            if ok:
                dist.sweep(EPOCH, sender=actors.admin)
                swept = total - claimed_sum
            else:
                with pytest.raises(ContractLogicError):
                    web3.eth.call({"from": actors.admin.address, "to": dist.address,
                                   "data": dist.sweep.encode_input(EPOCH)})
            continue
        i, tamper = act[1] % len(leaves), act[2]
        owner, amount = leaves[i]
        epoch, account, proof = EPOCH, people[owner].address, tree.proof(i)
        if tamper == "amount":
            amount += 1
        elif tamper == "account":
            account = people[PEOPLE[(PEOPLE.index(owner) + 1) % len(PEOPLE)]].address
        elif tamper == "proof":
            proof = [bytes([p[0] ^ 1]) + p[1:] for p in proof] or [b"\x01" * 32]
        elif tamper == "epoch":
            epoch = OTHER_EPOCH
        ok = tamper == "none" and not expired and i not in claimed and claimed_sum + amount <= total
        data = dist.claim.encode_input(epoch, i, account, amount, proof)
        if ok:
            tx = dist.claim(epoch, i, account, amount, proof, sender=actors.other)
            (ev,) = tx.decode_logs(dist.Claimed)
            assert (ev.epoch, ev.index, ev.account, ev.amount) == (EPOCH, i, account, amount)
            claimed.add(i)
            claimed_sum += amount
            gains[owner] += amount
        else:
            with pytest.raises(ContractLogicError):
                web3.eth.call({"from": actors.other.address, "to": dist.address, "data": data})

        info = dist.epochInfo(EPOCH)
        assert info.claimed == claimed_sum <= total == info.total
        assert [dist.isClaimed(EPOCH, j) for j in range(len(leaves))] == [j in claimed for j in range(len(leaves))]
        assert token.balanceOf(dist) == total - claimed_sum - swept + other_total
        assert {p: int(token.balanceOf(a)) - start[p] for p, a in people.items()} == gains
        assert dist.epochInfo(OTHER_EPOCH).claimed == 0


def test_random_claim_sequences(system: System, actors: Actors) -> None:
    dist, people = _setup(system, actors)  # once; each example runs in its own snapshot

    @SETTINGS
    @given(
        leaves=leaves_st,
        # 0: funded exactly; otherwise the root's leaves add up to more than its total
        shortfall=st.one_of(st.just(0), st.just(0), st.integers(1, 10**6)),
        actions=st.lists(action_st, min_size=1, max_size=12),
    )
    def sequences(leaves: list[tuple[str, int]], shortfall: int, actions: list[tuple[Any, ...]]) -> None:
        with isolated():
            # every leaf's honest claim is tried at least once, most before expiry
            honest = [("claim", i, "none") for i in range(len(leaves))]
            _run(system, actors, dist, people, leaves, shortfall, [*actions, *honest])

    sequences()


@settings(max_examples=5, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(amounts=st.lists(st.integers(1, 10**20), min_size=1, max_size=24))
def test_python_proofs_verify_on_chain(system: System, actors: Actors, amounts: list[int]) -> None:
    """Every proof of a tree built by contracts/merkle.py passes the contract's check (eth_call)."""
    web3 = ape.chain.provider.web3
    accounts = [web3.to_checksum_address((i * 7919 + 1).to_bytes(20, "big")) for i in range(len(amounts))]
    tree: MerkleTree = build(list(zip(accounts, amounts, strict=True)))
    with isolated():
        dist = deploy_distributor(system, actors)
        publish(system, actors, dist, EPOCH, tree)
        for i, (account, amount) in enumerate(zip(accounts, amounts, strict=True)):
            data = dist.claim.encode_input(EPOCH, i, account, amount, tree.proof(i))
            web3.eth.call({"from": actors.other.address, "to": dist.address, "data": data})  # must not revert
            bad = dist.claim.encode_input(EPOCH, i, account, amount + 1, tree.proof(i))
            with pytest.raises(ContractLogicError):
                web3.eth.call({"from": actors.other.address, "to": dist.address, "data": bad})
