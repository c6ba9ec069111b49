"""EAS offchain attestations: EIP-712 typed data, UID, signing, JSON export/import and verification.

Defined exactly as the EAS SDK (``@ethereum-attestation-service/eas-sdk`` 2.10, ``offchain/offchain.ts``
and ``offchain/typed-data-handler.ts``) defines them, so that any EAS tool accepts what we export and
we accept what they export:

* EIP-712 domain ``{name: "EAS Attestation", version: <EAS contract version()>, chainId,
  verifyingContract: <EAS address>}``.
* Version 2 (current): primary type ``Attest(uint16 version, bytes32 schema, address recipient,
  uint64 time, uint64 expirationTime, bool revocable, bytes32 refUID, bytes data, bytes32 salt)``;
  version 1 lacks ``salt``; legacy (0) lacks ``version`` and ``salt``.
* UID (version 2) = ``keccak256(abi.encodePacked(uint16 version, bytes schema, address recipient,
  address(0), uint64 time, uint64 expirationTime, bool revocable, bytes32 refUID, bytes data,
  bytes32 salt, uint32 0))`` where ``schema`` is the UTF-8 bytes of the schema UID *as a 0x-hex
  string* and the attester slot is the zero address. Both quirks are the SDK's; the UID must match
  it bit for bit, so they are reproduced, not corrected.
* Export ``{"sig": {version, uid, domain, primaryType, message, types, signature: {v, r, s}}, "signer"}``.
"""

from __future__ import annotations

import json
import os
import time as _time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Any

from eth_abi.packed import encode_packed
from eth_account import Account
from eth_account.messages import SignableMessage, _hash_eip191_message, encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_utils import is_address, keccak

from contracts.eas.schemas import ZERO_ADDRESS, ZERO_BYTES32, EasSchema, SchemaError, decode_data
from indexer.core.addresses import checksum

DOMAIN_NAME = "EAS Attestation"
SALT_SIZE = 32
EIP1271_MAGIC = bytes.fromhex("1626ba7e")
EIP712_DOMAIN_FIELDS = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]


class OffchainVersion(IntEnum):
    LEGACY = 0
    V1 = 1
    V2 = 2


_CORE_FIELDS = [
    {"name": "schema", "type": "bytes32"},
    {"name": "recipient", "type": "address"},
    {"name": "time", "type": "uint64"},
    {"name": "expirationTime", "type": "uint64"},
    {"name": "revocable", "type": "bool"},
    {"name": "refUID", "type": "bytes32"},
    {"name": "data", "type": "bytes"},
]
_VERSION_FIELD = {"name": "version", "type": "uint16"}
_SALT_FIELD = {"name": "salt", "type": "bytes32"}

# Accepted (primaryType, struct name, fields) per version; the first one is what we sign with.
# Legacy attestations were signed under three spellings over the SDK's history; all are accepted.
ATTEST_TYPES: dict[OffchainVersion, list[tuple[str, str, list[dict[str, str]]]]] = {
    OffchainVersion.V2: [("Attest", "Attest", [_VERSION_FIELD, *_CORE_FIELDS, _SALT_FIELD])],
    OffchainVersion.V1: [("Attest", "Attest", [_VERSION_FIELD, *_CORE_FIELDS])],
    OffchainVersion.LEGACY: [
        ("Attestation", "Attestation", _CORE_FIELDS),
        ("Attestation", "Attest", _CORE_FIELDS),
        ("Attest", "Attest", _CORE_FIELDS),
    ],
}


class OffchainFormatError(ValueError):
    """The JSON is not an EAS offchain attestation package."""


@dataclass(frozen=True)
class EasDomain:
    """The EIP-712 domain of offchain attestations for one EAS deployment."""

    chain_id: int
    verifying_contract: str
    version: str  # the EAS contract's version(), e.g. "1.4.0" for eas-contracts 1.9.0
    name: str = DOMAIN_NAME

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "chainId": self.chain_id,
            "verifyingContract": self.verifying_contract,
        }


@dataclass(frozen=True)
class OffchainMessage:
    """The signed fields. ``schema`` keeps the exact string given, because the UID hashes its text."""

    schema: str
    recipient: str
    time: int
    expiration_time: int
    revocable: bool
    ref_uid: str
    data: bytes
    version: OffchainVersion = OffchainVersion.V2
    salt: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.version >= OffchainVersion.V1:
            out["version"] = int(self.version)
        out.update(
            schema=self.schema,
            recipient=self.recipient,
            time=_json_int(self.time),
            expirationTime=_json_int(self.expiration_time),
            revocable=self.revocable,
            refUID=self.ref_uid,
            data="0x" + self.data.hex(),
        )
        if self.version >= OffchainVersion.V2:
            out["salt"] = self.salt
        return out


@dataclass(frozen=True)
class Signature:
    v: int
    r: str  # 0x + 64 hex
    s: str

    def to_bytes(self) -> bytes:
        """r || s || v, the 65-byte form ecrecover-style and EIP-1271 verifiers take."""
        return bytes.fromhex(self.r[2:]) + bytes.fromhex(self.s[2:]) + bytes([self.v])


