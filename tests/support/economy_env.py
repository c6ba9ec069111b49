"""The token economy seen through the API: one anvil with Lancer plus MerkleDistributor and LancerStaking,
a fresh database, the API (with an admin wallet) and an indexer run on demand. Built by the ``economy``
fixture of tests/api/economy."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from api.settings import ApiSettings
from devtools.accounts import local_dev_account
from devtools.anvil import AnvilProcess
from indexer.core.db import make_engine
from indexer.core.registry import ChainConfig
from tests.support.api_client import ADMIN, bearer, login, login_with_2fa
from tests.support.chainkit import deploy_platform
from tests.support.economy_chain import Economy, deploy_economy
from tests.support.indexing import chain_config, sync
from tests.support.stack_settings import stack_settings

CONFIRMATIONS = 2


@dataclass
class EconomyEnv:
    eco: Economy
    chain: ChainConfig
    engine: Engine
    settings: ApiSettings
    client: TestClient

    @property
    def p(self) -> Any:
        return self.eco.platform

    def index(self) -> None:
        """Mine past the confirmation depth, then index to the head."""
        self.p.node.rpc("anvil_mine", [hex(CONFIRMATIONS + 1)])
        sync(self.engine, self.chain, self.p)

    def headers(self, user_index: int) -> dict[str, str]:
        """A signed-in session of platform user ``user_index`` (anvil account user_index + 1)."""
        return bearer(login(self.client, local_dev_account(user_index + 1))["tokens"]["access_token"])

    def admin_headers(self) -> dict[str, str]:
        return bearer(login_with_2fa(self.client, ADMIN)["access_token"])

    def send(self, tx: dict[str, Any]) -> Any:
        """Send a prepared transaction from its (anvil-unlocked) wallet; the receipt, which must succeed."""
        w3 = self.p.w3
        h = w3.eth.send_transaction({"from": tx["from"], "to": tx["to"], "data": tx["data"],
                                     "value": int(tx["value"]), "chainId": tx["chainId"], "gas": 1_000_000})
        receipt = w3.eth.wait_for_transaction_receipt(h)
        assert receipt["status"] == 1, tx["description"]
        return receipt


@contextmanager
def economy_env(database_url: str, redis_url: str, redis_prefix: str, deployments: Path,
                **overrides: Any) -> Iterator[EconomyEnv]:
    node = AnvilProcess(31337).start()
    try:
        platform = deploy_platform(node, deployments, seed=17)
        eco = deploy_economy(platform, deployments)
        chain = chain_config(node, confirmations=CONFIRMATIONS, name="anvil-1")
        settings = stack_settings(database_url, redis_url, f"{redis_prefix}{secrets.token_hex(3)}:", [chain],
                                  deployments, **{"admin_addresses": [ADMIN.address], "cache_version_ttl_seconds": 0,
                                                  **overrides})
        engine = make_engine(database_url)
        try:
            with TestClient(create_app(settings), raise_server_exceptions=False) as client:
                yield EconomyEnv(eco, chain, engine, settings, client)
        finally:
            engine.dispose()
    finally:
        node.stop()
