"""Dev tooling: the one dev-accounts definition matches the chains devtools.anvil starts."""

from __future__ import annotations

from web3 import Web3

from devtools.accounts import local_dev_account
from devtools.anvil import AnvilProcess


def test_dev_accounts_are_the_anvil_accounts() -> None:
    with AnvilProcess(chain_id=31399, accounts=3, timestamp=1_700_000_000) as node:
        w3 = Web3(Web3.HTTPProvider(node.url))
        assert w3.eth.accounts == [local_dev_account(i).address for i in range(3)]
        assert w3.eth.get_block(0)["timestamp"] == 1_700_000_000
