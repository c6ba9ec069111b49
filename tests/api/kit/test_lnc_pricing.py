"""LNC is a first-class price currency: a project or escrow priced in 'LNC' resolves, on every chain, to
the LancerToken of that chain's deployment file (and shows as LNC, 18 decimals); a chain where LNC is not
deployed, and any other ERC20, are 422 problems naming the chain."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from api.kit.deployments import ZERO_ADDRESS, DeploymentDirectory
from api.kit.problems import Problem
from api.kit.tokens import TokenResolver
from indexer.core.deployments import DeployedContract, Deployment, save_deployment
from indexer.core.registry import load_registry

LNC_1 = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
LNC_2 = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"


def _deploy(directory: Path, chain_id: int, name: str, lnc: str) -> None:
    now = datetime.now(UTC)
    save_deployment(directory, Deployment(
        chain_id=chain_id, chain_name=name, genesis_hash="0x" + "11" * 32, deployer=LNC_1, deployed_at=now,
        updated_at=now, contracts={"LancerToken": DeployedContract(address=lnc, block_number=1)}))


@pytest.fixture()
def resolver(tmp_path: Path) -> TokenResolver:
    _deploy(tmp_path, 31337, "anvil-1", LNC_1)
    _deploy(tmp_path, 31338, "anvil-2", LNC_2)
    return TokenResolver(load_registry(), DeploymentDirectory(tmp_path))


def test_lnc_resolves_to_each_chains_own_deployment(resolver: TokenResolver) -> None:
    assert resolver.resolve("anvil-1", "LNC") == (31337, LNC_1)
    assert resolver.resolve(31338, "lnc") == (31338, LNC_2)
    assert resolver.resolve("anvil-2", LNC_2.lower()) == (31338, LNC_2)  # by address too
    assert resolver.resolve("anvil-2", "native") == (31338, ZERO_ADDRESS)
    chain = resolver.registry.by_name("anvil-2")
    info = resolver.deployments.token_info(chain, LNC_2)
    assert (info.symbol, info.decimals) == ("LNC", 18)


def test_lnc_where_not_deployed_and_other_tokens_are_422(resolver: TokenResolver) -> None:
    with pytest.raises(Problem) as absent:
        resolver.resolve("base", "LNC")
    assert absent.value.status == 422 and "not deployed on base" in absent.value.detail
    with pytest.raises(Problem) as other_chains_lnc:
        resolver.resolve("anvil-2", LNC_1)  # anvil-1's LNC is just some ERC20 on anvil-2
    assert other_chains_lnc.value.status == 422 and "not accepted on anvil-2" in other_chains_lnc.value.detail
    with pytest.raises(Problem) as unknown:
        resolver.resolve("nowhere", "LNC")
    assert unknown.value.status == 422
