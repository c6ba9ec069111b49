"""One anvil with Lancer whose activity spans two UTC months (anvil's evm_setNextBlockTimestamp), a fresh
database, the API with an admin, and a local Patch-style offset provider that checks every request."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
import time
from typing import Any

import pytest

from devtools.accounts import local_dev_account
from tests.support.api_client import bearer, login_with_2fa
from tests.support.ledger_env import Ledger, ledger
from tests.support.offset_provider import FakePatch, patch_server
from tests.support.reputation_env import completed_escrow

ADMIN = local_dev_account(9)
JAN = datetime(2027, 1, 10, 12, tzinfo=UTC)
FEB = datetime(2027, 2, 10, 12, tzinfo=UTC)
ZERO = "0x" + "00" * 20


def label(kind: str) -> bytes:
    return kind.encode().ljust(32, b"\0")


@dataclass
class Env:
    ledger: Ledger
    provider: FakePatch
    receipts: dict[str, list[Any]] = field(default_factory=dict)  # month -> receipts of the platform's txs
    _admin: tuple[float, dict[str, str]] | None = None

    def admin_headers(self) -> dict[str, str]:
        """An admin session (2FA), reused for a while: each sign-in spends one of ten backup codes."""
        if self._admin is None or time.monotonic() - self._admin[0] > 200:
            token = login_with_2fa(self.ledger.client, ADMIN)["access_token"]
            self._admin = (time.monotonic(), bearer(token))
        return self._admin[1]


@pytest.fixture(scope="package")
def patch_provider() -> Iterator[FakePatch]:
    with patch_server(api_key="key_test_s3cr3t_value") as server:
        yield server


@pytest.fixture(scope="package")
def env(database_factory: Callable[[str], str], redis_url: str, redis_prefix: str,
        tmp_path_factory: pytest.TempPathFactory, patch_provider: FakePatch) -> Iterator[Env]:
    with ledger(database_factory("sustain"), redis_url, redis_prefix, tmp_path_factory.mktemp("sus-dep"),
                admin_addresses=[ADMIN.address], offset_provider="patch",
                offset_provider_api_key="key_test_s3cr3t_value",
                offset_provider_base_url=patch_provider.base_url) as led:
        p = led.platform
        client, freelancer, arbiter = p.users[0], p.users[1], p.users[2]
        splits = [(p.users[5], 5000, label("operations")), (p.users[6], 3000, label("offset")),
                  (p.admin, 2000, label("social"))]
        p.tx(p.treasury.functions.setSplits(splits), p.admin)
        out = Env(led, patch_provider)
        for month, when, native in (("2027-01", JAN, False), ("2027-02", FEB, True)):
            p.node.rpc("evm_setNextBlockTimestamp", [int(when.timestamp())])
            _, receipts = completed_escrow(p, client, freelancer, arbiter, [4 * 10**18, 6 * 10**18], native=native)
            _, more = completed_escrow(p, client, freelancer, arbiter, [10**18], native=native)
            token = ZERO if native else p.token.address
            receipts += more + [p.tx(p.treasury.functions.distribute(token), p.admin)]
            out.receipts[month] = receipts
        led.index()
        yield out
