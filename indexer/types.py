"""Small validated types shared across Lancer (addresses, hashes)."""

from __future__ import annotations

from typing import Annotated

from eth_utils import is_address, to_checksum_address
from pydantic import AfterValidator, Field


def checksum(value: str) -> str:
    """EIP-55 checksummed form of an address given in any case; ValueError if it is not one."""
    if not isinstance(value, str) or not is_address(value):
        raise ValueError(f"not an EVM address: {value!r}")
    return to_checksum_address(value)


ChecksumAddress = Annotated[str, AfterValidator(checksum)]
Hex32 = Annotated[str, Field(pattern=r"^0x[0-9a-fA-F]{64}$")]
