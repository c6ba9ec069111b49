"""Deploy to two real anvil chains: contracts configured as asked, second run a no-op, changes reported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from web3 import Web3

from contracts.artifacts import load_artifact
from contracts.deploy import CONTRACT_ORDER, Outcome, deploy_chain
from contracts.deploy_config import DeploySettings
from devtools.accounts import local_dev_account
from devtools.anvil import AnvilProcess
from indexer.core.deployments import load_deployment
from indexer.core.registry import ChainRegistry, load_registry, registry_json, with_rpc_urls

REPO = Path(__file__).resolve().parents[2]


def settings_for(registry: ChainRegistry, deployments_dir: Path, **extra: object) -> DeploySettings:
    return DeploySettings(
        chain_registry_json=registry_json(registry), deployments_dir=deployments_dir, **extra  # type: ignore[arg-type]
    )


def contract(w3: Web3, name: str, address: str):  # type: ignore[no-untyped-def]
    return w3.eth.contract(address=address, abi=load_artifact(name)["abi"])


def test_deploys_to_both_chains_and_second_run_is_a_no_op(local_registry: ChainRegistry, tmp_path: Path) -> None:
    settings = settings_for(local_registry, tmp_path, platform_fee_bps=300)
    for chain in local_registry.local_chains:
        first = deploy_chain(chain, settings)
        assert first.outcomes == {name: Outcome.DEPLOYED for name in CONTRACT_ORDER}
        deployment = load_deployment(tmp_path, chain.chain_id)
        assert deployment is not None and deployment.chain_id == chain.chain_id

        w3 = Web3(Web3.HTTPProvider(chain.rpc_url_strings[0]))
        factory = contract(w3, "EscrowFactory", deployment.address("EscrowFactory"))
        treasury = contract(w3, "Treasury", deployment.address("Treasury"))
        token = contract(w3, "LancerToken", deployment.address("LancerToken"))
        assert factory.functions.feeBps().call() == 300
        assert factory.functions.treasury().call() == deployment.address("Treasury")
        assert factory.functions.implementation().call() == deployment.address("Escrow")
        assert token.functions.cap().call() == settings.token_cap
        assert token.functions.hasRole(token.functions.MINTER_ROLE().call(), deployment.deployer).call()
        splits = treasury.functions.splits().call()
        assert [(s[1], s[2].rstrip(b"\0").decode()) for s in splits] == [
            (5000, "operations"), (3000, "offset"), (2000, "social")
        ]
        assert deployment.start_block >= 1
        # The token economy extension: distributor and staking, wired to this chain's treasury and token.
        assert first.extension_outcomes["MerkleDistributor"] is Outcome.DEPLOYED
        assert first.extension_outcomes["LancerStaking"] is Outcome.DEPLOYED
        distributor = contract(w3, "MerkleDistributor", deployment.address("MerkleDistributor"))
        staking = contract(w3, "LancerStaking", deployment.address("LancerStaking"))
        assert distributor.functions.treasury().call() == deployment.address("Treasury")
        assert distributor.functions.claimWindow().call() == settings.rewards_claim_window_seconds
        assert distributor.functions.hasRole(distributor.functions.DISTRIBUTOR_ROLE().call(), deployment.deployer).call()
        assert staking.functions.token().call() == deployment.address("LancerToken")
        assert staking.functions.unbondingPeriod().call() == settings.staking_unbonding_seconds

        second = deploy_chain(chain, settings)
        assert second.outcomes == {name: Outcome.UNCHANGED for name in CONTRACT_ORDER}
        assert second.extension_outcomes["MerkleDistributor"] is Outcome.UNCHANGED
        assert second.extension_outcomes["LancerStaking"] is Outcome.UNCHANGED
        assert not second.deployed_anything
        assert load_deployment(tmp_path, chain.chain_id).contracts == deployment.contracts  # type: ignore[union-attr]


def test_changed_artifact_is_reported_and_redeployed_only_when_asked(
    local_registry: ChainRegistry, tmp_path: Path
) -> None:
    chain = local_registry.by_name("anvil-1")
    settings = settings_for(local_registry, tmp_path)
    deploy_chain(chain, settings)
    path = tmp_path / "31337.json"
    data = json.loads(path.read_text())
    data["contracts"]["Treasury"]["artifact_hash"] = "0" * 64  # as if Treasury.sol had changed since
    path.write_text(json.dumps(data))

    report = deploy_chain(chain, settings)
    assert report.outcomes["Treasury"] is Outcome.CHANGED
    assert not report.deployed_anything

    old = load_deployment(tmp_path, 31337)
    report = deploy_chain(chain, settings, redeploy_changed=True)
    assert report.outcomes["Treasury"] is Outcome.REDEPLOYED
    # The factory points at the treasury, so it follows.
    assert report.outcomes["EscrowFactory"] is Outcome.REDEPLOYED
    # The distributor sweeps to the treasury, so it follows too.
    assert report.extension_outcomes["MerkleDistributor"] is Outcome.REDEPLOYED
    assert report.extension_outcomes["LancerStaking"] is Outcome.UNCHANGED
    new = load_deployment(tmp_path, 31337)
    assert old is not None and new is not None
    assert new.address("Treasury") != old.address("Treasury")
    assert new.address("LancerToken") == old.address("LancerToken")


def test_reset_chain_is_deployed_afresh(tmp_path: Path) -> None:
    with AnvilProcess(31337) as node:
        registry = with_rpc_urls(load_registry(), {31337: [node.url]})
        settings = settings_for(registry, tmp_path)
        deploy_chain(registry.by_name("anvil-1"), settings)
    with AnvilProcess(31337) as node:  # a new anvil: new genesis, no code at the old addresses
        registry = with_rpc_urls(load_registry(), {31337: [node.url]})
        report = deploy_chain(registry.by_name("anvil-1"), settings_for(registry, tmp_path))
    assert report.outcomes == {name: Outcome.DEPLOYED for name in CONTRACT_ORDER}
    assert any("reset" in note for note in report.notes)


def test_explicit_key_and_splits(local_registry: ChainRegistry, tmp_path: Path) -> None:
    deployer = local_dev_account(3)
    splits = [{"to": local_dev_account(4).address.lower(), "bps": 10_000, "kind": "social"}]
    settings = settings_for(
        local_registry, tmp_path, deployer_private_key=deployer.key.hex(), treasury_splits_json=json.dumps(splits)
    )
    deploy_chain(local_registry.by_name("anvil-2"), settings)
    deployment = load_deployment(tmp_path, 31338)
    assert deployment is not None and deployment.deployer == deployer.address


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scripts.cli", *args],
        cwd=REPO, env={**os.environ, **env}, capture_output=True, text=True, timeout=120,
    )


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["deploy", "--chains", "anvil-9"], {}, "unknown chain 'anvil-9'"),
        (["deploy", "--chains", "anvil-1"], {"CHAIN_REGISTRY_JSON": "{oops"}, "CHAIN_REGISTRY_JSON is not valid JSON"),
        (["deploy", "--chains", "anvil-1"], {"TREASURY_SPLITS_JSON": "[]"}, "bps must sum to 10000"),
        (
            ["deploy", "--chains", "sepolia"],
            {"TREASURY_SPLITS_JSON": json.dumps([{"to": "0x" + "11" * 20, "bps": 10000, "kind": "ops"}])},
            "no deployer key for sepolia",
        ),
        (["deploy", "--chains", "anvil-1"], {"DEPLOYER_PRIVATE_KEY": "0x1234"}, "DEPLOYER_PRIVATE_KEY is not a valid"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], env: dict[str, str], message: str, tmp_path: Path) -> None:
    env = {"DEPLOYMENTS_DIR": str(tmp_path), "DEPLOYER_PRIVATE_KEY": "", **env}
    if not env["DEPLOYER_PRIVATE_KEY"]:
        del env["DEPLOYER_PRIVATE_KEY"]
    result = run_cli(*args, env=env)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "0x1234" not in result.stderr


def test_cli_deploy_twice_reports_nothing_to_do(local_registry: ChainRegistry, tmp_path: Path) -> None:
    env = {"CHAIN_REGISTRY_JSON": registry_json(local_registry), "DEPLOYMENTS_DIR": str(tmp_path)}
    first = run_cli("deploy", "--chains", "anvil-1,anvil-2", env=env)
    assert first.returncode == 0, first.stderr
    second = run_cli("deploy", "--chains", "anvil-1,anvil-2", env=env)
    assert second.returncode == 0, second.stderr
    assert second.stderr.count("already deployed, nothing to do") == 2
