"""The deployment files the API reports from (re-read only when they change) and the token metadata
amounts are reported with (LNC from the deployment, the chain's native coin, else unknown)."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

from indexer.core.addresses import ZERO_ADDRESS
from indexer.core.deployments import Deployment, deployment_path, load_deployment
from indexer.core.errors import LancerError
from indexer.core.registry import ChainConfig

LNC_DECIMALS = 18


@dataclass(frozen=True)
class TokenInfo:
    address: str | None  # None: the chain's native coin
    symbol: str | None
    decimals: int | None


class DeploymentDirectory:
    """One per app (``app.state.deployments``), over ``settings.deployments_dir``."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = directory
        self._cache: dict[int, tuple[float, Deployment | None]] = {}
        self._lock = threading.Lock()

    def get(self, chain_id: int) -> Deployment | None:
        """The chain's deployment file, re-read only when it changes."""
        path = deployment_path(self.directory, chain_id)
        try:
            mtime = os.stat(path).st_mtime
        except OSError:
            return None
        with self._lock:
            cached = self._cache.get(chain_id)
            if cached is not None and cached[0] == mtime:
                return cached[1]
        found = load_deployment(self.directory, chain_id)
        with self._lock:
            self._cache[chain_id] = (mtime, found)
        return found

    def lnc_address(self, chain_id: int) -> str | None:
        dep = self.get(chain_id)
        if dep is None:
            return None
        try:
            return dep.address("LancerToken")
        except LancerError:
            return None

    def token_info(self, chain: ChainConfig, token: str) -> TokenInfo:
        if token == ZERO_ADDRESS:
            return TokenInfo(None, chain.native_currency.symbol, chain.native_currency.decimals)
        if token == self.lnc_address(chain.chain_id):
            return TokenInfo(token, "LNC", LNC_DECIMALS)
        return TokenInfo(token, None, None)
