"""Event decoding. Values become JSON-safe and exact: integers as decimal strings, bytes as 0x-hex,
addresses checksummed, structs as objects keyed by component name.

Decoding is the fetcher's hot loop (one call per log), so each event's decoder is built once per
topic: static values (address, intN/uintN, bool, bytesN) are read straight from their 32-byte hex
word, and only data with a dynamic part (strings, arrays, tuples) goes through eth-abi.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from eth_abi import decode as abi_decode
from eth_abi.exceptions import DecodingError
from eth_utils import event_abi_to_log_topic

from indexer.core.addresses import checksum
from indexer.sources.spec import ContractSet


@dataclass(slots=True)
class DecodedEvent:
    chain_id: int
    block_number: int
    block_hash: str
    block_time: datetime
    tx_hash: str
    tx_index: int
    log_index: int
    address: str
    contract: str
    event_name: str
    args: dict[str, Any]

    @property
    def key(self) -> tuple[int, int]:
        return (self.block_number, self.log_index)

    @classmethod
    def from_row(cls, row: Any) -> DecodedEvent:
        """An event as stored in the raw ``events`` table (projections replay them)."""
        return cls(chain_id=row.chain_id, block_number=row.block_number, block_hash=row.block_hash,
                   block_time=row.block_time, tx_hash=row.tx_hash, tx_index=row.tx_index, log_index=row.log_index,
                   address=row.address, contract=row.contract, event_name=row.event_name, args=row.args)


def _type_string(param: dict[str, Any]) -> str:
    kind: str = param["type"]
    if kind.startswith("tuple"):
        inner = ",".join(_type_string(c) for c in param["components"])
        return f"({inner}){kind[5:]}"
    return kind


def _normalize(param: dict[str, Any], value: Any) -> Any:
    kind: str = param["type"]
    if kind.endswith("]"):
        element = dict(param, type=kind[: kind.rindex("[")])
        return [_normalize(element, v) for v in value]
    if kind == "tuple":
        return {c["name"]: _normalize(c, v) for c, v in zip(param["components"], value, strict=True)}
    if kind == "address":
        return checksum(value)
    if kind.startswith(("uint", "int")):
        return str(value)
    if kind == "bool":
        return bool(value)
    if kind.startswith("bytes"):
        return "0x" + bytes(value).hex()
    return value


def _is_dynamic(param: dict[str, Any]) -> bool:
    kind: str = param["type"]
    return kind in ("string", "bytes") or kind.endswith("]") or kind.startswith("tuple")


class MalformedLog(ValueError):
    """A log of a followed contract that cannot be what the contract emits (bad padding, size...)."""


WordDecoder = Callable[[str], Any]
_WORD_CACHE = 65536


def _word_decoder(kind: str) -> WordDecoder | None:
    """Decoder of one static ABI type from its 64-hex-digit word, or None for other types.

    Padding is checked like eth-abi does: a node that pads with garbage is not believed. Words may
    come in either case: outputs are lowercase hex (or checksummed, for addresses).
    """
    if kind == "address":
        # Dense logs name the same few thousand addresses again and again: each word is checked and
        # checksummed once (bounded: forgotten all at once when full).
        seen: dict[str, str] = {}

        def address(word: str) -> str:
            found = seen.get(word)
            if found is not None:
                return found
            if word[:24] != "0" * 24:
                raise MalformedLog("address with non-zero padding")
            if len(seen) >= _WORD_CACHE:
                seen.clear()
            found = seen[word] = checksum("0x" + word[24:])
            return found
        return address
    if kind == "bool":
        def boolean(word: str) -> bool:
            value = int(word, 16)
            if value > 1:
                raise MalformedLog("bool that is neither 0 nor 1")
            return value == 1
        return boolean
    if kind.startswith("uint") and kind[4:].isdigit():
        bits = int(kind[4:])

        def unsigned(word: str) -> str:
            value = int(word, 16)
            if value >> bits:
                raise MalformedLog(f"{kind} out of range")
            return str(value)
        return unsigned
    if kind.startswith("int") and kind[3:].isdigit():
        bits = int(kind[3:])
        low, high = -(1 << (bits - 1)), 1 << (bits - 1)

        def signed(word: str) -> str:
            value = int(word, 16)
            if value >= 1 << 255:
                value -= 1 << 256
            if not low <= value < high:
                raise MalformedLog(f"{kind} out of range")
            return str(value)
        return signed
    if kind.startswith("bytes") and kind[5:].isdigit():
        size = 2 * int(kind[5:])

        def fixed_bytes(word: str) -> str:
            if word[size:] != "0" * (64 - size):
                raise MalformedLog(f"{kind} with non-zero padding")
            return "0x" + word[:size].lower()
        return fixed_bytes
    return None


@dataclass(frozen=True)
class _EventShape:
    """How to decode one event: its name, a decoder per topic, and one for its data."""

    name: str
    topic_names: tuple[str, ...]
    topic_decoders: tuple[WordDecoder, ...]
    data_names: tuple[str, ...]
    # Fast path: every data value is static, one word each, in order.
    data_words: tuple[WordDecoder, ...] | None
    # Slow path (eth-abi): the data has a dynamic part.
    data_params: tuple[dict[str, Any], ...]
    data_types: tuple[str, ...]

    def decode_args(self, topics: list[str], data: str) -> dict[str, Any]:
        """``topics`` has one entry per indexed parameter after the signature (checked by the caller)."""
        args: dict[str, Any] = {}
        for name, decoder, topic in zip(self.topic_names, self.topic_decoders, topics[1:]):
            if len(topic) != 66:
                raise MalformedLog(f"{self.name}: a topic is not 32 bytes")
            args[name] = decoder(topic[2:])
        if self.data_words is not None:
            if len(data) != 2 + 64 * len(self.data_words):
                raise MalformedLog(f"{self.name}: data of {(len(data) - 2) // 2} bytes")
            at = 2
            for name, decoder in zip(self.data_names, self.data_words):
                args[name] = decoder(data[at:at + 64])
                at += 64
        elif self.data_params:
            values = abi_decode(list(self.data_types), bytes.fromhex(data[2:]))
            for param, value in zip(self.data_params, values, strict=True):
                args[param["name"]] = _normalize(param, value)
        return args


def _topic_decoder(param: dict[str, Any]) -> WordDecoder:
    # Indexed dynamic values are stored by the EVM as their keccak hash only.
    if _is_dynamic(param):
        return lambda word: "0x" + word.lower()
    decoder = _word_decoder(param["type"])
    if decoder is not None:
        return decoder
    kind = param["type"]
    return lambda word: _normalize(param, abi_decode([kind], bytes.fromhex(word))[0])


def _shape(item: dict[str, Any]) -> _EventShape:
    indexed = tuple(p for p in item["inputs"] if p.get("indexed"))
    data = tuple(p for p in item["inputs"] if not p.get("indexed"))
    words = tuple(_word_decoder(p["type"]) for p in data)
    fast = None if any(w is None for w in words) else tuple(w for w in words if w is not None)
    return _EventShape(
        name=item["name"], topic_names=tuple(p["name"] for p in indexed),
        topic_decoders=tuple(_topic_decoder(p) for p in indexed), data_names=tuple(p["name"] for p in data),
        data_words=fast, data_params=data, data_types=tuple(_type_string(p) for p in data))


def _shapes(abi: tuple[dict[str, Any], ...]) -> dict[str, _EventShape]:
    shapes: dict[str, _EventShape] = {}
    for item in abi:
        if item.get("type") != "event" or item.get("anonymous"):
            continue
        topic = "0x" + event_abi_to_log_topic(item).hex()  # type: ignore[arg-type]
        shapes[topic] = _shape(item)
    return shapes


def event_topics(abi: tuple[dict[str, Any], ...]) -> list[str]:
    return list(_shapes(abi))


class EventDecoder:
    """Decodes raw logs of one ``ContractSet``; logs of unknown contracts or events are skipped."""

    def __init__(self, contract_set: ContractSet) -> None:
        self.chain_id = contract_set.chain_id
        self._static = {c.address.lower(): (c.name, _shapes(c.abi)) for c in contract_set.contracts}
        self._child_shapes = {ch.name: _shapes(ch.abi) for ch in contract_set.children}
        # Static contracts as the node spells their address -> (contract, shapes, checksummed address):
        # one lookup per log instead of lowercasing and checksumming each time. Children are not
        # remembered here: ``children`` is the caller's and may lose one (a reorg orphaning its creation).
        self._known: dict[str, tuple[str, dict[str, _EventShape], str]] = {}

    def _contract(self, raw: str, children: dict[str, str]) -> tuple[str, dict[str, _EventShape], str] | None:
        address = raw.lower()
        found = self._static.get(address)
        if found is not None:
            known = self._known[raw] = (found[0], found[1], checksum(raw))
            return known
        child = children.get(address)
        if child is None:
            return None
        return (child, self._child_shapes[child], checksum(raw))

    def decode(self, log: dict[str, Any], block_time: datetime, children: dict[str, str]) -> DecodedEvent | None:
        """``children`` maps lowercase child address -> child spec name."""
        raw = log["address"]
        known = self._known.get(raw) or self._contract(raw, children)
        if known is None:
            return None
        contract, shapes, address = known
        topics: list[str] = log["topics"]
        if not topics:
            return None
        shape = shapes.get(topics[0]) or shapes.get(topics[0].lower())
        if shape is None or len(topics) != len(shape.topic_names) + 1:
            return None
        try:
            args = shape.decode_args(topics, log["data"])
        except (DecodingError, ValueError) as exc:  # bad hex, padding, size: not what the contract emits
            raise MalformedLog(f"{contract}.{shape.name} in block {log.get('blockNumber')}: {exc}") from None
        # Positional (in field order): the hot loop's one object per log.
        return DecodedEvent(self.chain_id, int(log["blockNumber"], 16), log["blockHash"], block_time,
                            log["transactionHash"], int(log["transactionIndex"], 16), int(log["logIndex"], 16),
                            address, contract, shape.name, args)
