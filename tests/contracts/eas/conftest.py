"""EAS fixtures: Lancer (with EAS) deployed once per module to the session's anvil-1."""

from __future__ import annotations

import pytest
from web3 import Web3

from contracts.deploy import deploy_chain
from devtools.accounts import local_dev_account
from indexer.core.deployments import load_deployment
from indexer.core.registry import ChainRegistry
from tests.support.eas_chain import EasChain, deploy_settings


@pytest.fixture(scope="module")
def eas_chain(local_registry: ChainRegistry, tmp_path_factory: pytest.TempPathFactory) -> EasChain:
    directory = tmp_path_factory.mktemp("eas-deployments")
    chain = local_registry.by_name("anvil-1")
    deploy_chain(chain, deploy_settings(local_registry, directory))
    deployment = load_deployment(directory, chain.chain_id)
    assert deployment is not None and deployment.eas is not None
    return EasChain(Web3(Web3.HTTPProvider(chain.rpc_url_strings[0])), deployment, local_dev_account(0))
