"""Contract-wallet sign-in (issue 12, item 4): an allow-list of chains, identities bound to
(chain_id, address), no EIP-1271 for admins unless configured, and EIP-6492 counterfactual wallets."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from eth_abi import encode as abi_encode
from eth_account import Account
from fastapi.testclient import TestClient
from web3 import HTTPProvider, Web3

from api.app import create_app
from contracts.artifacts import load_artifact
from devtools.anvil import AnvilProcess
from tests.support.api_client import build_message, login, new_nonce, sign

MAGIC_6492 = bytes.fromhex("64926492" * 8)


def _deploy(node: AnvilProcess, name: str, *args: Any) -> Any:
    artifact = load_artifact(name)
    w3 = Web3(HTTPProvider(node.url))
    factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["deploymentBytecode"]["bytecode"])
    receipt = w3.eth.wait_for_transaction_receipt(factory.constructor(*args).transact({"from": w3.eth.accounts[0]}))
    return w3.eth.contract(address=receipt["contractAddress"], abi=artifact["abi"])


@contextmanager
def _planted(node: AnvilProcess, at: str, owner: str) -> Iterator[None]:
    """Code at ``at`` that accepts ``owner``'s signatures (what anyone can do on a chain they control),
    undone afterwards: the session's chains are shared, and ``at`` may be a future CREATE address there."""
    w3 = Web3(HTTPProvider(node.url))
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]
    try:
        code = w3.eth.get_code(_deploy(node, "SmartWallet1271", owner).address)
        w3.provider.make_request("anvil_setCode", [at, "0x" + bytes(code).hex()])
        yield
    finally:
        w3.provider.make_request("evm_revert", [snapshot])


def _siwe(client: TestClient, address: str, chain_id: int, signer: Any, wrap: Any = None) -> Any:
    message = build_message(address, new_nonce(client), chain_id=chain_id)
    signature = sign(signer, message)
    if wrap is not None:
        signature = wrap(signature)
    return client.post("/v1/auth/siwe", json={"message": message, "signature": signature})


def test_contract_at_a_victims_address_cannot_sign_in(client: TestClient, anvil_chains: dict[int, AnvilProcess]) -> None:
    victim, attacker = Account.create(), Account.create()
    victim_user = login(client, victim)["user_id"]
    with _planted(anvil_chains[31338], victim.address, attacker.address):
        r = _siwe(client, victim.address, 31338, attacker)
    assert r.status_code == 401, r.text  # before: 200 with the victim's user id
    assert r.json()["type"] == "/problems/siwe-contract-wallet" and victim_user


def test_contract_wallet_is_bound_to_its_chain(client: TestClient, anvil_chains: dict[int, AnvilProcess]) -> None:
    owner, stranger = Account.create(), Account.create()
    wallet = _deploy(anvil_chains[31338], "SmartWallet1271", owner.address).address
    assert _siwe(client, wallet, 31338, owner).status_code == 200
    # The same address on another chain, with a contract that answers for someone else.
    with _planted(anvil_chains[31337], wallet, stranger.address):
        r = _siwe(client, wallet, 31337, stranger)
    assert r.status_code == 401 and r.json()["type"] == "/problems/siwe-contract-wallet"
    assert _siwe(client, wallet, 31338, owner).status_code == 200


def test_chain_allow_list_and_admins(settings_factory: Any, anvil_chains: dict[int, AnvilProcess]) -> None:
    owner = Account.create()
    wallet = _deploy(anvil_chains[31338], "SmartWallet1271", owner.address).address
    with TestClient(create_app(settings_factory(siwe_contract_wallet_chains=[31337]))) as c:
        r = _siwe(c, wallet, 31338, owner)
        assert r.status_code == 401 and "not accepted on chain 31338" in r.json()["detail"]
    with TestClient(create_app(settings_factory(admin_addresses=[wallet]))) as c:
        r = _siwe(c, wallet, 31338, owner)
        assert r.status_code == 401 and "administrator" in r.json()["detail"]
    with TestClient(create_app(settings_factory(admin_addresses=[wallet], siwe_contract_wallet_admins=True))) as c:
        assert _siwe(c, wallet, 31338, owner).status_code == 200


def test_production_default_allows_no_contract_chain(settings_factory: Any) -> None:
    settings = settings_factory(environment="production", attester_private_key="0x" + "5a" * 32)
    assert settings.contract_wallet_chain_ids() == set()
    assert settings_factory().contract_wallet_chain_ids() == {31337, 31338}


def test_counterfactual_wallet_signs_in_with_eip6492(client: TestClient, anvil_chains: dict[int, AnvilProcess]) -> None:
    node = anvil_chains[31338]
    factory = _deploy(node, "SmartWalletFactory")
    owner, stranger = Account.create(), Account.create()
    salt = os.urandom(32)
    wallet = factory.functions.predict(owner.address, salt).call()
    w3 = Web3(HTTPProvider(node.url))
    assert w3.eth.get_code(wallet) == b""
    calldata = bytes.fromhex(factory.encode_abi("deploy", args=[owner.address, salt]).removeprefix("0x"))

    def wrap(sig: str) -> str:
        inner = bytes.fromhex(sig.removeprefix("0x"))
        return "0x" + (abi_encode(["address", "bytes", "bytes"], [factory.address, calldata, inner]) + MAGIC_6492).hex()

    assert _siwe(client, wallet, 31338, stranger, wrap).status_code == 401
    r = _siwe(client, wallet, 31338, owner, wrap)
    assert r.status_code == 200, r.text  # before: 401 (no code at the address)
    assert r.json()["new_user"] is True
    assert w3.eth.get_code(wallet) == b""  # validated in a simulation: nothing was deployed
    # A malformed wrapper is a "no", not a 500.
    junk = _siwe(client, wallet, 31338, owner, lambda s: "0x" + ("00" * 40) + MAGIC_6492.hex())
    assert junk.status_code == 401
