"""The eth_getLogs filters of a ``ContractSet``: one query for the contracts followed whole, one per
contract with a topic filter (e.g. EAS: Lancer's schemas only), and one for every factory child."""

from __future__ import annotations

from typing import Any

from indexer.core.addresses import checksum
from indexer.decode import event_topics
from indexer.sources.spec import ChildSpec, ContractSet

# Above this many known children, getLogs filters by event topics only and drops foreign logs while
# decoding: nodes cap (or choke on) long address lists.
ADDRESS_FILTER_LIMIT = 1000


class LogFilters:
    def __init__(self, contract_set: ContractSet) -> None:
        self.static_addresses = [c.address for c in contract_set.contracts if c.topics is None]
        self.filtered = [(c.address, [list(t) if t else None for t in c.topics])
                         for c in contract_set.contracts if c.topics is not None]
        self.child_topics = sorted({t for ch in contract_set.children for t in event_topics(ch.abi)})
        # Decoded events carry checksummed addresses: compare factories in that form.
        self.child_sources: list[tuple[ChildSpec, str]] = [
            (ch, checksum(addr)) for ch, addr in contract_set.child_sources()]

    def static(self) -> list[dict[str, Any]]:
        """Filters of the contracts at fixed addresses (children are found from their logs)."""
        out: list[dict[str, Any]] = [{"address": self.static_addresses}] if self.static_addresses else []
        return out + [{"address": address, "topics": topics} for address, topics in self.filtered]

    def children(self, children: dict[str, str]) -> dict[str, Any] | None:
        """The filter of every known child (lowercase address -> child name), None when there is none."""
        if not children or not self.child_topics:
            return None
        if len(children) <= ADDRESS_FILTER_LIMIT:
            return {"address": [checksum(a) for a in children], "topics": [self.child_topics]}
        return {"topics": [self.child_topics]}
