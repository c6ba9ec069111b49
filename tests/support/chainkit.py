"""Test helper: deploy Lancer's contracts to an anvil node with web3.py and drive random activity.

anvil's default accounts are unlocked, so transactions are sent with ``from`` only (no keys here).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from web3 import HTTPProvider, Web3
from web3.contract import Contract

from contracts.artifacts import contract_at, deploy_platform_unlocked
from devtools.anvil import AnvilProcess
from indexer.core.deployments import DeployedContract, Deployment, save_deployment

KINDS = [Web3.keccak(text=k) for k in ("carbon", "social", "ops")]
FEE_BPS = 250


@dataclass
class Platform:
    node: AnvilProcess
    w3: Web3
    token: Contract
    treasury: Contract
    factory: Contract
    deployment: Deployment
    admin: str
    users: list[str]
    escrows: list[str] = field(default_factory=list)
    rng: random.Random = field(default_factory=lambda: random.Random(1))

    def canonical_escrows(self) -> list[str]:
        """Escrows the canonical chain knows (after a reorg some of ``escrows`` may be gone)."""
        logs = self.factory.events.EscrowCreated.get_logs(from_block=0)
        return [entry["args"]["escrow"] for entry in logs]

    def reorg(self, depth: int) -> None:
        """Replace the last ``depth`` blocks by empty ones (new hashes), then resync our escrow list."""
        self.node.rpc("anvil_reorg", [depth, []])
        self.escrows = self.canonical_escrows()

    def escrow(self, address: str) -> Contract:
        return contract_at(self.w3, "Escrow", address)

    def tx(self, fn: Any, sender: str, value: int = 0) -> Any:
        h = fn.transact({"from": sender, "value": value, "gas": 3_000_000})
        return self.w3.eth.wait_for_transaction_receipt(h)

    # -- activity ---------------------------------------------------------------------------------

    def transfers(self, n: int) -> None:
        for _ in range(n):
            a, b = self.rng.sample(self.users, 2)
            bal = self.token.functions.balanceOf(a).call()
            if bal:
                self.tx(self.token.functions.transfer(b, self.rng.randint(1, bal)), a)

    def new_escrow(self, milestones: int | None = None, native: bool = False) -> str:
        client, freelancer, arbiter = self.rng.sample(self.users, 3)
        amounts = [self.rng.randint(1, 10) * 10**18 for _ in range(milestones or self.rng.randint(1, 3))]
        token = "0x" + "00" * 20 if native else self.token.address
        receipt = self.tx(self.factory.functions.createEscrow(
            client, freelancer, arbiter, token, amounts, 3600, Web3.keccak(text=str(self.rng.random()))), client)
        address = self.factory.events.EscrowCreated().process_receipt(receipt)[0]["args"]["escrow"]
        self.escrows.append(address)
        return address

    def step_escrow(self, address: str) -> None:
        """Move one escrow one random step forward (fund, accept, submit, release, dispute, refund...)."""
        esc = self.escrow(address)
        client, freelancer, arbiter = (esc.functions.client().call(), esc.functions.freelancer().call(),
                                       esc.functions.arbiter().call())
        total = esc.functions.total().call()
        native = esc.functions.token().call() == "0x" + "00" * 20
        if not esc.functions.funded().call():
            if native:
                self.tx(esc.functions.fund(), client, value=total)
            else:
                if self.token.functions.balanceOf(client).call() < total:
                    self.tx(self.token.functions.mint(client, total), self.admin)
                self.tx(self.token.functions.approve(address, total), client)
                self.tx(esc.functions.fund(), client)
            return
        count = esc.functions.milestoneCount().call()
        open_ms = [i for i in range(count) if esc.functions.milestone(i).call()[1] in (0, 1, 3)]
        if not open_ms:
            return
        i = self.rng.choice(open_ms)
        status = esc.functions.milestone(i).call()[1]
        if not esc.functions.accepted().call():
            if self.rng.random() < 0.2:
                self.tx(esc.functions.refundMilestone(i), client)
            else:
                self.tx(esc.functions.accept(), freelancer)
            return
        if status == 3:
            self.tx(esc.functions.resolveDispute(i, self.rng.randint(0, 10_000)), arbiter)
            return
        r = self.rng.random()
        if status == 0 and r < 0.4:
            self.tx(esc.functions.submitMilestone(i, Web3.keccak(text=f"d{i}")), freelancer)
        elif r < 0.7:
            self.tx(esc.functions.releaseMilestone(i), client)
        elif r < 0.85:
            self.tx(esc.functions.openDispute(i, Web3.keccak(text="why")), self.rng.choice([client, freelancer]))
        else:
            self.tx(esc.functions.refundMilestone(i), freelancer)

    def random_activity(self, steps: int) -> None:
        for _ in range(steps):
            r = self.rng.random()
            if r < 0.25 or not self.escrows:
                self.new_escrow(native=self.rng.random() < 0.2)
            elif r < 0.45:
                self.transfers(1)
            elif r < 0.5:
                try:
                    self.tx(self.treasury.functions.distribute(self.token.address), self.admin)
                except Exception:
                    pass  # nothing to distribute yet
            else:
                self.step_escrow(self.rng.choice(self.escrows))


def deploy_platform(node: AnvilProcess, deployments_dir: Path, *, seed: int = 1, name: str = "anvil") -> Platform:
    w3 = Web3(HTTPProvider(node.url, request_kwargs={"timeout": 30}))
    accounts = w3.eth.accounts
    admin, users = accounts[0], list(accounts[1:8])
    splits = [(users[5], 5000, KINDS[0]), (users[6], 3000, KINDS[1]), (admin, 2000, KINDS[2])]
    deployed, blocks = deploy_platform_unlocked(w3, admin, token_cap=10**30, splits=splits, fee_bps=FEE_BPS)
    token, treasury, impl, factory = (deployed[n] for n in ("LancerToken", "Treasury", "Escrow", "EscrowFactory"))
    now = datetime.now(UTC)
    contracts = {n: DeployedContract(address=c.address, block_number=blocks[n])
                 for n, c in (("LancerToken", token), ("Treasury", treasury), ("Escrow", impl),
                              ("EscrowFactory", factory))}
    deployment = Deployment(chain_id=node.chain_id, chain_name=name, genesis_hash=w3.eth.get_block(0)["hash"].to_0x_hex(),
                            deployer=admin, deployed_at=now, updated_at=now, contracts=contracts)
    save_deployment(deployments_dir, deployment)
    platform = Platform(node, w3, token, treasury, factory, deployment, admin, users, rng=random.Random(seed))
    for u in users[:5]:
        platform.tx(token.functions.mint(u, 1000 * 10**18), admin)
    return platform
