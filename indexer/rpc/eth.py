"""Typed eth calls over an ``RpcClient``: headers, logs, receipts, balances and calls at a block, each
answer checked for the shape it must have (a malformed answer is an ``InvalidResponse``, the fault
of the node, never data). Shared by the sync reader and the enrichers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import msgspec

from indexer.rpc.client import RpcClient
from indexer.rpc.errors import InvalidResponse


@dataclass(frozen=True, slots=True)
class Header:
    number: int
    hash: str
    parent_hash: str
    timestamp: int
    bloom: int = 0  # logsBloom, for the completeness check (indexer.sync.completeness)

    @property
    def time(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp, UTC)

    @classmethod
    def from_rpc(cls, block: dict[str, Any] | None, expected: int | None = None) -> Header:
        if not block or "hash" not in block:
            raise InvalidResponse(f"no block {expected}")
        header = cls(int(block["number"], 16), block["hash"], block["parentHash"], int(block["timestamp"], 16),
                     int(block.get("logsBloom") or "0x0", 16))
        if expected is not None and header.number != expected:
            raise InvalidResponse(f"asked for block {expected}, got {header.number}")
        return header


class Receipt(msgspec.Struct, rename={"sender": "from"}):
    """The fields of a receipt the index keeps; the rest (logs, bloom) is skipped unparsed."""

    transactionHash: str
    blockHash: str
    blockNumber: str
    transactionIndex: str
    sender: str
    gasUsed: str
    to: str | None = None
    effectiveGasPrice: str | None = None
    status: str | None = None


def blocks_by_tag(rpc: RpcClient, tags: list[str]) -> list[dict[str, Any] | None]:
    """``eth_getBlockByNumber`` (headers only) of tags or hex numbers, in one batch."""
    return rpc.batch([("eth_getBlockByNumber", [tag, False]) for tag in tags])


class _HeaderFields(msgspec.Struct):
    """The fields of a block the index keeps; the rest (~20 others) is skipped unparsed."""

    number: str
    hash: str
    parentHash: str
    timestamp: str
    logsBloom: str | None = None


def headers(rpc: RpcClient, numbers: list[int]) -> dict[int, Header]:
    # Typed: a backfill reads every block's header, and building a dict of every field costs more
    # than reading the five it needs.
    replies = rpc.batch([("eth_getBlockByNumber", [hex(n), False]) for n in numbers], result_type=_HeaderFields)
    out: dict[int, Header] = {}
    for n, r in zip(numbers, replies, strict=True):
        if r is None:
            raise InvalidResponse(f"no block {n}")
        header = Header(int(r.number, 16), r.hash, r.parentHash, int(r.timestamp, 16), int(r.logsBloom or "0x0", 16))
        if header.number != n:
            raise InvalidResponse(f"asked for block {n}, got {header.number}")
        out[n] = header
    return out


def logs(rpc: RpcClient, start: int, end: int, **flt: Any) -> list[dict[str, Any]]:
    """``eth_getLogs`` of blocks start..end; every log must lie in the range and not be removed."""
    # One retry only: a timeout here usually means "range too big", which the caller fixes.
    found = rpc.call("eth_getLogs", [{"fromBlock": hex(start), "toBlock": hex(end), **flt}], retries=1)
    if not isinstance(found, list):
        raise InvalidResponse("eth_getLogs did not return a list")
    for entry in found:
        number = int(entry["blockNumber"], 16)
        if not start <= number <= end or entry.get("removed"):
            raise InvalidResponse(f"eth_getLogs returned a log of block {number} outside {start}-{end}")
    return found


def logs_of_blocks(rpc: RpcClient, block_hashes: list[str], filters: list[dict[str, Any]]) -> list[Any]:
    """``eth_getLogs`` of each block (by hash) and filter, in one batch: [block 0 filter 0, block 0
    filter 1, ..., block 1 filter 0, ...]."""
    return rpc.batch([("eth_getLogs", [{"blockHash": h, **f}]) for h in block_hashes for f in filters], retries=1)


def canonical(rpc: RpcClient, number: int, block_hash: str) -> bool:
    """Whether block ``number`` of the node's chain still has ``block_hash``."""
    reply = rpc.call("eth_getBlockByNumber", [hex(number), False])
    return bool(reply) and reply.get("hash") == block_hash


def block_receipts(rpc: RpcClient, blocks: list[int], max_size: int) -> list[list[Receipt]]:
    """``eth_getBlockReceipts`` of each block (an ``RpcError`` of kind ``rpc`` if the node lacks it)."""
    replies = rpc.batch([("eth_getBlockReceipts", [hex(n)]) for n in blocks], max_size=max_size,
                        result_type=list[Receipt])
    for reply in replies:
        if not isinstance(reply, list):
            raise InvalidResponse("eth_getBlockReceipts did not return a list")
    return replies


def transaction_receipts(rpc: RpcClient, tx_hashes: list[str], max_size: int) -> list[Receipt | None]:
    return rpc.batch([("eth_getTransactionReceipt", [h]) for h in tx_hashes], max_size=max_size,
                     result_type=Receipt)


def balances(rpc: RpcClient, addresses: list[str], block_hash: str, max_size: int) -> dict[str, int]:
    """Native-coin balance of each address as of block ``block_hash``: by hash (EIP-1898), since by
    number a reorg, or anvil mining, could answer another block's."""
    if not addresses:
        return {}
    replies = rpc.batch([("eth_getBalance", [a, {"blockHash": block_hash}]) for a in addresses], max_size=max_size)
    out: dict[str, int] = {}
    for address, reply in zip(addresses, replies, strict=True):
        if not isinstance(reply, str) or not reply.startswith("0x"):
            raise InvalidResponse("eth_getBalance did not return a quantity")
        out[address] = int(reply, 16)
    return out


def calls_at(rpc: RpcClient, calls: list[tuple[str, str, str]]) -> list[bytes]:
    """``eth_call`` of each (to, calldata, block hash), pinned to the block by hash (EIP-1898)."""
    replies = rpc.batch([("eth_call", [{"to": to, "data": data}, {"blockHash": block_hash}])
                         for to, data, block_hash in calls])
    out = []
    for reply in replies:
        if not isinstance(reply, str) or not reply.startswith("0x"):
            raise InvalidResponse("eth_call: not a hex result")
        out.append(bytes.fromhex(reply[2:]))
    return out
