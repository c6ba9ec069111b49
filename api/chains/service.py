"""Chains with their indexer status, and the deployed contracts per chain."""

from __future__ import annotations

from sqlalchemy import Connection

from api.chains.schemas import (
    CarbonFactorOut,
    ChainDeployment,
    ChainList,
    ChainOut,
    DeployedContractOut,
    DeploymentList,
    NativeCurrencyOut,
)
from api.kit.deployments import DeploymentDirectory
from indexer import read_models
from indexer.core.registry import ChainConfig, ChainRegistry


def chains(registry: ChainRegistry, conn: Connection) -> ChainList:
    status = {s.chain_id: s for s in read_models.chain_status(conn)}
    items = []
    for chain in registry.chains:
        s = status.get(chain.chain_id)
        lag_seconds = None
        if s is not None and s.lag_blocks is not None and s.indexed_block_time is not None:
            lag_seconds = 0.0 if s.lag_blocks == 0 or s.head_seen_at is None else max(
                0.0, (s.head_seen_at - s.indexed_block_time).total_seconds())
        items.append(ChainOut(
            chain_id=chain.chain_id, name=chain.name, display_name=chain.display_name, testnet=chain.testnet,
            local=chain.local, explorer_url=str(chain.explorer_url).rstrip("/") if chain.explorer_url else None,
            native_currency=NativeCurrencyOut(**chain.native_currency.model_dump()),
            confirmations=chain.finality.confirmations, finality_tag=chain.finality.tag,
            block_time_seconds=chain.block_time_seconds,
            carbon=CarbonFactorOut(grams_co2e_per_gas=chain.carbon.grams_co2e_per_gas, source=chain.carbon.source),
            indexed=s is not None, head_block=s.head_block if s else None,
            indexed_block=s.indexed_block if s else None, confirmed_block=s.confirmed_block if s else None,
            lag_blocks=s.lag_blocks if s else None, lag_seconds=lag_seconds,
            indexed_block_time=s.indexed_block_time if s else None, head_seen_at=s.head_seen_at if s else None,
            reorg_count=s.reorg_count if s else 0, last_reorg_depth=s.last_reorg_depth if s else None,
            last_reorg_at=s.last_reorg_at if s else None,
        ))
    return ChainList(items=items)


def deployments(directory: DeploymentDirectory, selected: list[ChainConfig]) -> DeploymentList:
    items = []
    for chain in selected:
        dep = directory.get(chain.chain_id)
        if dep is None:
            items.append(ChainDeployment(chain_id=chain.chain_id, chain=chain.name, deployed=False))
            continue
        contracts = [
            DeployedContractOut(name=name, address=c.address, block_number=c.block_number, tx_hash=c.tx_hash,
                                explorer_url=chain.explorer_address_url(c.address))
            for name, c in sorted(dep.contracts.items())
        ]
        items.append(ChainDeployment(chain_id=chain.chain_id, chain=chain.name, deployed=True, deployer=dep.deployer,
                                     deployed_at=dep.deployed_at, updated_at=dep.updated_at, contracts=contracts))
    return DeploymentList(items=items)
