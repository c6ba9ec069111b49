"""The chain registry: one typed, validated description of every EVM chain Lancer knows.

Loaded from ``CHAIN_REGISTRY_JSON`` (JSON text or a path to a JSON file), in the full form or in the
product plan's short form (a list of ``{name, chainId, rpcUrl, explorer, nativeCurrency, confirmations}``,
completed from the default registry's chain of the same id); the default registry
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


def _where(loc: tuple[int | str, ...]) -> str:
    """A Pydantic error location as a path into the JSON document: chains[0].rpc_urls[1]."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _invalid(origin: str, exc: ValidationError, prefix: tuple[int | str, ...] = ()) -> ConfigError:
    first = exc.errors()[0]
    where = _where(prefix + tuple(first["loc"]))
    more = f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
    # Pydantic's messages never echo the offending value into ours: RPC URLs may carry API keys.
    return ConfigError(f"{origin} is invalid at {where}: {first['msg']}{more}")


class PlanNativeCurrency(_Strict):
    name: str = Field(min_length=1)
    symbol: str = Field(min_length=1)
    decimals: int = Field(18, ge=0, le=36)


class PlanChain(_Strict):
    """One chain in the product plan's form of ``CHAIN_REGISTRY_JSON`` (camelCase, one RPC URL)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False)

    name: str = Field(min_length=1, max_length=63)
    chainId: int = Field(gt=0, lt=2**63)  # noqa: N815 (the documented JSON field names)
    rpcUrl: AnyHttpUrl  # noqa: N815
    explorer: AnyHttpUrl | None = None
    nativeCurrency: PlanNativeCurrency | Annotated[str, Field(min_length=1, max_length=16)] | None = None  # noqa: N815
    confirmations: int | None = Field(None, ge=0, le=10_000)


_UNKNOWN_CARBON = {"grams_co2e_per_gas": "0",
                   "source": "Unknown: chain not in Lancer's default registry, no emission factor configured"}


def _slug(name: str) -> str:
    slug = "".join(ch if ch.isalnum() else "-" for ch in name.strip().lower()).strip("-")
    while "--" in slug:
        slug = slug.replace("--", "-")
    return slug[:63]


def _from_plan(entry: PlanChain, known: dict[int, ChainConfig]) -> dict[str, object]:
    """A full chain entry: the plan's fields, the rest from the default registry's chain with the same id
    (block time, carbon factor, EAS, finality tag), else conservative defaults."""
    base = known.get(entry.chainId)
    currency = entry.nativeCurrency
    if isinstance(currency, str):
        native = {"name": currency, "symbol": currency, "decimals": 18}
    elif currency is not None:
        native = currency.model_dump()
    else:
        native = base.native_currency.model_dump() if base else {"name": "Ether", "symbol": "ETH", "decimals": 18}
    host = (entry.rpcUrl.host or "").lower()
    local = base.local if base else host in ("127.0.0.1", "localhost", "::1", "[::1]")
    confirmations = entry.confirmations if entry.confirmations is not None else (
        base.finality.confirmations if base else (0 if local else 12))
    return {
        "name": _slug(entry.name), "chain_id": entry.chainId, "display_name": entry.name,
        "rpc_urls": [str(entry.rpcUrl)],
        "explorer_url": str(entry.explorer) if entry.explorer else (str(base.explorer_url) if base and base.explorer_url else None),
        "native_currency": native,
        "finality": {"confirmations": confirmations, "tag": base.finality.tag if base and entry.confirmations is None else None},
        "block_time_seconds": base.block_time_seconds if base else (1 if local else 12),
        "carbon": base.carbon.model_dump(mode="json") if base else _UNKNOWN_CARBON,
        "testnet": base.testnet if base else False, "local": local,
        "eas_address": base.eas_address if base else None,
        "eas_schema_registry_address": base.eas_schema_registry_address if base else None,
    }


def _parse_plan(items: list[object], origin: str) -> ChainRegistry:
    known = {c.chain_id: c for c in _default_registry().chains}
    chains: list[dict[str, object]] = []
    for index, item in enumerate(items):
        try:
            entry = PlanChain.model_validate(item)
        except ValidationError as exc:
            raise _invalid(origin, exc, (index,)) from None
        if not _slug(entry.name):
            raise ConfigError(f"{origin} is invalid at [{index}].name: needs at least one letter or digit")
        chains.append(_from_plan(entry, known))
    try:
        return ChainRegistry.model_validate({"chains": chains})
    except ValidationError as exc:
        raise _invalid(origin, exc) from None


def parse_registry(text: str, origin: str = "CHAIN_REGISTRY_JSON") -> ChainRegistry:
    """A registry from JSON text in either form: ``{"chains": [...]}`` (the full form, snake_case), or the
    product plan's list ``[{"name", "chainId", "rpcUrl", "explorer", "nativeCurrency", "confirmations"}]``."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{origin} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    if isinstance(data, list):
        if not data:
            raise ConfigError(f"{origin} is invalid at (top level): the list of chains is empty")
        return _parse_plan(data, origin)
    if not isinstance(data, dict):
        raise ConfigError(f"{origin} is invalid at (top level): expected a JSON object with \"chains\" or a list of "
                          f"chains, got a JSON {type(data).__name__}")
    try:
        return ChainRegistry.model_validate(data)
    except ValidationError as exc:
        raise _invalid(origin, exc) from None


def _default_registry() -> ChainRegistry:
    return ChainRegistry.model_validate_json(DEFAULT_REGISTRY_PATH.read_text())


def load_registry(value: str | None = None) -> ChainRegistry:
    """Load the registry from JSON text, a JSON file path, or (when empty) the shipped default."""
    if not value or not value.strip():
        return parse_registry(DEFAULT_REGISTRY_PATH.read_text(), origin=str(DEFAULT_REGISTRY_PATH))
    stripped = value.strip()
    if stripped[0] in "{[":
        return parse_registry(stripped)
    path = Path(stripped).expanduser()
    if path.is_file():
        return parse_registry(path.read_text(), origin=str(path))
    # Neither: say what was expected without echoing the value (it may be JSON text with RPC keys in it).
    looks_like_json = stripped[0] in "\"0123456789-tfn"
    raise ConfigError(
        "CHAIN_REGISTRY_JSON must be a JSON object ({\"chains\": [...]}), a JSON list of chains, or the path of "
        "a JSON file; " + ("it holds JSON of another kind" if looks_like_json and _is_json(stripped)
                           else f"no file exists at {stripped!r}" if len(stripped) < 300 and "://" not in stripped
                           else "it is neither"))


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except json.JSONDecodeError:
        return False
    return True


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
