"""What `deploy_multichain` configures on each chain: fee, token cap, treasury splits, deployer key.

``local_dev_account`` is re-exported from ``devtools.accounts`` (anvil's accounts deploy on local chains).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from devtools.accounts import ANVIL_DEV_ADDRESSES, local_dev_account
from indexer.core.addresses import ChecksumAddress
from indexer.core.errors import ConfigError
from indexer.core.registry import ChainConfig
from indexer.core.settings import ChainSettings

__all__ = ["DeploySettings", "SplitConfig", "deployer_account", "local_dev_account", "splits_for"]

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
    rewards_claim_window_seconds: int = Field(90 * 24 * 3600, ge=24 * 3600, le=3650 * 24 * 3600,
                                              description="MerkleDistributor: how long an epoch stays claimable")
    staking_unbonding_seconds: int = Field(7 * 24 * 3600, ge=0, le=365 * 24 * 3600,
                                           description="LancerStaking: seconds between unstake request and withdrawal")
    ape_account_passphrase: SecretStr | None = None

    @field_validator("token_cap", mode="before")
    @classmethod
    def _int_text(cls, value: object) -> object:
        # Caps above 2**53 must arrive as exact integers, never floats.
        return int(value) if isinstance(value, str) and value.isdigit() else value


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
