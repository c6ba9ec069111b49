"""Addresses and hashes: the one checksum helper and the one zero address of Lancer."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Annotated

from Crypto.Hash import keccak
from eth_utils import is_address, to_checksum_address
from pydantic import AfterValidator, Field

# The mint source / burn sink of tokens and the "native coin" token address.
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"

_HEX40 = re.compile(r"[0-9a-f]{40}")


@lru_cache(maxsize=65536)
def _eip55(lower: str) -> str:
    """EIP-55 of 40 lowercase hex digits (a keccak through pycryptodome directly: eth-utils' layers
    of validation cost ~4x the hash itself)."""
    digest = keccak.new(data=lower.encode(), digest_bits=256).hexdigest()
    return "0x" + "".join(c.upper() if d in "89abcdef" else c for c, d in zip(lower, digest))


@lru_cache(maxsize=65536)
def checksum(value: str) -> str:
    """EIP-55 checksummed form of an address given in any case; ValueError if it is not one.

    Cached: the indexer's hot loop sees the same few thousand addresses in every batch, and EIP-55
    costs a keccak each. A ``0x`` address is hashed once whatever its case (a decoded log names it
    in lowercase, the checksummed form then comes back from the event's arguments); anything else
    goes through eth-utils' rules.
    """
    if isinstance(value, str) and len(value) == 42 and value.startswith("0x"):
        lower = value[2:].lower()
        if _HEX40.fullmatch(lower):
            return _eip55(lower)  # any case, as eth-utils' is_address (5.x) accepts it
    if not isinstance(value, str) or not is_address(value):
        raise ValueError(f"not an EVM address: {value!r}")
    return to_checksum_address(value)


ChecksumAddress = Annotated[str, AfterValidator(checksum)]
Hex32 = Annotated[str, Field(pattern=r"^0x[0-9a-fA-F]{64}$")]
