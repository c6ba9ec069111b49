"""The marketplace's real environment as a value: one anvil with Lancer deployed, the API on a fresh
database, an indexer run on demand (to the head), and helpers to sign in anvil accounts and to sign and
send the transactions the API prepares. Built by the ``market`` fixture (tests/api/marketplace/conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from web3 import Web3

from devtools.accounts import local_dev_account
from indexer.core.registry import ChainConfig
from tests.support.api_client import bearer, login, login_with_2fa
from tests.support.chainkit import Platform
from tests.support.indexing import sync

CONFIRMATIONS = 2


@dataclass
class MarketEnv:
    platform: Platform
    chain: ChainConfig
    engine: Engine
    client: TestClient

    @property
    def w3(self) -> Web3:
        return self.platform.w3

    def index(self) -> None:
        """Index the chain up to its head (without mining: pending events stay pending)."""
        sync(self.engine, self.chain, self.platform)

    def confirm(self) -> None:
        self.platform.node.mine(CONFIRMATIONS + 1)
        self.index()

    def user(self, index: int, handle: str | None = None, *, mfa: bool = False) -> tuple[LocalAccount, dict[str, str]]:
        """anvil account ``index`` signed in (with a second factor when ``mfa``: verifiers and admins need
        one), and given a profile when ``handle``: (account, auth headers)."""
        account = local_dev_account(index)
        tokens = login_with_2fa(self.client, account) if mfa else login(self.client, account)["tokens"]
        headers = bearer(tokens["access_token"])
        if handle:
            r = self.client.patch("/v1/me/profile", headers=headers,
                                  json={"handle": handle, "display_name": handle.title()})
            assert r.status_code == 200, r.text
        return account, headers

    def send(self, account: LocalAccount, tx: dict[str, Any]) -> Any:
        """Sign a prepared transaction with the account's key and send it; the receipt (status checked)."""
        assert tx["from"] == account.address, (tx["from"], account.address)
        fields = {"chainId": tx["chainId"], "to": tx["to"], "data": tx["data"], "value": int(tx["value"]),
                  "nonce": self.w3.eth.get_transaction_count(account.address, "pending"),
                  "gasPrice": self.w3.eth.gas_price, "from": account.address}
        fields["gas"] = self.w3.eth.estimate_gas(fields)  # type: ignore[arg-type]
        del fields["from"]
        signed = account.sign_transaction(fields)
        receipt = self.w3.eth.wait_for_transaction_receipt(self.w3.eth.send_raw_transaction(signed.raw_transaction))
        assert receipt["status"] == 1, receipt
        return receipt
