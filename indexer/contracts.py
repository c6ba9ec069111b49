"""The contracts a chain's index follows, as data: address + ABI + start block, plus children that a
factory creates (discovered from one of the factory's events). The sync engine only sees a
``ContractSet``; a later issue adds a contract (e.g. EAS) by adding a ``ContractSpec`` here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from contracts.artifacts import load_artifact
from indexer.deployments import Deployment
from indexer.errors import ConfigError
from indexer.types import checksum

if TYPE_CHECKING:
    from indexer.registry import ChainConfig

# Called by the reader with (rpc client, decoded events of a range, verified headers) to add data a
# log does not carry (e.g. an EAS attestation's fields), so the raw events alone rebuild projections.
Enricher = Callable[[Any, list[Any]], None]

PLATFORM_CONTRACTS = ("LancerToken", "Treasury", "EscrowFactory")


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


def _abi(name: str) -> tuple[dict[str, Any], ...]:
    try:
        return tuple(load_artifact(name)["abi"])
    except FileNotFoundError as exc:
        raise ConfigError(str(exc)) from None


def platform_contract_set(deployment: Deployment, chain: ChainConfig | None = None) -> ContractSet:
    """Lancer's contracts on one chain: LancerToken, Treasury, EscrowFactory and its Escrow clones, and
    EAS (filtered to Lancer's schemas) where the deployment or the registry names one."""
    specs = []
    for name in PLATFORM_CONTRACTS:
        address = checksum(deployment.address(name))
        deployed = deployment.contracts.get(name)
        start = deployed.block_number if deployed is not None else deployment.start_block
        specs.append(ContractSpec(name=name, address=address, abi=_abi(name), start_block=start))
    children = (ChildSpec(name="Escrow", abi=_abi("Escrow"), factory="EscrowFactory", event="EscrowCreated",
                          address_arg="escrow"),)
    from indexer.eas_index import eas_contract_spec, enrich_attestations  # late: eas_index imports this module

    enrichers: tuple[Enricher, ...] = ()
    eas = eas_contract_spec(deployment, chain)
    if eas is not None:
        specs.append(eas)
        enrichers = (enrich_attestations(eas.address),)
    return ContractSet(chain_id=deployment.chain_id, contracts=tuple(specs), children=children, enrichers=enrichers)
