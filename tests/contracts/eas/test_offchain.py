"""Offchain attestations: rebuilt independently of the signing code; tampering is caught; EIP-1271 works."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data
from web3 import Web3

from contracts.artifacts import load_artifact
from devtools.accounts import local_dev_account
from contracts.eas.lancer_schemas import MILESTONE_REVIEW, VERIFIED_SKILL, milestone_ref
from contracts.eas.offchain import EasDomain, sign_offchain_attestation
from contracts.eas.verify import Problem, parse_package, verify_offchain_attestation
from contracts.eas.onchain import eip1271_checker, offchain_domain, registry_schema_lookup
from tests.support.eas_chain import EasChain

ISSUER = local_dev_account(5)
FREELANCER = local_dev_account(6).address
CLIENT = local_dev_account(7).address
DOMAIN = EasDomain(chain_id=31337, verifying_contract="0x" + "ab" * 20, version="1.4.0")
NOW = 1_800_000_000


def review_package(**overrides: Any) -> dict[str, Any]:
    data = MILESTONE_REVIEW.encode(
        {"client": CLIENT, "freelancer": FREELANCER, "escrow": milestone_ref(31337, CLIENT, 0), "rating": 4,
         "amount": 1500 * 10**6, "reviewHash": Web3.keccak(text="on time, clean code")}
    )
    params: dict[str, Any] = {"schema": MILESTONE_REVIEW.uid, "recipient": FREELANCER, "data": data, "time": NOW}
    params.update(overrides)
    return sign_offchain_attestation(ISSUER, DOMAIN, **params).to_json()


def test_typed_data_and_uid_rebuilt_independently() -> None:
    package = review_package()
    sig, m = package["sig"], package["sig"]["message"]
    # The EIP-712 document, written out by hand from the EAS SDK's version-2 definition.
    document = {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"},
            ],
            "Attest": [
                {"name": "version", "type": "uint16"}, {"name": "schema", "type": "bytes32"},
                {"name": "recipient", "type": "address"}, {"name": "time", "type": "uint64"},
                {"name": "expirationTime", "type": "uint64"}, {"name": "revocable", "type": "bool"},
                {"name": "refUID", "type": "bytes32"}, {"name": "data", "type": "bytes"},
                {"name": "salt", "type": "bytes32"},
            ],
        },
        "primaryType": "Attest",
        "domain": {"name": "EAS Attestation", "version": "1.4.0", "chainId": 31337,
                   "verifyingContract": DOMAIN.verifying_contract},
        "message": m,
    }
    assert sig["primaryType"] == "Attest" and sig["types"] == {"Attest": document["types"]["Attest"]}
    assert sig["domain"] == document["domain"]
    assert m["version"] == 2 and m["time"] == NOW and m["expirationTime"] == 0 and m["revocable"] is True
    vrs = (sig["signature"]["v"], int(sig["signature"]["r"], 16), int(sig["signature"]["s"], 16))
    assert Account.recover_message(encode_typed_data(full_message=document), vrs=vrs) == ISSUER.address
    assert package["signer"] == ISSUER.address
    # UID: the SDK's solidityPackedKeccak256 with the schema UID's *text* and a zero attester.
    uid = Web3.solidity_keccak(
        ["uint16", "bytes", "address", "address", "uint64", "uint64", "bool", "bytes32", "bytes", "bytes32", "uint32"],
        [2, m["schema"].encode(), m["recipient"], "0x" + "00" * 20, m["time"], m["expirationTime"], m["revocable"],
         m["refUID"], m["data"], m["salt"], 0],
    ).to_0x_hex()
    assert sig["uid"] == uid


def test_valid_attestation_verifies_and_decodes() -> None:
    result = verify_offchain_attestation(review_package(), chain_id=31337, eas_address=DOMAIN.verifying_contract, now=NOW)
    assert result.valid, result.problems
    assert result.signature_kind == "eoa" and result.schema is MILESTONE_REVIEW
    assert result.decoded is not None and result.decoded["rating"] == 4 and result.decoded["freelancer"] == FREELANCER


def _flip(hex_str: str) -> str:
    return hex_str[:-1] + ("0" if hex_str[-1] != "0" else "1")


TAMPERS = {
    "data": lambda s: s["message"].update(data=_flip(s["message"]["data"])),
    "time": lambda s: s["message"].update(time=s["message"]["time"] + 1),
    "expirationTime": lambda s: s["message"].update(expirationTime=NOW + 10**6),
    "recipient": lambda s: s["message"].update(recipient=CLIENT),
    "salt": lambda s: s["message"].update(salt=_flip(s["message"]["salt"])),
    "refUID": lambda s: s["message"].update(refUID="0x" + "11" * 32),
    "revocable": lambda s: s["message"].update(revocable=False),
    "schema": lambda s: s["message"].update(schema=VERIFIED_SKILL.uid),
    "uid": lambda s: s.update(uid=_flip(s["uid"])),
    "signature.s": lambda s: s["signature"].update(s=_flip(s["signature"]["s"])),
    "signature.v": lambda s: s["signature"].update(v=55 - s["signature"]["v"]),
    "domain.chainId": lambda s: s["domain"].update(chainId=1),
    "domain.version": lambda s: s["domain"].update(version="1.3.0"),
    "domain.verifyingContract": lambda s: s["domain"].update(verifyingContract="0x" + "cd" * 20),
    "types": lambda s: s["types"]["Attest"].pop(),
}


@pytest.mark.parametrize("field", sorted(TAMPERS))
def test_any_tampering_fails(field: str) -> None:
    package = copy.deepcopy(review_package())
    TAMPERS[field](package["sig"])
    result = verify_offchain_attestation(package, now=NOW)
    assert not result.valid
    assert result.problems


def test_other_signer_claimed_fails() -> None:
    package = review_package()
    package["signer"] = CLIENT
    assert verify_offchain_attestation(package, now=NOW).problems == [Problem.BAD_SIGNATURE]


def test_domain_pinning_expiry_schema_and_revocation() -> None:
    package = review_package(expiration_time=NOW + 60)
    assert verify_offchain_attestation(package, now=NOW).valid
    assert verify_offchain_attestation(package, now=NOW + 60).problems == [Problem.EXPIRED]
    assert verify_offchain_attestation(package, chain_id=1, now=NOW).problems == [Problem.WRONG_CHAIN]
    assert verify_offchain_attestation(package, eas_address="0x" + "cd" * 20, now=NOW).problems == [
        Problem.WRONG_CONTRACT
    ]
    revoked = verify_offchain_attestation(package, is_revoked=lambda uid, who: uid == package["sig"]["uid"], now=NOW)
    assert revoked.problems == [Problem.REVOKED] and revoked.revoked is True
    assert verify_offchain_attestation(package, is_revoked=lambda *_: None, now=NOW).revoked is None

    unknown = review_package(schema="0x" + "42" * 32)
    assert verify_offchain_attestation(unknown, now=NOW).problems == [Problem.UNKNOWN_SCHEMA]
    garbage = review_package(data=b"\x01")
    assert verify_offchain_attestation(garbage, now=NOW).problems == [Problem.UNDECODABLE_DATA]


def test_import_accepts_string_numbers_and_round_trips() -> None:
    package = review_package()
    package["sig"]["domain"]["chainId"] = "31337"
    package["sig"]["message"]["time"] = str(NOW)
    assert verify_offchain_attestation(package, now=NOW).valid
    parsed = parse_package(review_package())
    assert parse_package(parsed.dumps()) == parsed


def test_eip1271_smart_wallet_signer(eas_chain: EasChain) -> None:
    w3, owner = eas_chain.w3, local_dev_account(8)
    artifact = load_artifact("SmartWallet1271")
    factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["deploymentBytecode"]["bytecode"])
    tx = factory.constructor(owner.address).build_transaction(
        {"from": owner.address, "nonce": w3.eth.get_transaction_count(owner.address)}
    )
    receipt = w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(owner.sign_transaction(tx).raw_transaction))
    wallet = receipt["contractAddress"]

    domain = offchain_domain(w3, eas_chain.eas)
    assert domain.version == "1.4.0"  # eas-contracts 1.9.0: EAS is Semver(1, 4, 0)
    data = VERIFIED_SKILL.encode({"skill": "solidity", "level": 4, "evidenceHash": Web3.keccak(text="audit")})
    package = sign_offchain_attestation(
        owner, domain, schema=VERIFIED_SKILL.uid, recipient=FREELANCER, data=data, signer=wallet
    ).to_json()
    checks = {"chain_id": 31337, "eas_address": eas_chain.eas,
              "schema_lookup": registry_schema_lookup(w3, eas_chain.registry)}
    # Without a chain to ask, a contract signer cannot be checked.
    assert verify_offchain_attestation(package, **checks).problems == [Problem.BAD_SIGNATURE]  # type: ignore[arg-type]
    result = verify_offchain_attestation(package, eip1271_check=eip1271_checker(w3), **checks)  # type: ignore[arg-type]
    assert result.valid and result.signature_kind == "eip1271"
    # A key that is not the wallet's owner is refused by the wallet.
    forged = sign_offchain_attestation(
        ISSUER, domain, schema=VERIFIED_SKILL.uid, recipient=FREELANCER, data=data, signer=wallet
    ).to_json()
    assert verify_offchain_attestation(forged, eip1271_check=eip1271_checker(w3), **checks).problems == [  # type: ignore[arg-type]
        Problem.BAD_SIGNATURE
    ]
