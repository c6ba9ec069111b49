"""EAS schemas: parse a schema string, compute its UID, ABI-encode and decode attestation data.

An EAS schema is a Solidity-style parameter list such as ``"string skill, uint8 level"``; attestation
data is the plain ``abi.encode`` of those parameters (as the EAS SDK's ``SchemaEncoder`` does). A
schema's UID is ``keccak256(abi.encodePacked(schema, resolver, revocable))``, as SchemaRegistry computes
it, so the UID is known before (and without) registering it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_abi.packed import encode_packed
from eth_utils import keccak

from indexer.core.addresses import ZERO_ADDRESS, checksum

ZERO_BYTES32 = "0x" + "00" * 32

_BARE_INT = re.compile(r"(u?int)((?:\[\d*\])*)")
_IPFS_HASH = "ipfsHash"  # the EAS SDK's alias for bytes32 holding an IPFS CID digest


class SchemaError(ValueError):
    """A schema string that is not a valid EAS parameter list, or data that does not fit it."""


@dataclass(frozen=True)
class SchemaField:
    name: str
    abi_type: str  # canonical eth-abi type, e.g. "uint256", "(string,uint8)[]"


def _split_top_level(text: str) -> list[str]:
    """Split on commas that are not inside parentheses (tuple components)."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                raise SchemaError(f"unbalanced ')' in {text!r}")
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if depth != 0:
        raise SchemaError(f"unbalanced '(' in {text!r}")
    parts.append(text[start:])
    return [p.strip() for p in parts]


def _canonical_type(raw: str) -> str:
    raw = raw.strip()
    if raw.startswith("("):
        close = raw.rindex(")")
        inner = [_parse_param(p, allow_unnamed=True).abi_type for p in _split_top_level(raw[1:close]) if p]
        return f"({','.join(inner)}){raw[close + 1:].replace(' ', '')}"
    if raw == _IPFS_HASH:
        return "bytes32"
    bare = _BARE_INT.fullmatch(raw)
    if bare:
        # Solidity's bare `uint`/`int` mean 256 bits; eth-abi wants the size spelled out.
        return f"{bare.group(1)}256{bare.group(2)}"
    return raw


def _parse_param(text: str, *, allow_unnamed: bool = False) -> SchemaField:
    text = text.strip()
    if text.startswith("("):
        close = text.rindex(")")
        # Array suffix belongs to the type: "(uint8 a, string b)[] items".
        rest = text[close + 1:].strip()
        suffix_match = re.match(r"^((?:\[\d*\])*)\s*(.*)$", rest)
        assert suffix_match is not None
        type_text, name = text[: close + 1] + suffix_match.group(1), suffix_match.group(2)
    else:
        pieces = text.split()
        if len(pieces) == 1 and allow_unnamed:
            type_text, name = pieces[0], ""
        elif len(pieces) == 2:
            type_text, name = pieces
        else:
            raise SchemaError(f"expected 'type name', got {text!r}")
    if name and not re.fullmatch(r"[A-Za-z_$][A-Za-z0-9_$]*", name):
        raise SchemaError(f"invalid parameter name {name!r}")
    if not name and not allow_unnamed:
        raise SchemaError(f"parameter {text!r} has no name")
    abi_type = _canonical_type(type_text)
    try:
        abi_encode([abi_type], [_zero(abi_type)])  # eth-abi rejects unknown types here
    except Exception as exc:
        raise SchemaError(f"unsupported type {type_text!r}: {exc}") from None
    return SchemaField(name, abi_type)


def _zero(abi_type: str) -> Any:
    if abi_type.endswith("]"):
        return [] if abi_type.endswith("[]") else [_zero(abi_type[: abi_type.rindex("[")])] * int(
            abi_type[abi_type.rindex("[") + 1 : -1]
        )
    if abi_type.startswith("("):
        return tuple(_zero(t) for t in _split_top_level(abi_type[1:-1]) if t)
    if abi_type == "address":
        return ZERO_ADDRESS
    if abi_type == "bool":
        return False
    if abi_type == "string":
        return ""
    if abi_type.startswith("bytes"):
        return b"" if abi_type == "bytes" else b"\0" * int(abi_type[5:])
    return 0


