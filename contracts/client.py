"""A thin typed handle on one chain's Lancer contracts (web3.py), for scenarios, benches and tests."""

from __future__ import annotations

from typing import Any

from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.logs import DISCARD
from web3.types import TxReceipt

from contracts.artifacts import load_artifact
from indexer.core.deployments import Deployment


class TransactionFailed(RuntimeError):
    pass


class LancerContracts:
    """Token, Treasury and EscrowFactory of a deployment, plus any escrow by address.

    Transactions are sent with ``eth_sendTransaction`` from the node's unlocked accounts, which is
    what local anvil chains offer; production code signs with its own keys instead.
    """

    def __init__(self, w3: Web3, deployment: Deployment) -> None:
        self.w3 = w3
        self.deployment = deployment
        self.token = self._contract("LancerToken", deployment.address("LancerToken"))
        self.treasury = self._contract("Treasury", deployment.address("Treasury"))
        self.factory = self._contract("EscrowFactory", deployment.address("EscrowFactory"))
        self._escrow_abi = load_artifact("Escrow")["abi"]

    def _contract(self, name: str, address: str) -> Contract:
        return self.w3.eth.contract(address=address, abi=load_artifact(name)["abi"])

    def escrow(self, address: str) -> Contract:
        return self.w3.eth.contract(address=Web3.to_checksum_address(address), abi=self._escrow_abi)

    def send(self, call: ContractFunction, sender: str, value: int = 0) -> TxReceipt:
        tx_hash = call.transact({"from": sender, "value": value})
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=120, poll_latency=0.05)
        if receipt["status"] != 1:
            raise TransactionFailed(f"{call.fn_name} from {sender} reverted in {tx_hash.to_0x_hex()}")
        return receipt

    def create_escrow(
        self,
        sender: str,
        *,
        client: str,
        freelancer: str,
        arbiter: str,
        token: str,
        amounts: list[int],
        review_period: int,
        metadata_hash: bytes = b"\0" * 32,
    ) -> tuple[Contract, TxReceipt]:
        receipt = self.send(
            self.factory.functions.createEscrow(client, freelancer, arbiter, token, amounts, review_period, metadata_hash),
            sender,
        )
        # The receipt also holds the clone's own logs; only the factory's event is wanted here.
        created: Any = self.factory.events.EscrowCreated().process_receipt(receipt, errors=DISCARD)
        return self.escrow(created[0]["args"]["escrow"]), receipt
