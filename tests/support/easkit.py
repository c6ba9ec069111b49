"""Test helper: EAS (SchemaRegistry + EAS, the artifacts `lancer deploy` uses) on a chainkit platform,
Lancer's schemas registered, the deployment's `eas` section written; attest/revoke as anvil accounts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from web3.contract import Contract

from contracts.artifacts import deploy_unlocked
from contracts.eas.lancer_schemas import LANCER_SCHEMAS
from contracts.eas.onchain import eas_contract, registry_contract
from indexer.core.deployments import DeployedContract, EasRecord, EasSchemaRecord, save_deployment
from tests.support.chainkit import Platform


def add_eas(platform: Platform, deployments_dir: Path) -> Contract:
    w3, admin = platform.w3, platform.admin

    def deploy(name: str, *args: Any) -> tuple[str, int]:
        contract, receipt = deploy_unlocked(w3, name, *args, sender=admin)
        return contract.address, receipt["blockNumber"]

    registry_address, registry_block = deploy("SchemaRegistry")
    eas_address, eas_block = deploy("EAS", registry_address)
    registry = registry_contract(w3, registry_address)
    records = {}
    for schema in LANCER_SCHEMAS:
        h = registry.functions.register(schema.definition, schema.resolver, schema.revocable).transact({"from": admin})
        w3.eth.wait_for_transaction_receipt(h)
        records[schema.key] = EasSchemaRecord(uid=schema.uid, definition=schema.definition, revocable=schema.revocable,
                                              resolver=schema.resolver, tx_hash=h.to_0x_hex())
    eas = eas_contract(w3, eas_address)
    deployment = platform.deployment
    deployment.contracts["SchemaRegistry"] = DeployedContract(address=registry_address, block_number=registry_block)
    deployment.contracts["EAS"] = DeployedContract(address=eas_address, block_number=eas_block)
    deployment.eas = EasRecord(eas=eas_address, schema_registry=registry_address, version=eas.functions.version().call(),
                               deployed_by_lancer=True, schemas=records)
    save_deployment(deployments_dir, deployment)
    return eas


def attest(platform: Platform, eas: Contract, attester: str, schema_uid: str, recipient: str, data: bytes,
           ref_uid: bytes = b"\0" * 32) -> str:
    """EAS.attest from an unlocked anvil account; returns the new UID."""
    request = (bytes.fromhex(schema_uid[2:]), (recipient, 0, True, ref_uid, data, 0))
    receipt = platform.tx(eas.functions.attest(request), attester)
    return "0x" + eas.events.Attested().process_receipt(receipt)[0]["args"]["uid"].hex()


def revoke(platform: Platform, eas: Contract, attester: str, schema_uid: str, uid: str) -> None:
    platform.tx(eas.functions.revoke((bytes.fromhex(schema_uid[2:]), (bytes.fromhex(uid[2:]), 0))), attester)


def mine(platform: Platform, blocks: int) -> None:
    platform.node.rpc("anvil_mine", [hex(blocks)])
