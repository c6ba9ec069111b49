"""A smart-contract wallet (EIP-1271, SmartWallet1271 from contracts/, deployed on anvil) signs in."""

from __future__ import annotations

from typing import Any

from eth_account import Account
from fastapi.testclient import TestClient
from web3 import HTTPProvider, Web3

from contracts.artifacts import load_artifact
from devtools.anvil import AnvilProcess
from tests.support.api_client import build_message, new_nonce, sign


def _deploy_wallet(node: AnvilProcess, owner: str) -> str:
    artifact = load_artifact("SmartWallet1271")
    w3 = Web3(HTTPProvider(node.url))
    deployer = w3.eth.accounts[0]  # anvil's unlocked dev account
    factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["deploymentBytecode"]["bytecode"])
    receipt = w3.eth.wait_for_transaction_receipt(factory.constructor(owner).transact({"from": deployer}))
    return str(receipt["contractAddress"])


def test_contract_wallet_signs_in(client: TestClient, anvil_chains: dict[int, AnvilProcess]) -> None:
    owner = Account.create()
    wallet = _deploy_wallet(anvil_chains[31338], owner.address)
    message = build_message(wallet, new_nonce(client), chain_id=31338)
    r = client.post("/v1/auth/siwe", json={"message": message, "signature": sign(owner, message)})
    assert r.status_code == 200, r.text
    assert r.json()["new_user"] is True
    # The owner's EOA is a different identity; a stranger's signature is rejected by the contract.
    message = build_message(wallet, new_nonce(client), chain_id=31338)
    bad = client.post("/v1/auth/siwe", json={"message": message, "signature": sign(Account.create(), message)})
    assert bad.status_code == 401 and bad.json()["type"] == "/problems/siwe-signature"
    # Garbage signature bytes: the contract answers "invalid" (no revert, no 500).
    message = build_message(wallet, new_nonce(client), chain_id=31338)
    junk = client.post("/v1/auth/siwe", json={"message": message, "signature": "0x" + "ab" * 10})
    assert junk.status_code == 401
    # The contract lives on 31338 only: on 31337 that address has no code, so the signature fails.
    message = build_message(wallet, new_nonce(client), chain_id=31337)
    other_chain = client.post("/v1/auth/siwe", json={"message": message, "signature": sign(owner, message)})
    assert other_chain.status_code == 401


def test_unreachable_rpc_is_503(settings_factory: Any, account: Any) -> None:
    import json

    from api.app import create_app
    from indexer.core.registry import load_registry, registry_json, with_rpc_urls
    from devtools.anvil import free_port

    registry = with_rpc_urls(load_registry(), {31337: [f"http://127.0.0.1:{free_port()}"]})
    settings = settings_factory(chain_registry_json=registry_json(registry), siwe_rpc_timeout_seconds=1)
    with TestClient(create_app(settings)) as c:
        message = build_message(account.address, new_nonce(c))
        r = c.post("/v1/auth/siwe", json={"message": message, "signature": sign(Account.create(), message)})
        assert r.status_code == 503 and r.json()["type"] == "/problems/siwe-rpc-unavailable"
        assert json.loads(r.text)["detail"]
