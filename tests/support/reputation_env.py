"""The reputation domain's real environment as a value: one anvil with Lancer + EAS, the API, an
indexer run on demand and an rq worker; plus escrows taken to completion. The ``env`` fixture
(tests/api/reputation/conftest.py) builds it."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from redis import Redis
from rq import SimpleWorker
from sqlalchemy import Engine
from web3 import Web3
from web3.contract import Contract

from api.kit import queue as jobs
from api.settings import ApiSettings
from devtools.accounts import local_dev_account
from indexer.sources.platform import platform_contract_set
from indexer.core.registry import ChainConfig
from indexer.sync import SyncOptions
from indexer.worker import run_chain
from tests.support.chainkit import Platform
from tests.support.easkit import mine
from tests.support.api_client import bearer, login, login_with_2fa

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
        # The indexer is another writer: the API's reads follow it within CACHE_VERSION_TTL_SECONDS (its
        # documented bound), so the test reads after that bound as a client of a real deployment would.
        time.sleep(self.settings.cache_version_ttl_seconds)

    def run_jobs(self) -> None:
        SimpleWorker([jobs.get_queue(self.settings, self.redis)], connection=self.redis).work(burst=True)

    def token_for(self, account: LocalAccount) -> dict[str, str]:
        if account.address in self.settings.admin_addresses + self.settings.verifier_addresses:
            # Admin and verifier actions need a session that proved TOTP 2FA.
            return bearer(login_with_2fa(self.client, account)["access_token"])
        out = login(self.client, account)
        return bearer(out["tokens"]["access_token"])

    def account(self, index: int) -> LocalAccount:
        """anvil account ``index`` with its key (chainkit's users are accounts 1-7)."""
        acct = local_dev_account(index)
        assert acct.address == self.platform.w3.eth.accounts[index]
        return acct


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
