"""The completeness check of a range: which blocks' ``logsBloom`` admit a log the index follows.

A node answers ``eth_getLogs`` by range; nothing in the answer says it is complete. Each header's
bloom does: a block whose bloom cannot hold any followed log needs no log, and a block whose bloom
says "maybe" while the range answer held none of its logs is read again by block hash (a bloom has
false positives; a node that keeps omitting logs is at fault).

Bloom semantics come from ``eth-bloom``: each followed item's bloom bits are computed once as a mask,
so testing a block is a few integer ANDs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from eth_bloom import BloomFilter


def bloom_mask(hex_value: str) -> int:
    """The bloom bits of one address or topic (hex)."""
    bloom = BloomFilter()
    bloom.add(bytes.fromhex(hex_value.removeprefix("0x")))
    return int(bloom)


def _holds(bloom: int, mask: int) -> bool:
    return bloom & mask == mask


class FollowedBloom:
    """The addresses and topics a chain's index follows, as bloom masks.

    ``static``: addresses followed for every log; ``filtered``: (address, topic filter) where a filter
    position holds the allowed topics (None: any); ``child_topics``: events of factory children,
    whose addresses are given per call (the set grows as children are created).
    """

    def __init__(self, static: Sequence[str], filtered: Sequence[tuple[str, Sequence[Sequence[str] | None]]],
                 child_topics: Sequence[str]) -> None:
        self.static = [bloom_mask(a) for a in static]
        self.filtered = [(bloom_mask(a), [[bloom_mask(t) for t in pos] if pos else None for pos in topics])
                         for a, topics in filtered]
        self.child_topics = [bloom_mask(t) for t in child_topics]
        self._children: dict[str, int] = {}

    def _child_masks(self, children: Iterable[str]) -> list[int]:
        masks = []
        for address in children:
            mask = self._children.get(address)
            if mask is None:
                mask = self._children.setdefault(address, bloom_mask(address))
            masks.append(mask)
        return masks

    def may_hold(self, bloom: int, children: Iterable[str] = (), *, any_child: bool = False) -> bool:
        """Whether a block with this bloom may hold a followed log. ``any_child``: children are
        followed by topic only (too many for an address filter)."""
        if not bloom:
            return False
        if any(_holds(bloom, m) for m in self.static):
            return True
        for address, positions in self.filtered:
            if _holds(bloom, address) and all(
                    pos is None or any(_holds(bloom, m) for m in pos) for pos in positions):
                return True
        if self.child_topics and any(_holds(bloom, m) for m in self.child_topics):
            if any_child:
                return True
            return any(_holds(bloom, m) for m in self._child_masks(children))
        return False
