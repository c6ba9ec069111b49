"""`lancer deploy` brings EAS to local chains and registers Lancer's schemas exactly once."""

from __future__ import annotations

import json
from pathlib import Path

from web3 import Web3

from contracts.deploy import CONTRACT_ORDER, ChainDeployer, Outcome, connect, deploy_chain
from contracts.deploy_config import splits_for
from contracts.eas_deploy import EasExtension
from devtools.accounts import local_dev_account
from indexer.core.deployments import load_deployment
from contracts.eas.lancer_schemas import LANCER_SCHEMAS
from contracts.eas.onchain import get_schema
from indexer.core.registry import ChainRegistry
from tests.support.eas_chain import deploy_settings

SCHEMA_STEPS = [f"schema {s.key}" for s in LANCER_SCHEMAS]
EAS_ONLY = [EasExtension()]  # the token economy's extension has tests of its own


def test_two_anvils_register_schemas_once(local_registry: ChainRegistry, tmp_path: Path) -> None:
    settings = deploy_settings(local_registry, tmp_path)
    for chain in local_registry.local_chains:
        first = deploy_chain(chain, settings, extensions=EAS_ONLY)
        assert first.outcomes == {name: Outcome.DEPLOYED for name in CONTRACT_ORDER}
        assert first.extension_outcomes == {
            "SchemaRegistry": Outcome.DEPLOYED, "EAS": Outcome.DEPLOYED,
            **{step: Outcome.REGISTERED for step in SCHEMA_STEPS},
        }
        deployment = load_deployment(tmp_path, chain.chain_id)
        assert deployment is not None and deployment.eas is not None
        eas = deployment.eas
        assert eas.deployed_by_lancer and eas.version == "1.4.0"
        assert eas.eas == deployment.address("EAS") and eas.schema_registry == deployment.address("SchemaRegistry")
        w3 = Web3(Web3.HTTPProvider(chain.rpc_url_strings[0]))
        for schema in LANCER_SCHEMAS:
            record = eas.schemas[schema.key]
            assert record.uid == schema.uid and record.definition == schema.definition and record.tx_hash
            on_chain = get_schema(w3, eas.schema_registry, schema.uid)
            assert on_chain is not None and on_chain.definition == schema.definition and on_chain.revocable

        file_before = (tmp_path / f"{chain.chain_id}.json").read_text()
        second = deploy_chain(chain, settings, extensions=EAS_ONLY)
        assert not second.deployed_anything
        assert set(second.all_outcomes.values()) == {Outcome.UNCHANGED}
        assert (tmp_path / f"{chain.chain_id}.json").read_text() == file_before  # not even rewritten

    uids = [json.loads((tmp_path / f"{c.chain_id}.json").read_text())["eas"]["schemas"] for c in local_registry.local_chains]
    assert uids[0] == {k: {**v, "tx_hash": uids[0][k]["tx_hash"]} for k, v in uids[1].items()}  # same UIDs on both


def test_chain_with_official_eas_deploys_nothing_and_reuses_registered_schemas(
    local_registry: ChainRegistry, tmp_path: Path
) -> None:
    # First a normal local deploy gives an EAS on anvil-2; then pretend it is the chain's official one.
    deploy_chain(local_registry.by_name("anvil-2"), deploy_settings(local_registry, tmp_path / "a"), extensions=EAS_ONLY)
    local = load_deployment(tmp_path / "a", 31338)
    assert local is not None and local.eas is not None
    chain = local_registry.by_name("anvil-2").model_copy(
        update={"eas_address": local.eas.eas, "eas_schema_registry_address": local.eas.schema_registry}
    )
    report = deploy_chain(chain, deploy_settings(local_registry, tmp_path / "b"), extensions=EAS_ONLY)
    assert report.extension_outcomes == {
        "EAS": Outcome.EXTERNAL, "SchemaRegistry": Outcome.EXTERNAL, **{s: Outcome.UNCHANGED for s in SCHEMA_STEPS}
    }
    official = load_deployment(tmp_path / "b", 31338)
    assert official is not None and official.eas is not None
    assert "EAS" not in official.contracts and not official.eas.deployed_by_lancer
    assert official.eas.eas == local.eas.eas
    # Registered by someone else: known UID, no tx of ours.
    assert {k: (v.uid, v.tx_hash) for k, v in official.eas.schemas.items()} == {s.key: (s.uid, None) for s in LANCER_SCHEMAS}


def test_public_chain_without_eas_is_skipped_with_a_note(local_registry: ChainRegistry, tmp_path: Path) -> None:
    chain = local_registry.by_name("anvil-2").model_copy(update={"local": False})
    settings = deploy_settings(local_registry, tmp_path).model_copy(
        update={"treasury_splits_json": json.dumps([{"to": "0x" + "11" * 20, "bps": 10_000, "kind": "ops"}])}
    )
    report = ChainDeployer(chain, connect(chain), local_dev_account(0), settings, splits_for(chain, settings),
                          extensions=EAS_ONLY).run()
    assert report.extension_outcomes == {}
    assert any("no EAS deployment is known" in n for n in report.notes)
    deployment = load_deployment(tmp_path, 31338)
    assert deployment is not None and deployment.eas is None
