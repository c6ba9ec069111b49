"""The demo scenario `lancer dev` plays on each local chain: every kind of activity, once.

LNC minted to two clients and moved around; an LNC escrow completed milestone by milestone; a
native-coin escrow with one milestone disputed and resolved and one given back; an escrow left
active with a milestone under review; treasury fees distributed by the splits; an offset recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from web3 import Web3

from contracts.client import LancerContracts
from indexer.core.addresses import ZERO_ADDRESS
from indexer.core.deployments import Deployment

LNC = 10**18
ETHER = 10**18
NATIVE = ZERO_ADDRESS  # the token address of the native coin


@dataclass
class DemoResult:
    chain_id: int
    accounts: dict[str, str]
    escrows: dict[str, str] = field(default_factory=dict)
    last_block: int = 0


def tag(text: str) -> bytes:
    """A bytes32 label (deliverable, reason, certificate ids) from a short text."""
    return Web3.keccak(text=text)


def run_demo(w3: Web3, deployment: Deployment) -> DemoResult:
    accounts = w3.eth.accounts
    admin, client, freelancer, arbiter, client2, freelancer2 = accounts[:6]
    lancer = LancerContracts(w3, deployment)
    token = lancer.token
    result = DemoResult(
        deployment.chain_id,
        {"admin": admin, "client": client, "freelancer": freelancer, "arbiter": arbiter,
         "client2": client2, "freelancer2": freelancer2},
    )

    for who in (client, client2):
        lancer.send(token.functions.mint(who, 100_000 * LNC), admin)
    lancer.send(token.functions.transfer(freelancer2, 250 * LNC), client2)

    # 1. An LNC escrow, three milestones, each submitted and approved: completed.
    amounts = [1_000 * LNC, 2_000 * LNC, 3_000 * LNC]
    escrow, _ = lancer.create_escrow(
        client, client=client, freelancer=freelancer, arbiter=arbiter, token=token.address,
        amounts=amounts, review_period=3 * 24 * 3600, metadata_hash=tag("job: landing page"),
    )
    lancer.send(token.functions.approve(escrow.address, sum(amounts)), client)
    lancer.send(escrow.functions.fund(), client)
    lancer.send(escrow.functions.accept(), freelancer)
    for index in range(len(amounts)):
        lancer.send(escrow.functions.submitMilestone(index, tag(f"deliverable {index}")), freelancer)
        lancer.send(escrow.functions.releaseMilestone(index), client)
    result.escrows["completed_lnc"] = escrow.address

    # 2. A native-coin escrow: milestone 0 disputed and resolved 60/40, milestone 1 given back.
    native_amounts = [1 * ETHER, 2 * ETHER]
    escrow, _ = lancer.create_escrow(
        client2, client=client2, freelancer=freelancer2, arbiter=arbiter, token=NATIVE,
        amounts=native_amounts, review_period=24 * 3600, metadata_hash=tag("job: smart contract audit"),
    )
    lancer.send(escrow.functions.fund(), client2, value=sum(native_amounts))
    lancer.send(escrow.functions.accept(), freelancer2)
    lancer.send(escrow.functions.submitMilestone(0, tag("audit report")), freelancer2)
    lancer.send(escrow.functions.openDispute(0, tag("report incomplete")), client2)
    lancer.send(escrow.functions.resolveDispute(0, 6_000), arbiter)
    lancer.send(escrow.functions.refundMilestone(1), freelancer2)
    result.escrows["disputed_native"] = escrow.address

    # 3. An LNC escrow still running: one milestone under review.
    escrow, _ = lancer.create_escrow(
        client, client=client, freelancer=freelancer2, arbiter=arbiter, token=token.address,
        amounts=[500 * LNC, 700 * LNC], review_period=7 * 24 * 3600, metadata_hash=tag("job: API integration"),
    )
    lancer.send(token.functions.approve(escrow.address, 1_200 * LNC), client)
    lancer.send(escrow.functions.fund(), client)
    lancer.send(escrow.functions.accept(), freelancer2)
    lancer.send(escrow.functions.submitMilestone(0, tag("first endpoint")), freelancer2)
    result.escrows["active_lnc"] = escrow.address

    # 4. The treasury pays out what the escrows sent it, and records an offset bought with it.
    lancer.send(lancer.treasury.functions.distribute(token.address), admin)
    lancer.send(lancer.treasury.functions.distribute(NATIVE), admin)
    receipt = lancer.send(
        lancer.treasury.functions.recordOffset(
            tag(f"demo-certificate-{deployment.chain_id}"), 250_000, "https://registry.example/certificates/demo"
        ),
        admin,
    )
    result.last_block = int(receipt["blockNumber"])
    return result
