"""Where EAS is: the chains whose deployment file names an EAS, and Lancer's own attesters."""

from __future__ import annotations

from dataclasses import dataclass

from web3 import Web3

from api.kit.problems import Problem
from api.kit.web3rpc import TracedHTTPProvider
from api.settings import ApiSettings
from indexer.core.deployments import EasRecord, load_deployment
from contracts.eas.offchain import EasDomain
from indexer.core.errors import UnknownChainError
from indexer.core.registry import ChainConfig


@dataclass(frozen=True)
class ChainEas:
    chain: ChainConfig
    eas: EasRecord
    start_block: int

    @property
    def domain(self) -> EasDomain:
        return EasDomain(chain_id=self.chain.chain_id, verifying_contract=self.eas.eas, version=self.eas.version)

    def web3(self) -> Web3:
        return Web3(TracedHTTPProvider(self.chain.rpc_url_strings[0], chain=self.chain.name,
                                       request_kwargs={"timeout": 30}))


def chain_eas(settings: ApiSettings, chain_id: int) -> ChainEas | None:
    try:
        chain = settings.registry().by_id(chain_id)
    except UnknownChainError:
        return None
    deployment = load_deployment(settings.deployments_dir, chain_id)
    if deployment is None or deployment.eas is None:
        return None
    own = deployment.contracts.get("EAS")
    return ChainEas(chain, deployment.eas, own.block_number if own else deployment.start_block)


def require_chain_eas(settings: ApiSettings, chain_id: int) -> ChainEas:
    found = chain_eas(settings, chain_id)
    if found is None:
        raise Problem(409, f"chain {chain_id} has no EAS deployment known to Lancer", type_="no-eas")
    return found


def skill_chain(settings: ApiSettings) -> ChainEas:
    if settings.attestation_chain_id is not None:
        return require_chain_eas(settings, settings.attestation_chain_id)
    for chain in settings.registry().chains:
        found = chain_eas(settings, chain.chain_id)
        if found is not None:
            return found
    raise Problem(409, "no chain with an EAS deployment is configured", type_="no-eas")


def lancer_attesters(settings: ApiSettings) -> set[str]:
    return {settings.attester().address, *settings.trusted_attesters}
