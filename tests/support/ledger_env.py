"""Money seen from a user: one anvil with Lancer, a fresh database, the API on it and an indexer run
on demand. Built by the ``ledger`` fixtures of tests/api/transactions, invoices and chainfeed."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from api.kit.crypto import data_key_ring
from api.kit.encrypted import attach_key_ring
from api.settings import ApiSettings
from devtools.accounts import local_dev_account
from devtools.anvil import AnvilProcess
from indexer.core.db import make_engine
from indexer.core.registry import ChainConfig
from tests.support.api_client import bearer, login
from tests.support.chainkit import Platform, deploy_platform
from tests.support.indexing import chain_config, sync
from tests.support.stack_settings import stack_settings

CONFIRMATIONS = 2


@dataclass
class Ledger:
    platform: Platform
    chain: ChainConfig
    engine: Engine
    settings: ApiSettings
    client: TestClient

    def index(self, confirm: bool = True) -> None:
        """Index to the head; with ``confirm``, first mine past the confirmation depth."""
        if confirm:
            self.platform.node.rpc("anvil_mine", [hex(CONFIRMATIONS + 1)])
        sync(self.engine, self.chain, self.platform)

    def account(self, index: int) -> LocalAccount:
        """anvil account ``index`` (chainkit's users are accounts 1-7)."""
        return local_dev_account(index)

    def headers(self, account: Any) -> dict[str, str]:
        return bearer(login(self.client, account)["tokens"]["access_token"])


@contextmanager
def ledger(database_url: str, redis_url: str, redis_prefix: str, deployments: Path,
           **overrides: Any) -> Iterator[Ledger]:
    node = AnvilProcess(31337).start()
    try:
        platform = deploy_platform(node, deployments, seed=5)
        chain = chain_config(node, confirmations=CONFIRMATIONS, name="anvil-1")
        settings = stack_settings(database_url, redis_url, f"{redis_prefix}{secrets.token_hex(3)}:", [chain],
                                  deployments, **overrides)
        engine = attach_key_ring(make_engine(database_url), data_key_ring(settings))
        try:
            with TestClient(create_app(settings), raise_server_exceptions=False) as client:
                yield Ledger(platform, chain, engine, settings, client)
        finally:
            engine.dispose()
    finally:
        node.stop()
