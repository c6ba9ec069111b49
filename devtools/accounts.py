"""anvil's well-known dev accounts: one mnemonic, for the chains ``devtools.anvil`` starts, the local
deploys, the demo, the benches and the tests. They only ever hold local test ether."""

from __future__ import annotations

from eth_account import Account
from eth_account.signers.local import LocalAccount

Account.enable_unaudited_hdwallet_features()

# anvil's default mnemonic.
ANVIL_MNEMONIC = "test test test test test test test test test test test junk"


def local_dev_account(index: int) -> LocalAccount:
    """anvil's well-known account ``index`` (funded with test ether on local chains only)."""
    return Account.from_mnemonic(ANVIL_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}")
