"""What `deploy_multichain` configures on each chain: fee, token cap, treasury splits, deployer key."""

from __future__ import annotations

import json
import os
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from indexer.anvil import ANVIL_MNEMONIC
from indexer.errors import ConfigError
from indexer.registry import ChainConfig
from indexer.settings import ChainSettings
from indexer.types import ChecksumAddress

Account.enable_unaudited_hdwallet_features()

MAX_FEE_BPS = 1000
DEFAULT_LOCAL_SPLITS = (("operations", 5000, 7), ("offset", 3000, 8), ("social", 2000, 9))


class SplitConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    to: ChecksumAddress
    bps: int = Field(gt=0, le=10_000)
    kind: str = Field(min_length=1, max_length=32, pattern=r"^[a-z0-9_-]+$")

    @property
    def kind_bytes32(self) -> bytes:
        return self.kind.encode().ljust(32, b"\0")


class DeploySettings(ChainSettings):
    platform_fee_bps: int = Field(250, ge=0, le=MAX_FEE_BPS, description="Escrow fee to the treasury")
    token_cap: int = Field(1_000_000_000 * 10**18, gt=0, description="LNC hard cap in base units")
    treasury_splits_json: str = Field("", description="JSON list of {to, bps, kind}; bps sum to 10000")
    ape_account: str = Field("", description="Alias of an ape keystore account to deploy with")
    ape_account_passphrase: SecretStr | None = None

    @field_validator("token_cap", mode="before")
    @classmethod
    def _int_text(cls, value: object) -> object:
        # Caps above 2**53 must arrive as exact integers, never floats.
        return int(value) if isinstance(value, str) and value.isdigit() else value


# The 10 accounts of anvil's default mnemonic: their keys are public, so they must never hold real value
# nor sign for Lancer outside local chains (checked by the deployer and by the API's production guardrails).
ANVIL_DEV_ADDRESSES = frozenset({
    "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
    "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65", "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
    "0x976EA74026E726554dB657fA54763abd0C3a0aa9", "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955",
    "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f", "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720",
})


def local_dev_account(index: int) -> LocalAccount:
    """anvil's well-known account `index` (funded with test ether on local chains only)."""
    return Account.from_mnemonic(ANVIL_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}")


def splits_for(chain: ChainConfig, settings: DeploySettings) -> list[SplitConfig]:
    raw = settings.treasury_splits_json.strip()
    if not raw:
        if not chain.local:
            raise ConfigError(f"TREASURY_SPLITS_JSON is not set; it is required to deploy to {chain.name}")
        return [SplitConfig(to=local_dev_account(i).address, bps=bps, kind=k) for k, bps, i in DEFAULT_LOCAL_SPLITS]
    try:
        splits = [SplitConfig.model_validate(item) for item in json.loads(raw)]
    except (json.JSONDecodeError, TypeError):
        raise ConfigError("TREASURY_SPLITS_JSON must be a JSON list of {\"to\", \"bps\", \"kind\"}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ConfigError(f"TREASURY_SPLITS_JSON: {'.'.join(map(str, first['loc']))}: {first['msg']}") from None
    if sum(s.bps for s in splits) != 10_000:
        raise ConfigError(f"TREASURY_SPLITS_JSON: bps must sum to 10000, not {sum(s.bps for s in splits)}")
    return splits


def deployer_account(chain: ChainConfig, settings: DeploySettings) -> LocalAccount:
    """The key that deploys: DEPLOYER_PRIVATE_KEY, else an ape keystore account, else (local only) anvil #0."""
    if settings.deployer_private_key is not None:
        try:
            account: LocalAccount = Account.from_key(settings.deployer_private_key.get_secret_value())
        except Exception:
            raise ConfigError("DEPLOYER_PRIVATE_KEY is not a valid private key (32 bytes of hex)") from None
        if not chain.local and account.address in ANVIL_DEV_ADDRESSES:
            raise ConfigError(f"DEPLOYER_PRIVATE_KEY is one of anvil's public development keys; "
                              f"refusing to deploy to {chain.name} with it")
        return account
    if settings.ape_account:
        return _ape_keystore_account(settings)
    if chain.local:
        return local_dev_account(0)
    raise ConfigError(f"no deployer key for {chain.name}: set DEPLOYER_PRIVATE_KEY or APE_ACCOUNT")


def _ape_keystore_account(settings: DeploySettings) -> LocalAccount:
    alias = settings.ape_account
    data_folder = Path(os.environ.get("APE_DATA_FOLDER", Path.home() / ".ape"))
    keyfile = data_folder / "accounts" / f"{alias}.json"
    if not keyfile.is_file():
        raise ConfigError(f"ape account {alias!r} not found at {keyfile}")
    if settings.ape_account_passphrase is None:
        raise ConfigError("APE_ACCOUNT_PASSPHRASE is not set; it unlocks the ape account")
    try:
        key = Account.decrypt(json.loads(keyfile.read_text()), settings.ape_account_passphrase.get_secret_value())
    except ValueError:
        raise ConfigError(f"wrong passphrase for ape account {alias!r}") from None
    return Account.from_key(key)
