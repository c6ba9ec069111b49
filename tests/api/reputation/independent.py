"""Checks an exported offchain attestation without Lancer's signing or verification code: the EIP-712
document is written out from the EAS SDK's version-2 definition, the UID is the SDK's packed keccak."""

from __future__ import annotations

from typing import Any

from eth_account import Account
from eth_account.messages import encode_typed_data
from web3 import Web3

ATTEST_V2 = [
    {"name": "version", "type": "uint16"}, {"name": "schema", "type": "bytes32"},
    {"name": "recipient", "type": "address"}, {"name": "time", "type": "uint64"},
    {"name": "expirationTime", "type": "uint64"}, {"name": "revocable", "type": "bool"},
    {"name": "refUID", "type": "bytes32"}, {"name": "data", "type": "bytes"}, {"name": "salt", "type": "bytes32"},
]


def recovered_signer(package: dict[str, Any]) -> str:
    sig, m = package["sig"], package["sig"]["message"]
    document = {
        "types": {"EIP712Domain": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                                   {"name": "chainId", "type": "uint256"},
                                   {"name": "verifyingContract", "type": "address"}],
                  "Attest": ATTEST_V2},
        "primaryType": "Attest",
        "domain": sig["domain"],
        "message": {f["name"]: m[f["name"]] for f in ATTEST_V2},
    }
    vrs = (sig["signature"]["v"], int(sig["signature"]["r"], 16), int(sig["signature"]["s"], 16))
    return Account.recover_message(encode_typed_data(full_message=document), vrs=vrs)  # type: ignore[no-any-return]


def uid_of(package: dict[str, Any]) -> str:
    m = package["sig"]["message"]
    return Web3.solidity_keccak(
        ["uint16", "bytes", "address", "address", "uint64", "uint64", "bool", "bytes32", "bytes", "bytes32", "uint32"],
        [2, m["schema"].encode(), m["recipient"], "0x" + "00" * 20, int(m["time"]), int(m["expirationTime"]),
         m["revocable"], m["refUID"], m["data"], m["salt"], 0],
    ).to_0x_hex()


def check(package: dict[str, Any], attester: str, eas: str, chain_id: int) -> None:
    sig = package["sig"]
    assert set(package) == {"sig", "signer"} and package["signer"] == attester
    assert sig["domain"] == {"name": "EAS Attestation", "version": sig["domain"]["version"], "chainId": chain_id,
                             "verifyingContract": eas}
    assert sig["primaryType"] == "Attest" and sig["types"] == {"Attest": ATTEST_V2} and sig["version"] == 2
    assert recovered_signer(package) == attester
    assert uid_of(package) == sig["uid"]