def parse_schema(definition: str) -> tuple[SchemaField, ...]:
    """The fields of an EAS schema string, in order; SchemaError if it is not a valid one."""
    if not definition.strip():
        return ()
    fields = tuple(_parse_param(p) for p in _split_top_level(definition))
    names = [f.name for f in fields]
    if len(set(names)) != len(names):
        raise SchemaError(f"duplicate parameter names in {definition!r}")
    return fields


def schema_uid(definition: str, resolver: str = ZERO_ADDRESS, revocable: bool = True) -> str:
    """The UID SchemaRegistry assigns: keccak256(abi.encodePacked(string schema, address resolver, bool revocable))."""
    packed = encode_packed(["string", "address", "bool"], [definition, checksum(resolver), revocable])
    return "0x" + keccak(packed).hex()


def encode_data(definition: str, values: Mapping[str, Any] | Sequence[Any]) -> bytes:
    """abi.encode the values (by field name, or in order) for the schema."""
    fields = parse_schema(definition)
    if isinstance(values, Mapping):
        missing = [f.name for f in fields if f.name not in values]
        extra = sorted(set(values) - {f.name for f in fields})
        if missing or extra:
            raise SchemaError(f"values do not match the schema (missing {missing}, unexpected {extra})")
        ordered = [values[f.name] for f in fields]
    else:
        ordered = list(values)
        if len(ordered) != len(fields):
            raise SchemaError(f"expected {len(fields)} values, got {len(ordered)}")
    try:
        return abi_encode([f.abi_type for f in fields], ordered)
    except Exception as exc:
        raise SchemaError(f"values do not fit the schema: {exc}") from None


def decode_data(definition: str, data: bytes) -> dict[str, Any]:
    """Decode attestation data by the schema: {field name: value}; SchemaError if it does not decode."""
    fields = parse_schema(definition)
    try:
        values = abi_decode([f.abi_type for f in fields], data, strict=True)
    except Exception as exc:
        raise SchemaError(f"data does not decode as {definition!r}: {exc}") from None
    return {f.name: _checksummed(f.abi_type, v) for f, v in zip(fields, values, strict=True)}


def _checksummed(abi_type: str, value: Any) -> Any:
    """eth-abi decodes addresses in lower case; Lancer shows them EIP-55 checksummed everywhere."""
    if abi_type.endswith("]"):
        return tuple(_checksummed(abi_type[: abi_type.rindex("[")], v) for v in value)
    if abi_type.startswith("("):
        inner = _split_top_level(abi_type[1:-1])
        return tuple(_checksummed(t, v) for t, v in zip(inner, value, strict=True))
    return checksum(value) if abi_type == "address" else value


def jsonable(value: Any) -> Any:
    """Decoded values for JSON: bytes as 0x-hex, ints beyond 2**53 as decimal strings, tuples as lists."""
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value) if abs(value) > 2**53 - 1 else value
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class EasSchema:
    """A schema with its registration parameters; its UID follows from them."""

    key: str  # stable short name used in deployment files and code
    title: str
    definition: str
    revocable: bool = True
    resolver: str = ZERO_ADDRESS
    description: str = ""
    field_docs: Mapping[str, str] = field(default_factory=dict)

    @property
    def uid(self) -> str:
        return schema_uid(self.definition, self.resolver, self.revocable)

    @property
    def fields(self) -> tuple[SchemaField, ...]:
        return parse_schema(self.definition)

    def encode(self, values: Mapping[str, Any] | Sequence[Any]) -> bytes:
        return encode_data(self.definition, values)

    def decode(self, data: bytes) -> dict[str, Any]:
        return decode_data(self.definition, data)


def exact_json(value: Any) -> Any:
    """Decoded values as JSON with exact integers: ints as decimal strings, bytes as 0x-hex."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, (list, tuple)):
        return [exact_json(v) for v in value]
    if isinstance(value, dict):
        return {k: exact_json(v) for k, v in value.items()}
    return value