@dataclass(frozen=True)
class SignedOffchainAttestation:
    domain: EasDomain
    message: OffchainMessage
    uid: str
    signature: Signature
    signer: str
    primary_type: str = "Attest"
    types: dict[str, list[dict[str, str]]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The package EAS tools exchange: ``{"sig": {...}, "signer": ...}``."""
        return {
            "sig": {
                "version": int(self.message.version),
                "uid": self.uid,
                "domain": self.domain.to_json(),
                "primaryType": self.primary_type,
                "message": self.message.to_json(),
                "types": self.types,
                "signature": {"v": self.signature.v, "r": self.signature.r, "s": self.signature.s},
            },
            "signer": self.signer,
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), separators=(",", ":"))


def _json_int(value: int) -> int | str:
    # JSON numbers above 2**53 lose precision in JavaScript; the SDK accepts decimal strings there.
    return value if value <= 2**53 - 1 else str(value)


def _types_for(version: OffchainVersion, variant: int = 0) -> tuple[str, dict[str, list[dict[str, str]]]]:
    primary, struct, fields = ATTEST_TYPES[version][variant]
    return primary, {struct: [dict(f) for f in fields]}


def offchain_uid(message: OffchainMessage) -> str:
    """The attestation UID exactly as the EAS SDK's ``Offchain.getOffchainUID`` computes it."""
    schema_text = message.schema.encode("utf-8")  # the hex string's characters, not its 32 bytes
    recipient = checksum(message.recipient)
    ref_uid = _bytes32(message.ref_uid, "refUID")
    common_types = ["bytes", "address", "address", "uint64", "uint64", "bool", "bytes32", "bytes"]
    common_values: list[Any] = [
        schema_text, recipient, ZERO_ADDRESS, message.time, message.expiration_time,
        message.revocable, ref_uid, message.data,
    ]
    if message.version == OffchainVersion.LEGACY:
        packed = encode_packed([*common_types, "uint32"], [*common_values, 0])
    elif message.version == OffchainVersion.V1:
        packed = encode_packed(["uint16", *common_types, "uint32"], [1, *common_values, 0])
    else:
        salt = _bytes32(message.salt or "", "salt")
        packed = encode_packed(["uint16", *common_types, "bytes32", "uint32"], [2, *common_values, salt, 0])
    return "0x" + keccak(packed).hex()


def _bytes32(value: str, label: str) -> bytes:
    try:
        raw = bytes.fromhex(value[2:]) if value.startswith("0x") else b""
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise OffchainFormatError(f"{label} must be 32 bytes of 0x-hex, got {value!r}")
    return raw


def typed_data(
    domain: EasDomain, message: OffchainMessage, primary_type: str | None = None,
    types: Mapping[str, list[dict[str, str]]] | None = None,
) -> dict[str, Any]:
    """The full EIP-712 typed data (with ``EIP712Domain``) that is signed."""
    if primary_type is None or types is None:
        primary_type, types = _types_for(message.version)
    struct = next(iter(types))
    fields = [f["name"] for f in types[struct]]
    values = message.to_json()
    return {
        "types": {"EIP712Domain": EIP712_DOMAIN_FIELDS, **types},
        # eth-account hashes the struct named by primaryType; legacy packages may name another one.
        "primaryType": struct if primary_type not in types else primary_type,
        "domain": domain.to_json(),
        "message": {name: (int(values[name]) if name in ("time", "expirationTime") else values[name]) for name in fields},
    }


def signable(domain: EasDomain, message: OffchainMessage, primary_type: str | None = None,
             types: Mapping[str, list[dict[str, str]]] | None = None) -> SignableMessage:
    return encode_typed_data(full_message=typed_data(domain, message, primary_type, types))


def typed_data_digest(signable_message: SignableMessage) -> bytes:
    """keccak256("\\x19\\x01" || domainSeparator || structHash): what ECDSA and EIP-1271 sign."""
    return bytes(_hash_eip191_message(signable_message))


def new_salt() -> str:
    return "0x" + os.urandom(SALT_SIZE).hex()


def sign_offchain_attestation(
    account: LocalAccount,
    domain: EasDomain,
    *,
    schema: str,
    recipient: str = ZERO_ADDRESS,
    data: bytes = b"",
    time: int | None = None,
    expiration_time: int = 0,
    revocable: bool = True,
    ref_uid: str = ZERO_BYTES32,
    salt: str | None = None,
    signer: str | None = None,
) -> SignedOffchainAttestation:
    """Sign a version-2 offchain attestation with ``account``.

    ``signer`` names the attester when it differs from the key, e.g. an EIP-1271 smart wallet
    whose owner key signs; verifiers then ask the wallet contract.
    """
    message = OffchainMessage(
        schema=schema.lower(),
        recipient=checksum(recipient),
        time=int(_time.time()) if time is None else time,
        expiration_time=expiration_time,
        revocable=revocable,
        ref_uid=ref_uid.lower(),
        data=data,
        version=OffchainVersion.V2,
        salt=(salt or new_salt()).lower(),
    )
    primary_type, types = _types_for(OffchainVersion.V2)
    signed = account.sign_message(signable(domain, message, primary_type, types))
    return SignedOffchainAttestation(
        domain=domain,
        message=message,
        uid=offchain_uid(message),
        signature=Signature(v=signed.v, r=f"0x{signed.r:064x}", s=f"0x{signed.s:064x}"),
        signer=checksum(signer or account.address),
        primary_type=primary_type,
        types=types,
    )


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
