"""Deployed contract addresses per chain: `deployments/<chainId>.json`, written by the deploy script.

Environment overrides win over the file: ``<CONTRACT>_ADDRESS_<CHAINID>``, e.g.
``TOKEN_ADDRESS_31337``, ``TREASURY_ADDRESS_31337``, ``ESCROW_FACTORY_ADDRESS_31337``,
``MERKLE_DISTRIBUTOR_ADDRESS_31337``, ``STAKING_ADDRESS_31337``.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from indexer.core.errors import ConfigError
from indexer.core.addresses import ChecksumAddress, Hex32, checksum

# Contract name in the deployment file -> prefix of its environment override.
ENV_OVERRIDE_PREFIX = {
    "LancerToken": "TOKEN",
    "Treasury": "TREASURY",
    "EscrowFactory": "ESCROW_FACTORY",
    "Escrow": "ESCROW_IMPLEMENTATION",
    "MerkleDistributor": "MERKLE_DISTRIBUTOR",
    "LancerStaking": "STAKING",
}


class DeployedContract(BaseModel):
    model_config = ConfigDict(extra="forbid")

    address: ChecksumAddress
    tx_hash: str | None = None
    block_number: int = Field(ge=0)
    artifact_hash: str | None = None
    constructor_args: list[object] = Field(default_factory=list)


class EasSchemaRecord(BaseModel):
    """One registered EAS schema; the UID is keccak256(abi.encodePacked(definition, resolver, revocable))."""

    model_config = ConfigDict(extra="forbid")

    uid: Hex32
    definition: str
    revocable: bool
    resolver: ChecksumAddress
    tx_hash: str | None = None  # None when it was registered before (by anyone)


class EasRecord(BaseModel):
    """Where EAS is on this chain and which of Lancer's schemas are registered there."""

    model_config = ConfigDict(extra="forbid")

    eas: ChecksumAddress
    schema_registry: ChecksumAddress
    version: str  # EAS.version(): the EIP-712 domain version of offchain attestations
    deployed_by_lancer: bool  # True on local chains; False where the official deployment is used
    schemas: dict[str, EasSchemaRecord] = Field(default_factory=dict)


class Deployment(BaseModel):
    model_config = ConfigDict(extra="allow")

    chain_id: int
    chain_name: str
    genesis_hash: str
    deployer: ChecksumAddress
    deployed_at: datetime
    updated_at: datetime
    compiler: dict[str, object] = Field(default_factory=dict)
    contracts: dict[str, DeployedContract] = Field(default_factory=dict)
    config: dict[str, object] = Field(default_factory=dict)
    eas: EasRecord | None = None

    @property
    def start_block(self) -> int:
        return min((c.block_number for c in self.contracts.values()), default=0)

    def has(self, name: str) -> bool:
        """Whether ``name`` is deployed here (recorded in the file, or given by its address override)."""
        prefix = ENV_OVERRIDE_PREFIX.get(name)
        return name in self.contracts or bool(prefix and os.environ.get(f"{prefix}_ADDRESS_{self.chain_id}"))

    def address(self, name: str) -> str:
        prefix = ENV_OVERRIDE_PREFIX.get(name)
        override = os.environ.get(f"{prefix}_ADDRESS_{self.chain_id}") if prefix else None
        if override:
            try:
                return checksum(override)
            except ValueError:
                raise ConfigError(f"{prefix}_ADDRESS_{self.chain_id} is not a valid address") from None
        try:
            return self.contracts[name].address
        except KeyError:
            raise ConfigError(f"{name} is not deployed on chain {self.chain_id}; run `lancer deploy`") from None


def deployment_path(directory: Path, chain_id: int) -> Path:
    return directory / f"{chain_id}.json"


def load_deployment(directory: Path, chain_id: int) -> Deployment | None:
    path = deployment_path(directory, chain_id)
    if not path.is_file():
        return None
    try:
        return Deployment.model_validate_json(path.read_text())
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"{path} is invalid at {where}: {first['msg']}") from None


def save_deployment(directory: Path, deployment: Deployment) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = deployment_path(directory, deployment.chain_id)
    tmp = path.with_suffix(".json.tmp")
    # Write-then-rename so a crash never leaves a half-written file behind.
    tmp.write_text(json.dumps(deployment.model_dump(mode="json"), indent=2, sort_keys=True) + "\n")
    tmp.replace(path)
    return path
