"""EAS test helpers: a chain with Lancer and EAS deployed (fixture in tests/contracts/eas/conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from eth_account.signers.local import LocalAccount
from web3 import Web3

from contracts.deploy_config import DeploySettings
from indexer.core.deployments import Deployment
from indexer.core.registry import ChainRegistry, registry_json


@dataclass
class EasChain:
    w3: Web3
    deployment: Deployment
    deployer: LocalAccount

    @property
    def eas(self) -> str:
        assert self.deployment.eas is not None
        return self.deployment.eas.eas

    @property
    def registry(self) -> str:
        assert self.deployment.eas is not None
        return self.deployment.eas.schema_registry


def deploy_settings(registry: ChainRegistry, directory: Path) -> DeploySettings:
    return DeploySettings(chain_registry_json=registry_json(registry), deployments_dir=directory)  # type: ignore[call-arg]
