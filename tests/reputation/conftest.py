"""Reputation fixtures: one anvil with Lancer + EAS, a fresh database, the API on it, an indexer
(run on demand, to the head) and an rq worker (burst) for the attestation jobs. Nothing is mocked."""

from __future__ import annotations

import base64
import json
import secrets
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from redis import Redis
from rq import SimpleWorker
from sqlalchemy import Engine
from web3 import Web3
from web3.contract import Contract

from api import jobs
from api.app import create_app
from api.settings import ApiSettings
from devtools.accounts import local_dev_account
from devtools.anvil import AnvilProcess
from indexer.sources.platform import platform_contract_set
from indexer.core.db import make_engine
from indexer.core.registry import ChainConfig, ChainRegistry, registry_json
from indexer.sync import SyncOptions
from indexer.worker import run_chain
from tests.api.conftest import DOMAIN, URI, bearer, login
from tests.support.chainkit import Platform, deploy_platform
from tests.support.indexing import chain_config
from tests.support.easkit import add_eas, mine

CONFIRMATIONS = 2
ADMIN = Account.from_key("0x" + "b2" * 32)
VERIFIER = Account.from_key("0x" + "c3" * 32)
ZERO = "0x" + "00" * 20


@dataclass
class Env:
    platform: Platform
    eas: Contract
    chain: ChainConfig
    engine: Engine
    settings: ApiSettings
    client: TestClient
    redis: Redis

    @property
    def w3(self) -> Web3:
        return self.platform.w3

    def index(self) -> None:
        """Confirm everything sent so far (mine past the confirmation depth), then index to the head."""
        mine(self.platform, CONFIRMATIONS + 1)
        run_chain(self.engine, self.chain, platform_contract_set(self.platform.deployment, self.chain),
                  stop=threading.Event(), options=SyncOptions(initial_range=50, max_range=500, poll_interval=0.05),
                  stop_at_head=True)

    def run_jobs(self) -> None:
        SimpleWorker([jobs.get_queue(self.settings, self.redis)], connection=self.redis).work(burst=True)

    def token_for(self, account: LocalAccount) -> dict[str, str]:
        out = login(self.client, account)
        return bearer(out["tokens"]["access_token"])

    def account(self, index: int) -> LocalAccount:
        """anvil account ``index`` with its key (chainkit's users are accounts 1-7)."""
        acct = local_dev_account(index)
        assert acct.address == self.platform.w3.eth.accounts[index]
        return acct


@pytest.fixture(scope="module")
def env(database_factory: Callable[[str], str], redis_url: str, redis_prefix: str,
        tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[Env]:
    # A module may start its chain in the past (ANVIL_ARGS = ["--timestamp", ...]) to make decay visible.
    node = AnvilProcess(31337, extra_args=list(getattr(request.module, "ANVIL_ARGS", []))).start()
    try:
        deployments = tmp_path_factory.mktemp("rep-deployments")
        platform = deploy_platform(node, deployments, seed=21)
        eas = add_eas(platform, deployments)
        chain = chain_config(node, confirmations=CONFIRMATIONS, name="anvil-1")
        url = database_factory(f"rep_{request.module.__name__.rsplit('.', 1)[-1][:20]}")
        prefix = f"{redis_prefix}{secrets.token_hex(3)}:"
        settings = ApiSettings(
            database_url=url, redis_url=redis_url, redis_key_prefix=prefix, environment="test",
            chain_registry_json=registry_json(ChainRegistry(chains=[chain])), deployments_dir=Path(deployments),
            siwe_domain=DOMAIN, siwe_uri=URI, jwt_keys=json.dumps({"k1": secrets.token_urlsafe(48)}),
            jwt_active_kid="k1", totp_encryption_keys=json.dumps({"t1": base64.b64encode(secrets.token_bytes(32)).decode()}),
            totp_active_kid="t1", admin_addresses=[ADMIN.address], verifier_addresses=[VERIFIER.address],
            ratelimit_enabled=False, _env_file=None)  # type: ignore[call-arg]
        jobs.configure(settings)
        engine = make_engine(url)
        redis = Redis.from_url(redis_url)
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            yield Env(platform, eas, chain, engine, settings, client, redis)
        engine.dispose()
        redis.close()
    finally:
        node.stop()


def completed_escrow(p: Platform, client: str, freelancer: str, arbiter: str, amounts: list[int], *,
                     native: bool = False, submit: tuple[int, ...] = (), dispute: dict[int, int] | None = None
                     ) -> tuple[str, list[Any]]:
    """An escrow taken to completion: funded, accepted, milestones in ``submit`` submitted first, those in
    ``dispute`` disputed by the client and resolved with that freelancer share (bps), the rest released
    by the client. Returns the escrow and the receipts in order."""
    dispute = dispute or {}
    token = ZERO if native else p.token.address
    receipts = [p.tx(p.factory.functions.createEscrow(client, freelancer, arbiter, token, amounts, 3600,
                                                      Web3.keccak(text=f"job {p.rng.random()}")), client)]
    escrow_address = p.factory.events.EscrowCreated().process_receipt(receipts[0])[0]["args"]["escrow"]
    esc = p.escrow(escrow_address)
    total = sum(amounts)
    if native:
        receipts.append(p.tx(esc.functions.fund(), client, value=total))
    else:
        p.tx(p.token.functions.mint(client, total), p.admin)
        p.tx(p.token.functions.approve(escrow_address, total), client)
        receipts.append(p.tx(esc.functions.fund(), client))
    receipts.append(p.tx(esc.functions.accept(), freelancer))
    for i in submit:
        receipts.append(p.tx(esc.functions.submitMilestone(i, Web3.keccak(text=f"d{i}")), freelancer))
    for i in range(len(amounts)):
        if i in dispute:
            receipts.append(p.tx(esc.functions.openDispute(i, Web3.keccak(text="late")), client))
            receipts.append(p.tx(esc.functions.resolveDispute(i, dispute[i]), arbiter))
        else:
            receipts.append(p.tx(esc.functions.releaseMilestone(i), client))
    assert esc.functions.completed().call()
    return escrow_address, receipts
