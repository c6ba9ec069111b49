"""Which (chain, token) pairs the marketplace accepts: a registry chain, and its native coin or LNC as deployed
there (the escrow refuses fee-on-transfer tokens, so arbitrary ERC20s are not offered)."""

from __future__ import annotations

from dataclasses import dataclass

from api.kit.deployments import ZERO_ADDRESS, DeploymentDirectory
from api.kit.params import address as parse_address
from api.kit.problems import Problem
from indexer.core.errors import LancerError
from indexer.core.registry import ChainConfig, ChainRegistry


@dataclass(frozen=True)
class TokenResolver:
    registry: ChainRegistry
    deployments: DeploymentDirectory

    def chain(self, value: str | int) -> ChainConfig:
        text = str(value).strip()
        try:
            return self.registry.by_id(int(text)) if text.isdigit() else self.registry.by_name(text)
        except (LancerError, ValueError):
            raise Problem(422, f"unknown chain {text!r}; see /v1/chains", type_="unknown-chain") from None

    def resolve(self, chain: str | int, token: str) -> tuple[int, str]:
        """(chain id, token address: 0x0…0 for the native coin) or a 422 problem."""
        config = self.chain(chain)
        lnc = self.deployments.lnc_address(config.chain_id)
        wanted = token.strip()
        if wanted.lower() == "native":
            return config.chain_id, ZERO_ADDRESS
        if wanted.upper() == "LNC":
            if lnc is None:
                raise Problem(422, f"LNC is not deployed on {config.name}", type_="unsupported-token")
            return config.chain_id, lnc
        address = parse_address(wanted, "token")
        if address not in (ZERO_ADDRESS, lnc):
            raise Problem(422, f"token {address} is not accepted on {config.name}: use 'native' or 'LNC'",
                          type_="unsupported-token")
        return config.chain_id, address
