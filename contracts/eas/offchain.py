"""EAS offchain attestations: EIP-712 typed data, UID, signing and JSON export (import and
verification: ``contracts.eas.verify``).

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
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from eth_abi.packed import encode_packed
from eth_account.messages import SignableMessage, _hash_eip191_message, encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_utils import keccak

from contracts.eas.schemas import ZERO_ADDRESS, ZERO_BYTES32
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
