"""Event decoding with eth-abi. Values become JSON-safe and exact: integers as decimal strings,
bytes as 0x-hex, addresses checksummed, structs as objects keyed by component name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from eth_abi import decode as abi_decode
from eth_utils import event_abi_to_log_topic, to_checksum_address

from indexer.contracts import ContractSet


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


@lru_cache(maxsize=65536)
def checksum_address(value: str) -> str:
    # Cached: the same few thousand addresses recur in every batch and EIP-55 needs a keccak each.
    return to_checksum_address(value)


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
        return checksum_address(value)
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


@dataclass(frozen=True)
class _EventShape:
    name: str
    indexed: tuple[dict[str, Any], ...]
    data: tuple[dict[str, Any], ...]
    data_types: tuple[str, ...]


def _shapes(abi: tuple[dict[str, Any], ...]) -> dict[str, _EventShape]:
    shapes: dict[str, _EventShape] = {}
    for item in abi:
        if item.get("type") != "event" or item.get("anonymous"):
            continue
        topic = "0x" + event_abi_to_log_topic(item).hex()  # type: ignore[arg-type]
        indexed = tuple(p for p in item["inputs"] if p.get("indexed"))
        data = tuple(p for p in item["inputs"] if not p.get("indexed"))
        shapes[topic] = _EventShape(item["name"], indexed, data, tuple(_type_string(p) for p in data))
    return shapes


def event_topics(abi: tuple[dict[str, Any], ...]) -> list[str]:
    return list(_shapes(abi))


class EventDecoder:
    """Decodes raw logs of one ``ContractSet``; logs of unknown contracts or events are skipped."""

    def __init__(self, contract_set: ContractSet) -> None:
        self.chain_id = contract_set.chain_id
        self._static = {c.address.lower(): (c.name, _shapes(c.abi)) for c in contract_set.contracts}
        self._child_shapes = {ch.name: _shapes(ch.abi) for ch in contract_set.children}

    def decode(self, log: dict[str, Any], block_time: datetime, children: dict[str, str]) -> DecodedEvent | None:
        """``children`` maps lowercase child address -> child spec name."""
        address = log["address"].lower()
        found = self._static.get(address)
        if found is None:
            child = children.get(address)
            if child is None:
                return None
            found = (child, self._child_shapes[child])
        contract, shapes = found
        topics: list[str] = log["topics"]
        if not topics:
            return None
        shape = shapes.get(topics[0].lower())
        if shape is None or len(topics) != len(shape.indexed) + 1:
            return None
        args: dict[str, Any] = {}
        for param, topic in zip(shape.indexed, topics[1:], strict=True):
            raw = bytes.fromhex(topic[2:])
            # Indexed dynamic values are stored by the EVM as their keccak hash only.
            args[param["name"]] = "0x" + raw.hex() if _is_dynamic(param) else _normalize(
                param, abi_decode([param["type"]], raw)[0])
        if shape.data:
            values = abi_decode(list(shape.data_types), bytes.fromhex(log["data"][2:]))
            for param, value in zip(shape.data, values, strict=True):
                args[param["name"]] = _normalize(param, value)
        return DecodedEvent(
            chain_id=self.chain_id,
            block_number=int(log["blockNumber"], 16),
            block_hash=log["blockHash"],
            block_time=block_time,
            tx_hash=log["transactionHash"],
            tx_index=int(log["transactionIndex"], 16),
            log_index=int(log["logIndex"], 16),
            address=checksum_address(log["address"]),
            contract=contract,
            event_name=shape.name,
            args=args,
        )
