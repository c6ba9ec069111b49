"""The token economy on every chain `lancer deploy` visits: a deploy extension (see
contracts.deploy_model.DeployExtension) for the MerkleDistributor (rewards and fee rebates by epochs)
and LancerStaking (LNC staking with an unbonding period).

Both are deployed after Lancer's own contracts, with the deployer as admin (it holds DISTRIBUTOR_ROLE
and FUNDER_ROLE; hand them to a multisig with the contracts' AccessControl afterwards). The distributor
sweeps expired epochs to the Treasury; staking stakes and pays LNC. Their constructor arguments
(claim window, unbonding period) come from DeploySettings, and are recorded in
`deployments/<chainId>.json` like every other contract's, so a changed setting is reported as a change
(redeployed with ``--redeploy-changed``), and a redeployed Treasury or token makes them follow.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from contracts.deploy_model import ChainReport, Deployer
from indexer.core.deployments import Deployment
from indexer.core.registry import ChainConfig

ECONOMY_CONTRACTS = ("MerkleDistributor", "LancerStaking")
DEFAULT_CLAIM_WINDOW = 90 * 24 * 3600
DEFAULT_UNBONDING = 7 * 24 * 3600


class TokenEconomyExtension:
    name = "token economy"

    def __init__(self, claim_window_seconds: int = DEFAULT_CLAIM_WINDOW,
                 unbonding_seconds: int = DEFAULT_UNBONDING) -> None:
        self.claim_window_seconds = claim_window_seconds
        self.unbonding_seconds = unbonding_seconds

    def contracts(self, chain: ChainConfig) -> Sequence[str]:
        return ECONOMY_CONTRACTS

    def constructor_args(self, name: str, deployment: Deployment) -> list[Any]:
        admin = deployment.deployer
        if name == "MerkleDistributor":
            return [admin, deployment.contracts["Treasury"].address, self.claim_window_seconds]
        if name == "LancerStaking":
            return [admin, deployment.contracts["LancerToken"].address, self.unbonding_seconds]
        raise ValueError(name)

    def configure(self, deployer: Deployer, deployment: Deployment, report: ChainReport) -> None:
        """Nothing to configure: the deployer holds the distributor's and the staking's roles."""
