"""Lancer's own contracts on one chain as a ``ContractSet``: LancerToken, Treasury, EscrowFactory and
every Escrow clone the factory creates, the token economy's MerkleDistributor and LancerStaking where they
are deployed, plus EAS (``indexer.sources.eas``) where the chain has one."""

from __future__ import annotations

from typing import Any

from contracts.artifacts import load_artifact
from indexer.core.addresses import checksum
from indexer.core.deployments import Deployment
from indexer.core.errors import ConfigError
from indexer.core.registry import ChainConfig
from indexer.sources.eas import eas_contract_spec, enrich_attestations
from indexer.sources.spec import ChildSpec, ContractSet, ContractSpec, Enricher

PLATFORM_CONTRACTS = ("LancerToken", "Treasury", "EscrowFactory")
# Followed where the deployment (or an address override) names them: deployments made before the token
# economy existed have neither.
ECONOMY_CONTRACTS = ("MerkleDistributor", "LancerStaking")


def _abi(name: str) -> tuple[dict[str, Any], ...]:
    try:
        return tuple(load_artifact(name)["abi"])
    except FileNotFoundError as exc:
        raise ConfigError(str(exc)) from None


def platform_contract_set(deployment: Deployment, chain: ChainConfig | None = None) -> ContractSet:
    """Lancer's contracts on one chain: LancerToken, Treasury, EscrowFactory and its Escrow clones, the
    MerkleDistributor and LancerStaking where deployed, and EAS (filtered to Lancer's schemas) where the deployment or the registry names one."""
    specs = []
    for name in PLATFORM_CONTRACTS:
        address = checksum(deployment.address(name))
        deployed = deployment.contracts.get(name)
        start = deployed.block_number if deployed is not None else deployment.start_block
        specs.append(ContractSpec(name=name, address=address, abi=_abi(name), start_block=start))
    for name in ECONOMY_CONTRACTS:
        if not deployment.has(name):
            continue
        address = checksum(deployment.address(name))
        deployed = deployment.contracts.get(name)
        start = deployed.block_number if deployed is not None else deployment.start_block
        specs.append(ContractSpec(name=name, address=address, abi=_abi(name), start_block=start))
    children = (ChildSpec(name="Escrow", abi=_abi("Escrow"), factory="EscrowFactory", event="EscrowCreated",
                          address_arg="escrow"),)
    enrichers: tuple[Enricher, ...] = ()
    eas = eas_contract_spec(deployment, chain)
    if eas is not None:
        specs.append(eas)
        enrichers = (enrich_attestations(eas.address),)
    return ContractSet(chain_id=deployment.chain_id, contracts=tuple(specs), children=children, enrichers=enrichers)
