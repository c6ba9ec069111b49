"""EAS on every chain `lancer deploy` visits: a deploy extension (see contracts.deploy_model.DeployExtension).

* Local chains (no EAS in the registry): deploy SchemaRegistry and EAS, compiled from the pinned
  `@ethereum-attestation-service/eas-contracts` package into contracts/artifacts.
* Chains whose registry entry names `eas_address`/`eas_schema_registry_address` (the official
  deployments on public chains, or any chain where they are set): deploy nothing, use those.
* Chains with neither (a public chain without EAS): skipped with a note.

Then Lancer's schemas (contracts.eas.lancer_schemas) are registered idempotently: the UID is computed
locally and `getSchema(uid)` asked first, because registering an existing schema reverts
(AlreadyExists) - and someone else may have registered the same schema already, which is fine: a
schema's UID depends only on its definition, resolver and revocable flag, never on who registered it.
The `eas` section of `deployments/<chainId>.json` records addresses, version and schema UIDs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


from contracts.deploy_model import ChainReport, Deployer, DeployError, Outcome
from contracts.eas.lancer_schemas import LANCER_SCHEMAS
from contracts.eas.onchain import eas_contract, get_schema, registry_contract
from contracts.eas.schemas import EasSchema
from indexer.core.addresses import checksum
from indexer.core.deployments import Deployment, EasRecord, EasSchemaRecord
from indexer.core.registry import ChainConfig

LOCAL_CONTRACTS = ("SchemaRegistry", "EAS")


class EasExtension:
    name = "EAS schemas"

    def __init__(self, schemas: Sequence[EasSchema] = LANCER_SCHEMAS) -> None:
        self.schemas = tuple(schemas)

    def contracts(self, chain: ChainConfig) -> Sequence[str]:
        return LOCAL_CONTRACTS if _deploys_own(chain) else ()

    def constructor_args(self, name: str, deployment: Deployment) -> list[Any]:
        if name == "SchemaRegistry":
            return []
        if name == "EAS":
            return [deployment.contracts["SchemaRegistry"].address]
        raise ValueError(name)

    def configure(self, deployer: Deployer, deployment: Deployment, report: ChainReport) -> None:
        chain = deployer.chain
        if _deploys_own(chain):
            eas_address = deployment.contracts["EAS"].address
            registry_address = deployment.contracts["SchemaRegistry"].address
        elif chain.eas_address and chain.eas_schema_registry_address:
            eas_address = checksum(chain.eas_address)
            registry_address = checksum(chain.eas_schema_registry_address)
            for name, address in (("EAS", eas_address), ("SchemaRegistry", registry_address)):
                if not deployer.has_code(address):
                    raise DeployError(f"the registry names {name} {address} on {chain.name}, but it has no code there")
                report.extension_outcomes[name] = Outcome.EXTERNAL
        else:
            report.notes.append("no EAS deployment is known for this chain: EAS schemas skipped")
            return

        eas = eas_contract(deployer.w3, eas_address)
        # The registry EAS was built with is the one that matters; a mismatch is a broken registry entry.
        actual_registry = checksum(eas.functions.getSchemaRegistry().call())
        if actual_registry != registry_address:
            raise DeployError(f"EAS {eas_address} on {chain.name} uses SchemaRegistry {actual_registry}, not {registry_address}")
        before = deployment.eas
        record = EasRecord(
            eas=eas_address,
            schema_registry=registry_address,
            version=eas.functions.version().call(),
            deployed_by_lancer=_deploys_own(chain),
            schemas=dict(before.schemas) if before and before.schema_registry == registry_address else {},
        )
        registry = registry_contract(deployer.w3, registry_address)
        for schema in self.schemas:
            label = f"schema {schema.key}"
            on_chain = get_schema(deployer.w3, registry_address, schema.uid)
            known = record.schemas.get(schema.key)
            if on_chain is not None:
                report.extension_outcomes[label] = Outcome.UNCHANGED
                if known is None or known.uid != schema.uid:  # registered by someone else, or before a reset
                    record.schemas[schema.key] = _schema_record(schema, None)
                continue
            tx_hash, _block = deployer.send(
                f"registering EAS schema {schema.key}",
                registry.functions.register(schema.definition, schema.resolver, schema.revocable),
            )
            record.schemas[schema.key] = _schema_record(schema, tx_hash)
            report.extension_outcomes[label] = Outcome.REGISTERED
            deployment.eas = record
            deployer.save(deployment)
        if deployment.eas != record:
            deployment.eas = record
            deployer.save(deployment)


def _deploys_own(chain: ChainConfig) -> bool:
    return chain.local and not chain.eas_address


def _schema_record(schema: EasSchema, tx_hash: str | None) -> EasSchemaRecord:
    return EasSchemaRecord(
        uid=schema.uid, definition=schema.definition, revocable=schema.revocable, resolver=schema.resolver,
        tx_hash=tx_hash,
    )
