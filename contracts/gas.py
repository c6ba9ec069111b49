"""Deterministic gas report: run every user-facing function once on a fresh anvil.

Uses plain web3.py against an anvil this module starts itself (fixed accounts, fixed chain id, fixed
start timestamp), so two runs give identical gasUsed figures for the same artifacts.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from web3 import Web3
from web3.contract import Contract
from web3.logs import DISCARD

from contracts.artifacts import build_info, contract_at, deploy_unlocked
from contracts.build import REPO_ROOT
from contracts.merkle import build
from devtools.anvil import AnvilProcess
from indexer.core.addresses import ZERO_ADDRESS

REPORT_PATH = REPO_ROOT / "contracts" / "gas-report.json"
DAY = 24 * 3600


@contextmanager
def anvil() -> Iterator[Web3]:
    """A fresh anvil on a random local port, with a fixed genesis timestamp; stopped on exit."""
    with AnvilProcess(chain_id=31337, timestamp=1700000000) as node:
        yield Web3(Web3.HTTPProvider(node.url))


class _Runner:
    def __init__(self, w3: Web3) -> None:
        self.w3 = w3
        self.accounts = w3.eth.accounts  # anvil's unlocked default accounts
        self.actions: dict[str, dict[str, Any]] = {}

    def deploy(self, name: str, *args: Any) -> Contract:
        return deploy_unlocked(self.w3, name, *args, sender=self.accounts[0])[0]

    def at(self, name: str, address: str) -> Contract:
        return contract_at(self.w3, name, address)

    def _wait(self, tx_hash: bytes) -> Any:
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash)
        if receipt["status"] != 1:
            raise RuntimeError(f"transaction failed: {tx_hash.hex()}")
        return receipt

    def send(self, action: str, contract_name: str, contract: Contract, fn: str, *args: Any,
             sender: str, value: int = 0) -> Any:
        """Send one transaction; record it under `action` when the name is not empty."""
        tx = getattr(contract.functions, fn)(*args).transact({"from": sender, "value": value})
        receipt = self._wait(tx)
        if action:
            self.actions[action] = {"gasUsed": int(receipt["gasUsed"]), "contract": contract_name, "function": fn}
        return receipt


def run_scenario(w3: Web3) -> dict[str, dict[str, Any]]:
    """Execute every user-facing function once; return gas per action."""
    r = _Runner(w3)
    admin, client, freelancer, arbiter, other, ops, climate = r.accounts[:7]
    kind = lambda s: s.encode().ljust(32, b"\0")  # noqa: E731

    token = r.deploy("LancerToken", admin, 10**27)
    usd = r.deploy("TestToken")
    treasury = r.deploy("Treasury", admin, [(ops, 7000, kind("ops")), (climate, 3000, kind("climate"))])
    impl = r.deploy("Escrow")
    factory = r.deploy("EscrowFactory", admin, impl.address, treasury.address, 250)

    r.send("token.mint", "LancerToken", token, "mint", client, 10**21, sender=admin)
    r.send("token.transfer", "LancerToken", token, "transfer", freelancer, 10**18, sender=client)
    r.send("token.approve", "LancerToken", token, "approve", other, 10**18, sender=client)
    r.send("token.transfer_from", "LancerToken", token, "transferFrom", client, arbiter, 10**17, sender=other)
    r.send("token.burn", "LancerToken", token, "burn", 10**17, sender=client)

    meta = b"\x11" * 32
    amounts = [10**18, 2 * 10**18, 3 * 10**18, 4 * 10**18]

    def created(receipt: Any) -> Contract:
        (log,) = factory.events.EscrowCreated().process_receipt(receipt, errors=DISCARD)  # skip the clone's Initialized log
        return r.at("Escrow", log["args"]["escrow"])

    # native escrow: fund, accept, submit, release, auto-release, dispute, resolve, refund
    rc = r.send("escrow.create", "EscrowFactory", factory, "createEscrow",
                client, freelancer, arbiter, ZERO_ADDRESS, amounts, DAY, meta, sender=other)
    e = created(rc)
    r.send("escrow.fund_native", "Escrow", e, "fund", sender=client, value=sum(amounts))
    r.send("escrow.accept", "Escrow", e, "accept", sender=freelancer)
    r.send("escrow.submit", "Escrow", e, "submitMilestone", 0, b"\x22" * 32, sender=freelancer)
    r.send("escrow.release", "Escrow", e, "releaseMilestone", 0, sender=client)
    r.send("", "Escrow", e, "submitMilestone", 1, b"\x22" * 32, sender=freelancer)
    w3.provider.make_request("evm_increaseTime", [DAY + 1])  # type: ignore[arg-type]
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    r.send("escrow.auto_release", "Escrow", e, "releaseMilestone", 1, sender=other)
    r.send("escrow.dispute", "Escrow", e, "openDispute", 2, b"\x33" * 32, sender=client)
    r.send("escrow.resolve", "Escrow", e, "resolveDispute", 2, 6000, sender=arbiter)
    r.send("escrow.refund", "Escrow", e, "refundMilestone", 3, sender=freelancer)

    # ERC20 escrow created deterministically
    rc = r.send("escrow.create_deterministic", "EscrowFactory", factory, "createEscrowDeterministic",
                client, freelancer, arbiter, usd.address, [5 * 10**6], DAY, meta, b"\x05" * 32, sender=other)
    e2 = created(rc)
    r.send("", "TestToken", usd, "mint", client, 5 * 10**6, sender=client)
    r.send("", "TestToken", usd, "approve", e2.address, 5 * 10**6, sender=client)
    r.send("escrow.fund_erc20", "Escrow", e2, "fund", sender=client)
    r.send("", "Escrow", e2, "accept", sender=freelancer)
    r.send("escrow.release_erc20", "Escrow", e2, "releaseMilestone", 0, sender=client)

    # treasury
    r.send("treasury.deposit_fee", "Treasury", treasury, "depositFee", ZERO_ADDRESS, 10**15, b"\x44" * 32,
           sender=other, value=10**15)
    r.send("treasury.distribute", "Treasury", treasury, "distribute", ZERO_ADDRESS, sender=other)
    r.send("treasury.distribute_erc20", "Treasury", treasury, "distribute", usd.address, sender=other)
    r.send("treasury.record_offset", "Treasury", treasury, "recordOffset", b"\x07" * 32, 125_000,
           "https://registry.example/cert/7", sender=admin)
    r.send("treasury.set_splits", "Treasury", treasury, "setSplits",
           [(ops, 5000, kind("ops")), (climate, 5000, kind("climate"))], sender=admin)
    r.send("factory.set_fee_bps", "EscrowFactory", factory, "setFeeBps", 300, sender=admin)
    r.send("factory.set_treasury", "EscrowFactory", factory, "setTreasury", other, sender=admin)
    _token_economy(r, token, treasury)
    return dict(sorted(r.actions.items()))


def _warp(w3: Web3, seconds: int) -> None:
    """Mine the next block exactly `seconds` after the latest one."""
    latest = int(w3.eth.get_block("latest")["timestamp"])
    w3.provider.make_request("evm_mine", [latest + seconds])  # type: ignore[arg-type]


def _pin_clock(w3: Web3) -> None:
    """Every following transaction's block one second after the one before it. Staking's gas depends on
    whether rewards accrued since the last update (a zero or non-zero storage write), so the report
    must not depend on how fast this machine sends transactions."""
    latest = int(w3.eth.get_block("latest")["timestamp"])
    w3.provider.make_request("anvil_setBlockTimestampInterval", [1])  # type: ignore[arg-type]
    w3.provider.make_request("evm_setNextBlockTimestamp", [latest + 1])  # type: ignore[arg-type]


def _token_economy(r: _Runner, token: Contract, treasury: Contract) -> None:
    """MerkleDistributor and LancerStaking. Claims use an 8-leaf tree (3-hash proofs); a claim costs
    about 600 gas more per doubling of an epoch's leaves."""
    w3 = r.w3
    _pin_clock(w3)
    admin, client, freelancer, arbiter, other = r.accounts[:5]
    people = [client, freelancer, arbiter, other]

    dist = r.deploy("MerkleDistributor", admin, treasury.address, 30 * DAY)
    tree = build([(people[i % 4], (i + 1) * 10**18) for i in range(8)])
    r.send("", "LancerToken", token, "mint", admin, 10**24, sender=admin)
    r.send("", "LancerToken", token, "approve", dist.address, tree.total, sender=admin)
    r.send("distributor.publish_root", "MerkleDistributor", dist, "publishRoot",
           1, tree.root, token.address, tree.total, sender=admin)
    c = tree.claims[0]
    r.send("distributor.claim", "MerkleDistributor", dist, "claim",
           1, c.index, c.account, c.amount, tree.proof(0), sender=c.account)
    _warp(w3, 30 * DAY)
    r.send("distributor.sweep", "MerkleDistributor", dist, "sweep", 1, sender=admin)

    stk = r.deploy("LancerStaking", admin, token.address, 7 * DAY)
    for who in (client, admin):
        r.send("", "LancerToken", token, "approve", stk.address, 10**24, sender=who)
    r.send("staking.stake", "LancerStaking", stk, "stake", 100 * 10**18, sender=client)
    r.send("staking.fund_rewards", "LancerStaking", stk, "fundRewards", 1000 * 10**18, 30 * DAY, sender=admin)
    _warp(w3, DAY)
    r.send("staking.claim_rewards", "LancerStaking", stk, "claimRewards", sender=client)
    r.send("staking.request_unstake", "LancerStaking", stk, "requestUnstake", 40 * 10**18, sender=client)
    _warp(w3, 7 * DAY)
    r.send("staking.withdraw", "LancerStaking", stk, "withdraw", sender=client)


def generate() -> dict[str, Any]:
    """Run the scenario on a fresh anvil and return the full report."""
    with anvil() as w3:
        actions = run_scenario(w3)
    return {
        "compiler": build_info()["compiler"]["version"],
        "generatedFrom": "scripts/gas_report.py",
        "actions": actions,
    }


def write_report(path: Path = REPORT_PATH) -> dict[str, Any]:
    report = generate()
    path.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return report
