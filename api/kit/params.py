"""Shared inputs of the read API: addresses (any case in, checksummed out, 422 otherwise), chains
(by registry name or chain id), and the deployment directory (``api.kit.deployments``)."""

from __future__ import annotations

import functools
from typing import Annotated

from eth_utils import is_checksum_address
from fastapi import Path, Query, Request

from api.kit.deployments import DeploymentDirectory
from api.kit.problems import Problem
from indexer.core.errors import LancerError
from indexer.core.registry import ChainConfig, ChainRegistry
from indexer.core.addresses import checksum

ADDRESS_PATTERN = r"^0x[0-9a-fA-F]{40}$"

AddressPath = Annotated[str, Path(pattern=ADDRESS_PATTERN, description="EVM address, any case (checksum verified when mixed case)")]
AddressQuery = Annotated[str | None, Query(pattern=ADDRESS_PATTERN, description="EVM address, any case")]
ChainQuery = Annotated[str | None, Query(max_length=64, description="Chain registry name (e.g. `anvil-1`) or chain id")]


@functools.lru_cache(maxsize=8192)
def _eip55(value: str) -> str | None:
    """The EIP-55 form of ``value``, None when it is not an address. Pure, and it costs two keccaks, so the
    addresses a process keeps being asked about are remembered (bounded LRU)."""
    try:
        body = value[2:] if value[:2] in ("0x", "0X") else ""
        if body != body.lower() and body != body.upper() and not is_checksum_address(value):
            return None  # mixed case must carry a valid checksum
        return checksum(value)
    except ValueError:
        return None


def address(value: str, field: str = "address") -> str:
    """The EIP-55 form of an address; a 422 problem for anything that is not one (bad checksum included)."""
    found = _eip55(value)
    if found is None:
        raise Problem(422, f"{field}: not a valid EVM address (mixed-case input must carry a valid EIP-55 checksum)",
                      type_="invalid-address", errors=[{"loc": [field], "msg": "invalid address", "type": "address"}])
    return found


def optional_address(value: str | None, field: str) -> str | None:
    return None if value is None else address(value, field)


def registry(request: Request) -> ChainRegistry:
    return request.app.state.registry  # type: ignore[no-any-return]


def resolve_chain(request: Request, value: str | int | None) -> ChainConfig | None:
    """A chain from the registry by name or id; None when not given; 422 when unknown."""
    if value is None or value == "":
        return None
    reg = registry(request)
    text = str(value).strip()
    try:
        return reg.by_id(int(text)) if text.isdigit() else reg.by_name(text)
    except (LancerError, ValueError):
        raise Problem(422, f"unknown chain {text!r}; see /v1/chains", type_="unknown-chain") from None


def chain_by_id(request: Request, chain_id: int) -> ChainConfig:
    reg = registry(request)
    if not reg.has_id(chain_id):
        raise Problem(404, f"chain {chain_id} is not in the registry; see /v1/chains", type_="unknown-chain")
    return reg.by_id(chain_id)


def deployments(request: Request) -> DeploymentDirectory:
    return request.app.state.deployments  # type: ignore[no-any-return]
