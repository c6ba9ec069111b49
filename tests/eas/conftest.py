"""EAS fixtures: Lancer (with EAS) deployed once per module to the session's anvil-1."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from eth_account.signers.local import LocalAccount
from web3 import Web3

from contracts.deploy import deploy_chain
from contracts.deploy_config import DeploySettings, local_dev_account
from indexer.deployments import Deployment, load_deployment
from indexer.registry import ChainRegistry, registry_json


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


@pytest.fixture(scope="module")
def eas_chain(local_registry: ChainRegistry, tmp_path_factory: pytest.TempPathFactory) -> EasChain:
    directory = tmp_path_factory.mktemp("eas-deployments")
    chain = local_registry.by_name("anvil-1")
    deploy_chain(chain, deploy_settings(local_registry, directory))
    deployment = load_deployment(directory, chain.chain_id)
    assert deployment is not None and deployment.eas is not None
    return EasChain(Web3(Web3.HTTPProvider(chain.rpc_url_strings[0])), deployment, local_dev_account(0))
