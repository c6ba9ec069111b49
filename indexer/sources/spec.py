"""What a chain's index follows, as data: address + ABI + start block, plus children that a factory
creates (discovered from one of the factory's events). The sync engine only sees a ``ContractSet``;
``indexer.sources.platform`` builds Lancer's, ``indexer.sources.eas`` adds EAS to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Called by the reader with (rpc client, decoded events of a range, verified headers) to add data a
# log does not carry (e.g. an EAS attestation's fields), so the raw events alone rebuild projections.
Enricher = Callable[[Any, list[Any]], None]


@dataclass(frozen=True)
class ContractSpec:
    """One contract at a fixed address, followed from ``start_block`` on."""

    name: str
    address: str
    abi: tuple[dict[str, Any], ...]
    start_block: int
    # eth_getLogs topic filter for this contract alone (e.g. EAS: only Lancer's schemas); None = every log.
    topics: tuple[tuple[str, ...] | None, ...] | None = None


@dataclass(frozen=True)
class ChildSpec:
    """Contracts created by a factory: ``event`` of contract ``factory`` names the child in ``address_arg``."""

    name: str
    abi: tuple[dict[str, Any], ...]
    factory: str
    event: str
    address_arg: str


@dataclass(frozen=True)
class ContractSet:
    chain_id: int
    contracts: tuple[ContractSpec, ...]
    children: tuple[ChildSpec, ...] = field(default_factory=tuple)
    enrichers: tuple[Enricher, ...] = field(default_factory=tuple)

    @property
    def start_block(self) -> int:
        return min((c.start_block for c in self.contracts), default=0)

    def by_name(self, name: str) -> ContractSpec:
        for spec in self.contracts:
            if spec.name == name:
                return spec
        raise KeyError(name)

    @property
    def static_addresses(self) -> dict[str, str]:
        """Checksummed address -> contract name."""
        return {c.address: c.name for c in self.contracts}

    def child_sources(self) -> list[tuple[ChildSpec, str]]:
        """(child spec, factory address) pairs, for discovering children from factory events."""
        return [(child, self.by_name(child.factory).address) for child in self.children]
