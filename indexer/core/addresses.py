"""Addresses and hashes: the one checksum helper and the one zero address of Lancer."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from eth_utils import is_address, to_checksum_address
from pydantic import AfterValidator, Field

# The mint source / burn sink of tokens and the "native coin" token address.
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"


@lru_cache(maxsize=65536)
def checksum(value: str) -> str:
    """EIP-55 checksummed form of an address given in any case; ValueError if it is not one.

    Cached: the indexer's hot loop sees the same few thousand addresses in every batch, and EIP-55
    costs a keccak each.
    """
    if not isinstance(value, str) or not is_address(value):
        raise ValueError(f"not an EVM address: {value!r}")
    return to_checksum_address(value)


ChecksumAddress = Annotated[str, AfterValidator(checksum)]
Hex32 = Annotated[str, Field(pattern=r"^0x[0-9a-fA-F]{64}$")]
