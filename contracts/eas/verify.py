"""EAS offchain attestations, the other way: a JSON export parsed back (``parse_package``) and verified
(``verify_offchain_attestation``: domain, types, UID, EOA or EIP-1271 signature, schema, expiry,
revocation), exactly as the EAS SDK checks them (see ``contracts.eas.offchain``).
"""

from __future__ import annotations

import json
import time as _time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from eth_account import Account
from eth_utils import is_address

from contracts.eas.offchain import (
    ATTEST_TYPES,
    DOMAIN_NAME,
    EasDomain,
    OffchainFormatError,
    OffchainMessage,
    OffchainVersion,
    Signature,
    SignedOffchainAttestation,
    _types_for,
    offchain_uid,
    signable,
    typed_data_digest,
)
from contracts.eas.schemas import ZERO_ADDRESS, EasSchema, SchemaError, decode_data
from indexer.core.addresses import checksum


# ---------------------------------------------------------------------------------------------
# Import


def _int(value: Any, label: str) -> int:
    if isinstance(value, bool):
        raise OffchainFormatError(f"{label} must be an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value, 16) if value.lower().startswith("0x") else int(value)
        except ValueError:
            pass
    if isinstance(value, Mapping) and value.get("type") == "BigNumber" and "hex" in value:
        return int(value["hex"], 16)  # ethers 5 JSON of a BigNumber, seen in older exports
    raise OffchainFormatError(f"{label} must be an integer, got {value!r}")


def _hex_bytes(value: Any, label: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("0x"):
        raise OffchainFormatError(f"{label} must be 0x-hex")
    try:
        return bytes.fromhex(value[2:])
    except ValueError:
        raise OffchainFormatError(f"{label} must be 0x-hex") from None


def _address(value: Any, label: str) -> str:
    if not isinstance(value, str) or not is_address(value):
        raise OffchainFormatError(f"{label} must be an address")
    return checksum(value)


def parse_package(package: Mapping[str, Any] | str) -> SignedOffchainAttestation:
    """Read an exported package (``{"sig", "signer"}``, as a dict or JSON text).

    Values are kept as signed (the schema string, the declared types); nothing is verified here.
    """
    if isinstance(package, str):
        try:
            package = json.loads(package)
        except json.JSONDecodeError as exc:
            raise OffchainFormatError(f"not JSON: {exc.msg}") from None
    if not isinstance(package, Mapping) or not isinstance(package.get("sig"), Mapping):
        raise OffchainFormatError('expected {"sig": {...}, "signer": "0x..."}')
    sig = package["sig"]
    try:
        domain_j, message_j, signature_j = sig["domain"], sig["message"], sig["signature"]
        version = OffchainVersion(_int(sig.get("version", message_j.get("version", 0)), "version"))
        domain = EasDomain(
            chain_id=_int(domain_j["chainId"], "domain.chainId"),
            verifying_contract=_address(domain_j["verifyingContract"], "domain.verifyingContract"),
            version=str(domain_j["version"]),
            name=str(domain_j["name"]),
        )
        if not isinstance(message_j["revocable"], bool) or not isinstance(message_j["schema"], str):
            raise OffchainFormatError("message.revocable must be a boolean and message.schema a string")
        message = OffchainMessage(
            schema=message_j["schema"],
            recipient=_address(message_j["recipient"], "message.recipient"),
            time=_int(message_j["time"], "message.time"),
            expiration_time=_int(message_j["expirationTime"], "message.expirationTime"),
            revocable=message_j["revocable"],
            ref_uid=str(message_j["refUID"]),
            data=_hex_bytes(message_j["data"], "message.data"),
            version=version,
            salt=str(message_j["salt"]) if version >= OffchainVersion.V2 else None,
        )
        v = _int(signature_j["v"], "signature.v")
        signature = Signature(
            v=v + 27 if v in (0, 1) else v,
            r="0x" + _hex_bytes(signature_j["r"], "signature.r").rjust(32, b"\0").hex(),
            s="0x" + _hex_bytes(signature_j["s"], "signature.s").rjust(32, b"\0").hex(),
        )
        return SignedOffchainAttestation(
            domain=domain,
            message=message,
            uid=str(sig["uid"]),
            signature=signature,
            signer=_address(package.get("signer"), "signer"),
            primary_type=str(sig["primaryType"]),
            types={k: [dict(f) for f in v_] for k, v_ in dict(sig["types"]).items()},
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise OffchainFormatError(f"missing or malformed field: {exc}") from None
    except ValueError as exc:
        if isinstance(exc, OffchainFormatError):
            raise
        raise OffchainFormatError(str(exc)) from None


# ---------------------------------------------------------------------------------------------
# Verification


class Problem(StrEnum):
    WRONG_DOMAIN = "wrong_domain"  # name is not "EAS Attestation"
    WRONG_CHAIN = "wrong_chain"
    WRONG_CONTRACT = "wrong_contract"  # verifyingContract is not the chain's EAS
    UNKNOWN_TYPES = "unknown_types"  # primaryType/types are not an EAS offchain layout
    BAD_UID = "bad_uid"
    BAD_SIGNATURE = "bad_signature"
    UNKNOWN_SCHEMA = "unknown_schema"
    UNDECODABLE_DATA = "undecodable_data"
    NOT_REVOCABLE_SCHEMA = "revocable_on_irrevocable_schema"
    EXPIRED = "expired"
    REVOKED = "revoked"


SchemaLookup = Callable[[str], EasSchema | None]
RevocationCheck = Callable[[str, str], bool | None]  # (uid, attester) -> revoked? None if unknown
Eip1271Check = Callable[[str, bytes, bytes], bool]  # (signer, digest, signature) -> valid?


@dataclass
class VerificationResult:
    uid: str
    signer: str
    problems: list[Problem] = field(default_factory=list)
    signature_kind: str | None = None  # "eoa" or "eip1271" when the signature checked out
    schema: EasSchema | None = None
    decoded: dict[str, Any] | None = None
    revoked: bool | None = None  # None: no revocation source knew

    @property
    def valid(self) -> bool:
        return not self.problems


def verify_offchain_attestation(
    package: Mapping[str, Any] | str | SignedOffchainAttestation,
    *,
    chain_id: int | None = None,
    eas_address: str | None = None,
    schema_lookup: SchemaLookup | None = None,
    eip1271_check: Eip1271Check | None = None,
    is_revoked: RevocationCheck | None = None,
    now: int | None = None,
) -> VerificationResult:
    """Check any EAS offchain attestation, ours or another issuer's; every failed check is listed.

    ``chain_id``/``eas_address`` pin the domain to a known EAS deployment (recommended: otherwise a
    signature over a made-up domain is accepted as the SDK does). ``schema_lookup`` resolves the
    schema UID (e.g. Lancer's schemas, then the chain's SchemaRegistry). ``eip1271_check`` is asked
    when the signature does not recover to the signer (a smart-contract attester). ``is_revoked``
    reports offchain revocations the caller knows of (its database, ``EAS.offchainRevocations``).
    """
    att = package if isinstance(package, SignedOffchainAttestation) else parse_package(package)
    result = VerificationResult(uid=att.uid, signer=att.signer)
    problems = result.problems

    if att.domain.name != DOMAIN_NAME:
        problems.append(Problem.WRONG_DOMAIN)
    if chain_id is not None and att.domain.chain_id != chain_id:
        problems.append(Problem.WRONG_CHAIN)
    if eas_address is not None and att.domain.verifying_contract != checksum(eas_address):
        problems.append(Problem.WRONG_CONTRACT)

    variant = _matching_variant(att)
    if variant is None:
        problems.append(Problem.UNKNOWN_TYPES)
    try:
        if offchain_uid(att.message) != att.uid.lower():
            problems.append(Problem.BAD_UID)
    except (OffchainFormatError, ValueError, OverflowError):
        problems.append(Problem.BAD_UID)

    if variant is not None:
        result.signature_kind = _check_signature(att, variant, eip1271_check)
        if result.signature_kind is None:
            problems.append(Problem.BAD_SIGNATURE)

    lookup = schema_lookup or _lancer_lookup
    result.schema = lookup(att.message.schema.lower())
    if result.schema is None:
        problems.append(Problem.UNKNOWN_SCHEMA)
    else:
        try:
            result.decoded = decode_data(result.schema.definition, att.message.data)
        except SchemaError:
            problems.append(Problem.UNDECODABLE_DATA)
        if att.message.revocable and not result.schema.revocable:
            problems.append(Problem.NOT_REVOCABLE_SCHEMA)

    current = int(_time.time()) if now is None else now
    if att.message.expiration_time and att.message.expiration_time <= current:
        problems.append(Problem.EXPIRED)
    if is_revoked is not None:
        result.revoked = is_revoked(att.uid.lower(), att.signer)
        if result.revoked:
            problems.append(Problem.REVOKED)
    return result


def _lancer_lookup(uid: str) -> EasSchema | None:
    from contracts.eas.lancer_schemas import by_uid  # local: lancer_schemas is optional for foreign checks

    return by_uid(uid)


def _matching_variant(att: SignedOffchainAttestation) -> int | None:
    for index, (primary, struct, fields) in enumerate(ATTEST_TYPES[att.message.version]):
        if att.primary_type == primary and att.types == {struct: fields}:
            return index
    return None


def _check_signature(att: SignedOffchainAttestation, variant: int, eip1271_check: Eip1271Check | None) -> str | None:
    if att.signer == ZERO_ADDRESS:
        return None
    primary, types = _types_for(att.message.version, variant)
    try:
        message = signable(att.domain, att.message, primary, types)
    except Exception:  # a value the EIP-712 encoder refuses cannot have been signed validly
        return None
    sig = att.signature
    try:
        recovered = Account.recover_message(message, vrs=(sig.v, int(sig.r, 16), int(sig.s, 16)))
    except Exception:  # malformed signature: invalid for ECDSA, perhaps fine for a contract
        recovered = None
    if recovered is not None and recovered == att.signer:
        return "eoa"
    if eip1271_check is not None and eip1271_check(att.signer, typed_data_digest(message), sig.to_bytes()):
        return "eip1271"
    return None
