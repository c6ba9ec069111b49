"""Interop with the official EAS SDK (node, @ethereum-attestation-service/eas-sdk + ethers 6), both ways."""

from __future__ import annotations

import copy
import json
import subprocess
from pathlib import Path
from typing import Any

from web3 import Web3

from devtools.accounts import local_dev_account
from contracts.eas.lancer_schemas import VERIFIED_SKILL
from contracts.eas.offchain import EasDomain, sign_offchain_attestation
from contracts.eas.verify import verify_offchain_attestation

HARNESS = Path(__file__).with_name("eas_sdk_interop.js")
DOMAIN = EasDomain(chain_id=31337, verifying_contract="0x" + "ab" * 20, version="1.4.0")
ISSUER = local_dev_account(5)
RECIPIENT = local_dev_account(6).address
DATA = VERIFIED_SKILL.encode({"skill": "rust", "level": 3, "evidenceHash": Web3.keccak(text="repo")})


def sdk(command: str, payload: dict[str, Any]) -> dict[str, Any]:
    proc = subprocess.run(
        ["node", str(HARNESS), command], input=json.dumps(payload), capture_output=True, text=True, timeout=60,
        cwd=HARNESS.parents[3],
    )
    assert proc.returncode == 0, proc.stderr
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def test_sdk_verifies_our_attestation_and_rejects_tampering() -> None:
    ours = sign_offchain_attestation(ISSUER, DOMAIN, schema=VERIFIED_SKILL.uid, recipient=RECIPIENT, data=DATA,
                                     expiration_time=2**40).to_json()
    assert sdk("verify", {"package": ours}) == {"valid": True, "uid": ours["sig"]["uid"], "uidMatches": True}

    tampered = copy.deepcopy(ours)
    tampered["sig"]["message"]["data"] = tampered["sig"]["message"]["data"][:-2] + "ff"
    assert sdk("verify", {"package": tampered})["valid"] is False


def test_we_verify_the_sdks_attestation() -> None:
    params = {
        "schema": VERIFIED_SKILL.uid, "recipient": RECIPIENT, "time": 1_800_000_000, "expirationTime": 0,
        "revocable": True, "refUID": "0x" + "00" * 32, "data": "0x" + DATA.hex(),
    }
    package = sdk("sign", {"privateKey": ISSUER.key.to_0x_hex(),
                           "domain": DOMAIN.to_json(), "params": params})
    assert package["signer"] == ISSUER.address
    result = verify_offchain_attestation(package, chain_id=31337, eas_address=DOMAIN.verifying_contract)
    assert result.valid, result.problems
    assert result.decoded == {"skill": "rust", "level": 3, "evidenceHash": bytes(Web3.keccak(text="repo"))}
    # Same fields and salt signed by us give the SDK's UID and the same JSON shape.
    m = package["sig"]["message"]
    ours = sign_offchain_attestation(ISSUER, DOMAIN, schema=m["schema"], recipient=m["recipient"], data=DATA,
                                     time=m["time"], salt=m["salt"]).to_json()
    assert ours == package
