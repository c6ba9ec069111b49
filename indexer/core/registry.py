"""The chain registry: one typed, validated description of every EVM chain Lancer knows.

Loaded from ``CHAIN_REGISTRY_JSON`` (JSON text or a path to a JSON file); the default registry
shipped with the package names the public mainnets/testnets and two local anvil chains. The indexer,
the API and the deploy script all read the same object.
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from indexer.core.errors import ConfigError, UnknownChainError
from indexer.core.addresses import ChecksumAddress

DEFAULT_REGISTRY_PATH = Path(__file__).with_name("chains.default.json")

ChainName = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NativeCurrency(_Strict):
    name: str
    symbol: str
    decimals: int = Field(18, ge=0, le=36)


class CarbonFactor(_Strict):
    """Emission factor of a chain, in grams CO2-equivalent per unit of gas, with where it comes from."""

    grams_co2e_per_gas: Decimal = Field(ge=0)
    source: str = Field(min_length=3)


class Finality(_Strict):
    """When a block counts as confirmed: ``confirmations`` deep, or at the node's finality tag."""

    confirmations: int = Field(ge=0, le=10_000)
    tag: Literal["finalized", "safe"] | None = None


class ChainConfig(_Strict):
    name: ChainName
    chain_id: int = Field(gt=0, lt=2**63)
    display_name: str
    rpc_urls: list[AnyHttpUrl] = Field(min_length=1)
    explorer_url: AnyHttpUrl | None = None
    native_currency: NativeCurrency
    finality: Finality
    block_time_seconds: float = Field(gt=0, le=600)
    carbon: CarbonFactor
    testnet: bool = False
    local: bool = False
    # The official EAS deployment on this chain (None: none known; on local chains Lancer deploys its own).
    eas_address: ChecksumAddress | None = None
    eas_schema_registry_address: ChecksumAddress | None = None

    @field_validator("rpc_urls")
    @classmethod
    def _unique_urls(cls, urls: list[AnyHttpUrl]) -> list[AnyHttpUrl]:
        if len({str(u) for u in urls}) != len(urls):
            raise ValueError("rpc_urls contains duplicates")
        return urls

    @property
    def rpc_url_strings(self) -> list[str]:
        return [str(u).rstrip("/") for u in self.rpc_urls]

    def explorer_tx_url(self, tx_hash: str) -> str | None:
        return f"{str(self.explorer_url).rstrip('/')}/tx/{tx_hash}" if self.explorer_url else None

    def explorer_address_url(self, address: str) -> str | None:
        return f"{str(self.explorer_url).rstrip('/')}/address/{address}" if self.explorer_url else None


class ChainRegistry(_Strict):
    chains: list[ChainConfig] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_keys(self) -> ChainRegistry:
        names = [c.name for c in self.chains]
        ids = [c.chain_id for c in self.chains]
        for label, values in (("name", names), ("chain_id", ids)):
            seen: set[object] = set()
            for value in values:
                if value in seen:
                    raise ValueError(f"two chains share the {label} {value!r}")
                seen.add(value)
        return self

    @cached_property
    def _by_name(self) -> dict[str, ChainConfig]:
        return {c.name: c for c in self.chains}

    @cached_property
    def _by_id(self) -> dict[int, ChainConfig]:
        return {c.chain_id: c for c in self.chains}

    def by_name(self, name: str) -> ChainConfig:
        try:
            return self._by_name[name]
        except KeyError:
            known = ", ".join(sorted(self._by_name))
            raise UnknownChainError(f"unknown chain {name!r}; known chains: {known}") from None

    def by_id(self, chain_id: int) -> ChainConfig:
        try:
            return self._by_id[chain_id]
        except KeyError:
            raise UnknownChainError(f"chain id {chain_id} is not in the chain registry") from None

    def has_id(self, chain_id: int) -> bool:
        return chain_id in self._by_id

    def select(self, names: str | list[str]) -> list[ChainConfig]:
        """Chains named in a comma-separated string or a list, in the given order."""
        if isinstance(names, str):
            names = [n.strip() for n in names.split(",") if n.strip()]
        if not names:
            raise UnknownChainError("no chain named; pass at least one chain name")
        return [self.by_name(n) for n in names]

    @property
    def local_chains(self) -> list[ChainConfig]:
        return [c for c in self.chains if c.local]


def parse_registry(text: str, origin: str = "CHAIN_REGISTRY_JSON") -> ChainRegistry:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{origin} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    try:
        return ChainRegistry.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        more = f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
        raise ConfigError(f"{origin} is invalid at {where}: {first['msg']}{more}") from None


def load_registry(value: str | None = None) -> ChainRegistry:
    """Load the registry from JSON text, a JSON file path, or (when empty) the shipped default."""
    if not value or not value.strip():
        return parse_registry(DEFAULT_REGISTRY_PATH.read_text(), origin=str(DEFAULT_REGISTRY_PATH))
    stripped = value.strip()
    if stripped.startswith("{"):
        return parse_registry(stripped)
    path = Path(stripped).expanduser()
    if not path.is_file():
        raise ConfigError(f"CHAIN_REGISTRY_JSON is neither JSON text nor an existing file: {stripped}")
    return parse_registry(path.read_text(), origin=str(path))


def with_rpc_urls(registry: ChainRegistry, urls: dict[int, list[str]]) -> ChainRegistry:
    """A copy of the registry whose chains (by id) use other RPC URLs, e.g. anvils on free ports."""
    chains = [
        c.model_copy(update={"rpc_urls": [AnyHttpUrl(u) for u in urls[c.chain_id]]}) if c.chain_id in urls else c
        for c in registry.chains
    ]
    return ChainRegistry(chains=chains)


def with_carbon_overrides(registry: ChainRegistry, raw: str) -> ChainRegistry:
    """A copy of the registry with per-deployment emission factors: ``raw`` is a JSON object of chain name
    or chain id -> ``{"grams_co2e_per_gas": "...", "source": "..."}`` (CARBON_FACTORS_JSON). Naming a
    chain the registry does not have, or a malformed factor, is a ConfigError."""
    if not raw or not raw.strip():
        return registry
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        raise ConfigError("CARBON_FACTORS_JSON must be a JSON object of chain name or id -> factor") from None
    if not isinstance(data, dict):
        raise ConfigError("CARBON_FACTORS_JSON must be a JSON object of chain name or id -> factor")
    factors: dict[int, CarbonFactor] = {}
    for name, value in data.items():
        try:
            chain = registry.by_id(int(name)) if str(name).strip().isdigit() else registry.by_name(str(name))
        except UnknownChainError as exc:
            raise ConfigError(f"CARBON_FACTORS_JSON: {exc}") from None
        try:
            factors[chain.chain_id] = CarbonFactor.model_validate(value)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ConfigError(f"CARBON_FACTORS_JSON[{name!r}]: {where}: {first['msg']}") from None
    return ChainRegistry(chains=[c.model_copy(update={"carbon": factors[c.chain_id]}) if c.chain_id in factors else c
                                 for c in registry.chains])


def registry_json(registry: ChainRegistry) -> str:
    return registry.model_dump_json()
