"""The fast event decoder agrees with a plain eth-abi decoding of every platform event, and rejects
logs a contract cannot have emitted."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

import pytest
from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_utils import event_abi_to_log_topic, to_checksum_address

from contracts.artifacts import load_artifact
from indexer.sources.spec import ChildSpec, ContractSet, ContractSpec
from indexer.decode import EventDecoder, MalformedLog, _is_dynamic, _normalize, _type_string

ADDRESS = "0x" + "12" * 20
CONTRACTS = ("LancerToken", "Treasury", "EscrowFactory", "Escrow")


def _value(param: dict[str, Any], rng: random.Random) -> Any:
    kind: str = param["type"]
    if kind.endswith("]"):
        element = dict(param, type=kind[: kind.rindex("[")])
        return [_value(element, rng) for _ in range(rng.randint(0, 3))]
    if kind == "tuple":
        return tuple(_value(c, rng) for c in param["components"])
    if kind == "address":
        return to_checksum_address(rng.randbytes(20))
    if kind == "bool":
        return rng.random() < 0.5
    if kind.startswith("uint"):
        return rng.getrandbits(int(kind[4:] or 256))
    if kind.startswith("int"):
        bits = int(kind[3:] or 256)
        return rng.getrandbits(bits) - (1 << (bits - 1))
    if kind == "string":
        return "".join(rng.choice("abcé ") for _ in range(rng.randint(0, 40)))
    if kind == "bytes":
        return rng.randbytes(rng.randint(0, 70))
    return rng.randbytes(int(kind[5:]))


def _reference(item: dict[str, Any], topics: list[str], data: str) -> dict[str, Any]:
    """What every value decodes to with eth-abi alone."""
    out: dict[str, Any] = {}
    indexed = [p for p in item["inputs"] if p.get("indexed")]
    for param, topic in zip(indexed, topics[1:], strict=True):
        out[param["name"]] = topic if _is_dynamic(param) else _normalize(
            param, abi_decode([param["type"]], bytes.fromhex(topic[2:]))[0])
    plain = [p for p in item["inputs"] if not p.get("indexed")]
    values = abi_decode([_type_string(p) for p in plain], bytes.fromhex(data[2:]))
    out.update({p["name"]: _normalize(p, v) for p, v in zip(plain, values, strict=True)})
    return out


def _log(item: dict[str, Any], rng: random.Random) -> tuple[list[str], str]:
    topics = ["0x" + event_abi_to_log_topic(item).hex()]
    for param in (p for p in item["inputs"] if p.get("indexed")):
        if _is_dynamic(param):
            topics.append("0x" + rng.randbytes(32).hex())
        else:
            topics.append("0x" + abi_encode([param["type"]], [_value(param, rng)]).hex())
    plain = [p for p in item["inputs"] if not p.get("indexed")]
    data = "0x" + abi_encode([_type_string(p) for p in plain], [_value(p, rng) for p in plain]).hex()
    return topics, data


def _decoder(name: str) -> EventDecoder:
    abi = tuple(load_artifact(name)["abi"])
    return EventDecoder(ContractSet(chain_id=1, contracts=(ContractSpec(name, to_checksum_address(ADDRESS), abi, 0),)))


def _raw(topics: list[str], data: str) -> dict[str, Any]:
    return {"address": ADDRESS, "topics": topics, "data": data, "blockNumber": "0x5", "blockHash": "0x" + "aa" * 32,
            "transactionHash": "0x" + "bb" * 32, "transactionIndex": "0x0", "logIndex": "0x1"}


@pytest.mark.parametrize("name", CONTRACTS)
def test_fast_decoder_matches_eth_abi(name: str) -> None:
    decoder = _decoder(name)
    rng = random.Random(name)
    events = [i for i in load_artifact(name)["abi"] if i["type"] == "event" and not i.get("anonymous")]
    assert events
    for item in events:
        for _ in range(25):
            topics, data = _log(item, rng)
            ev = decoder.decode(_raw(topics, data), datetime.now(UTC), {})
            assert ev is not None and ev.event_name == item["name"]
            assert ev.args == _reference(item, topics, data), item["name"]


def test_malformed_logs_are_rejected() -> None:
    decoder = _decoder("LancerToken")
    transfer = next(i for i in load_artifact("LancerToken")["abi"] if i.get("name") == "Transfer")
    topics, data = _log(transfer, random.Random(1))
    dirty = "0x" + "ff" * 12 + topics[1][26:]  # an address with non-zero padding
    for bad_topics, bad_data in ((topics, data + "00"), ([*topics[:1], dirty, topics[2]], data),
                                 (topics, "0xzz" + data[4:]), ([*topics[:2], topics[2][:-2]], data)):
        with pytest.raises(MalformedLog):
            decoder.decode(_raw(bad_topics, bad_data), datetime.now(UTC), {})
    assert decoder.decode(_raw(topics[:2], data), datetime.now(UTC), {}) is None  # another event's shape


def test_a_child_is_decoded_only_while_the_caller_follows_it() -> None:
    # The caller's children may lose one (a reorg orphaning its creation): the decoder must not
    # remember it as followed, while static contracts are resolved once per spelling.
    abi = tuple(load_artifact("Escrow")["abi"])
    decoder = EventDecoder(ContractSet(chain_id=1, contracts=(), children=(
        ChildSpec("Escrow", abi, "EscrowFactory", "EscrowCreated", "escrow"),)))
    item = next(i for i in abi if i["type"] == "event" and not i.get("anonymous"))
    topics, data = _log(item, random.Random(2))
    children = {ADDRESS: "Escrow"}
    ev = decoder.decode(_raw(topics, data), datetime.now(UTC), children)
    assert ev is not None and ev.contract == "Escrow" and ev.address == to_checksum_address(ADDRESS)
    children.clear()
    assert decoder.decode(_raw(topics, data), datetime.now(UTC), children) is None
    token = _decoder("LancerToken")
    transfer = next(i for i in load_artifact("LancerToken")["abi"] if i.get("name") == "Transfer")
    topics, data = _log(transfer, random.Random(3))
    for spelling in (ADDRESS, ADDRESS.upper().replace("0X", "0x"), to_checksum_address(ADDRESS)):
        ev = token.decode(dict(_raw(topics, data), address=spelling), datetime.now(UTC), {})
        assert ev is not None and ev.address == to_checksum_address(ADDRESS)
