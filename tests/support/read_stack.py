"""The read API's real stack as a value: chains (anvil + deployed Lancer + demo), the API client, and
waiting for the indexer. Built by the ``readapi_stack`` fixture (tests/api/reads/conftest.py)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from web3 import Web3

from api.settings import ApiSettings
from contracts.client import LancerContracts
from contracts.demo import DemoResult
from devtools.anvil import AnvilProcess
from indexer.core.registry import ChainConfig

CHAIN_IDS = (31337, 31338)
CONFIRMATIONS = 3


@dataclass
class ChainUnderTest:
    config: ChainConfig
    node: AnvilProcess
    w3: Web3
    lancer: LancerContracts
    demo: DemoResult


@dataclass
class Stack:
    chains: dict[int, ChainUnderTest]
    client: TestClient
    settings: ApiSettings
    deployments_dir: Path

    def wait_indexed(self, chain_id: int, block: int | None = None, timeout: float = 30.0) -> None:
        """Until the index of ``chain_id`` holds ``block`` (default: the node's head)."""
        target = self.chains[chain_id].w3.eth.block_number if block is None else block
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            items = {c["chain_id"]: c for c in self.client.get("/v1/chains").json()["items"]}
            c = items[chain_id]
            if (c["indexed_block"] or -1) >= target and c["head_block"] == self.chains[chain_id].w3.eth.block_number:
                return
            time.sleep(0.05)
        raise AssertionError(f"chain {chain_id} not indexed up to {target} in {timeout}s")

    def mine_confirmations(self, chain_id: int) -> None:
        self.chains[chain_id].node.mine(CONFIRMATIONS + 1)
        self.wait_indexed(chain_id)


def get_ok(client: TestClient, url: str, **kwargs: Any) -> Any:
    r = client.get(url, **kwargs)
    assert r.status_code == 200, (url, r.status_code, r.text[:500])
    return r.json()
