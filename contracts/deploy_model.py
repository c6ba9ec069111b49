"""The vocabulary of a deploy, shared by ``contracts.deploy`` and its extensions (``contracts.eas_deploy``):
outcomes, the per-chain report, the extension protocol and the deployer an extension may use. It imports
nothing of ``contracts.deploy``, so extensions never import the deployer that runs them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from web3 import Web3

from indexer.core.deployments import Deployment
from indexer.core.errors import LancerError
from indexer.core.registry import ChainConfig


class DeployError(LancerError):
    """A deployment transaction failed or the chain does not match the registry."""


class Outcome(StrEnum):
    DEPLOYED = "deployed"
    UNCHANGED = "unchanged"
    CHANGED = "artifact changed, not redeployed"
    REDEPLOYED = "redeployed"
    REGISTERED = "registered"  # e.g. an EAS schema, by an extension
    EXTERNAL = "uses the official deployment"  # e.g. EAS on a public chain: nothing deployed


CHANGING_OUTCOMES = (Outcome.DEPLOYED, Outcome.REDEPLOYED, Outcome.REGISTERED)
NO_OP_OUTCOMES = (Outcome.UNCHANGED, Outcome.EXTERNAL)


@dataclass
class ChainReport:
    chain: str
    chain_id: int
    path: Path
    outcomes: dict[str, Outcome] = field(default_factory=dict)  # Lancer's own contracts (CONTRACT_ORDER)
    extension_outcomes: dict[str, Outcome] = field(default_factory=dict)  # e.g. "EAS", "schema verified_skill"
    notes: list[str] = field(default_factory=list)

    @property
    def deployed_anything(self) -> bool:
        return any(o in CHANGING_OUTCOMES for o in (*self.outcomes.values(), *self.extension_outcomes.values()))

    @property
    def all_outcomes(self) -> dict[str, Outcome]:
        return {**self.outcomes, **self.extension_outcomes}


class Deployer(Protocol):
    """What an extension may use of the deployer running it (``contracts.deploy.ChainDeployer``)."""

    chain: ChainConfig
    w3: Web3

    def has_code(self, address: str) -> bool: ...

    def send(self, label: str, call: Any) -> tuple[str, int]:
        """Sign and send a contract call from the deployer; (tx hash, block)."""
        ...

    def save(self, deployment: Deployment) -> None:
        """Write the deployment file now."""
        ...


class DeployExtension(Protocol):
    """Something deployed and configured on each chain after Lancer's own contracts (e.g. EAS).

    Its contracts go through the same machinery as ours (artifact hashes, redeploy on change, the
    deployment file); ``configure`` then runs idempotent steps (e.g. registering schemas) and must
    make no transaction when there is nothing to do.
    """

    name: str

    def contracts(self, chain: ChainConfig) -> Sequence[str]:
        """Artifact names to deploy on this chain, in order (may be empty, e.g. on public chains)."""
        ...

    def constructor_args(self, name: str, deployment: Deployment) -> list[Any]: ...

    def configure(self, deployer: Deployer, deployment: Deployment, report: ChainReport) -> None:
        """Post-deploy steps; record outcomes in ``report.extension_outcomes``."""
        ...
