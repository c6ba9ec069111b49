"""One anvil with Lancer, a fresh database and the API, shared by the transactions and invoices tests
(both read the same money): an escrow paid in LNC and one in the native coin, both completed, and a
plain transfer; indexed and confirmed."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.support.ledger_env import Ledger, ledger
from tests.support.reputation_env import completed_escrow


@pytest.fixture(scope="package")
def money(database_factory: Callable[[str], str], redis_url: str, redis_prefix: str,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ledger]:
    with ledger(database_factory("ledger_tx"), redis_url, redis_prefix, tmp_path_factory.mktemp("tx-dep")) as env:
        p = env.platform
        client, freelancer, arbiter, stranger = p.users[0], p.users[1], p.users[2], p.users[3]
        completed_escrow(p, client, freelancer, arbiter, [10 * 10**18, 5 * 10**18])
        completed_escrow(p, client, freelancer, arbiter, [3 * 10**18], native=True)
        p.tx(p.token.functions.transfer(stranger, 7), client)
        env.index()
        yield env
