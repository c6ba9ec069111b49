"""Deploy Lancer's contracts to registered chains, idempotently.

For each chain: LancerToken, Treasury (with its splits), the Escrow implementation and the
EscrowFactory, in that order; then each DeployExtension (default: EAS, see contracts.eas_deploy; then the
token economy's MerkleDistributor and LancerStaking, see contracts.economy_deploy).
Progress is written to `deployments/<chainId>.json` after every contract, so an interrupted run resumes where it stopped. A second run deploys nothing and says so;
a contract whose compiled artifact changed since it was deployed is reported, and only redeployed
with ``redeploy_changed``. The file remembers the chain's genesis hash, so a restarted local chain
(new genesis) is recognised and deployed afresh.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from eth_account.signers.local import LocalAccount
from web3 import HTTPProvider, Web3
from web3.exceptions import ContractLogicError

from contracts.artifacts import artifact_hash, build_info, contract_factory
from contracts.deploy_config import DeploySettings, SplitConfig, deployer_account, splits_for
from contracts.deploy_model import (
    CHANGING_OUTCOMES,
    NO_OP_OUTCOMES,
    ChainReport,
    DeployError,
    DeployExtension,
    Outcome,
)
from contracts.eas_deploy import EasExtension
from contracts.economy_deploy import TokenEconomyExtension
from indexer.core.deployments import DeployedContract, Deployment, load_deployment, save_deployment
from indexer.core.errors import ConfigError
from indexer.core.registry import ChainConfig

CONTRACT_ORDER = ("LancerToken", "Treasury", "Escrow", "EscrowFactory")

__all__ = ["CHANGING_OUTCOMES", "CONTRACT_ORDER", "NO_OP_OUTCOMES", "ChainDeployer", "ChainReport", "DeployError",
           "DeployExtension", "DeployPlan", "Outcome", "connect", "deploy_chain", "plan_deploy", "step_names"]


def default_extensions(settings: DeploySettings | None = None) -> list[DeployExtension]:
    """EAS, then the token economy (MerkleDistributor, LancerStaking), configured by ``settings``."""
    if settings is None:
        return [EasExtension(), TokenEconomyExtension()]
    return [EasExtension(), TokenEconomyExtension(settings.rewards_claim_window_seconds,
                                                  settings.staking_unbonding_seconds)]


def step_names(chain: ChainConfig, extensions: Sequence[DeployExtension]) -> list[str]:
    """The progress steps of one chain's deploy, for progress bars."""
    return [*CONTRACT_ORDER, *(n for e in extensions for n in [*e.contracts(chain), e.name])]


def connect(chain: ChainConfig, timeout: float = 15.0) -> Web3:
    """A Web3 on the first RPC URL of the chain that answers with the registry's chain id."""
    failures = []
    for url in chain.rpc_url_strings:
        w3 = Web3(HTTPProvider(url, request_kwargs={"timeout": timeout}))
        try:
            remote_id = w3.eth.chain_id
        except Exception as exc:  # any transport failure: try the next URL
            failures.append(f"{url}: {type(exc).__name__}")
            continue
        if remote_id != chain.chain_id:
            raise DeployError(f"{url} serves chain id {remote_id}, but the registry says {chain.name} is {chain.chain_id}")
        return w3
    raise DeployError(f"no RPC URL of {chain.name} answered ({'; '.join(failures)})")


class ChainDeployer:
    """Deploys and configures Lancer on one chain."""

    def __init__(
        self,
        chain: ChainConfig,
        w3: Web3,
        account: LocalAccount,
        settings: DeploySettings,
        splits: list[SplitConfig],
        *,
        redeploy_changed: bool = False,
        on_step: Callable[[str], None] = lambda _msg: None,
        extensions: Sequence[DeployExtension] | None = None,
    ) -> None:
        self.extensions = list(default_extensions(settings) if extensions is None else extensions)
        self.chain = chain
        self.w3 = w3
        self.account = account
        self.settings = settings
        self.deployments_dir = settings.deployments_dir
        self.redeploy_changed = redeploy_changed
        self.on_step = on_step
        self.splits = splits

    def run(self) -> ChainReport:
        genesis = self.w3.eth.get_block(0)["hash"].to_0x_hex()
        existing = load_deployment(self.deployments_dir, self.chain.chain_id)
        report = ChainReport(self.chain.name, self.chain.chain_id, self.deployments_dir / f"{self.chain.chain_id}.json")
        now = datetime.now(UTC)
        if existing is not None and existing.genesis_hash != genesis:
            report.notes.append("the chain was reset (new genesis block): deploying afresh")
            existing = None
        elif existing is not None and not any(self.has_code(c.address) for c in existing.contracts.values()):
            # anvil restarted without its state keeps the same genesis but loses every contract.
            report.notes.append("no recorded contract has code on the chain (was it reset?): deploying afresh")
            existing = None
        deployment = existing or Deployment(
            chain_id=self.chain.chain_id,
            chain_name=self.chain.name,
            genesis_hash=genesis,
            deployer=self.account.address,
            deployed_at=now,
            updated_at=now,
        )
        deployment.compiler = build_info()["compiler"]
        deployment.config = {
            "platform_fee_bps": self.settings.platform_fee_bps,
            "token_cap": str(self.settings.token_cap),
            "splits": [s.model_dump() for s in self.splits],
        }
        for name in CONTRACT_ORDER:
            self.on_step(name)
            args = self._constructor_args(name, deployment)
            report.outcomes[name] = self._ensure(name, args, deployment)
            if report.outcomes[name] in (Outcome.DEPLOYED, Outcome.REDEPLOYED):
                self.save(deployment)
        for extension in self.extensions:
            for name in extension.contracts(self.chain):
                self.on_step(name)
                outcome = self._ensure(name, extension.constructor_args(name, deployment), deployment)
                report.extension_outcomes[name] = outcome
                if outcome in CHANGING_OUTCOMES:
                    self.save(deployment)
            self.on_step(extension.name)
            extension.configure(self, deployment, report)
        if not report.deployed_anything and existing is None:
            save_deployment(self.deployments_dir, deployment)
        return report

    def save(self, deployment: Deployment) -> None:
        """Write progress now, so an interrupted run resumes after the last finished step."""
        deployment.updated_at = datetime.now(UTC)
        save_deployment(self.deployments_dir, deployment)

    def send(self, label: str, call: Any) -> tuple[str, int]:
        """Sign and send a contract call from the deployer; (tx hash, block). DeployError if it fails."""
        receipt = self._transact(label, call)
        return receipt["transactionHash"].to_0x_hex(), int(receipt["blockNumber"])

    def _transact(self, label: str, call: Any) -> Any:
        """Build, sign and send ``call`` (a contract call or constructor); its receipt once mined."""
        try:
            tx = call.build_transaction(
                {
                    "from": self.account.address,
                    "nonce": self.w3.eth.get_transaction_count(self.account.address, "pending"),
                    "chainId": self.chain.chain_id,
                }
            )
        except ContractLogicError as exc:
            raise DeployError(f"{label} would revert on {self.chain.name}: {exc}") from None
        signed = self.account.sign_transaction(tx)
        tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=300)
        if receipt["status"] != 1:
            raise DeployError(f"{label} on {self.chain.name} failed in tx {tx_hash.to_0x_hex()}")
        return receipt

    def _constructor_args(self, name: str, deployment: Deployment) -> list[Any]:
        admin = self.account.address
        if name == "LancerToken":
            return [admin, self.settings.token_cap]
        if name == "Treasury":
            return [admin, [[s.to, s.bps, s.kind_bytes32] for s in self.splits]]
        if name == "Escrow":
            return []
        if name == "EscrowFactory":
            return [
                admin,
                deployment.contracts["Escrow"].address,
                deployment.contracts["Treasury"].address,
                self.settings.platform_fee_bps,
            ]
        raise ValueError(name)

    def _ensure(self, name: str, args: list[Any], deployment: Deployment) -> Outcome:
        current = deployment.contracts.get(name)
        wanted_hash = artifact_hash(name)
        recorded_args = _jsonable(args)
        if current is not None and self.has_code(current.address):
            if current.artifact_hash == wanted_hash and current.constructor_args == recorded_args:
                return Outcome.UNCHANGED
            if not self.redeploy_changed:
                return Outcome.CHANGED
            outcome = Outcome.REDEPLOYED
        else:
            outcome = Outcome.DEPLOYED
        address, tx_hash, block = self._deploy(name, args)
        deployment.contracts[name] = DeployedContract(
            address=address,
            tx_hash=tx_hash,
            block_number=block,
            artifact_hash=wanted_hash,
            constructor_args=recorded_args,
        )
        return outcome

    def has_code(self, address: str) -> bool:
        return len(self.w3.eth.get_code(address)) > 0

    def _deploy(self, name: str, args: list[Any]) -> tuple[str, str, int]:
        factory = contract_factory(self.w3, name)
        receipt = self._transact(f"deploying {name}", factory.constructor(*args))
        if not receipt["contractAddress"]:
            raise DeployError(f"deploying {name} on {self.chain.name} created no contract")
        return receipt["contractAddress"], receipt["transactionHash"].to_0x_hex(), int(receipt["blockNumber"])


def _jsonable(args: list[Any]) -> list[Any]:
    """Constructor args as they are recorded in the deployment file (bytes as hex, ints exact)."""
    out: list[Any] = []
    for arg in args:
        if isinstance(arg, bytes):
            out.append("0x" + arg.hex())
        elif isinstance(arg, list):
            out.append(_jsonable(arg))
        elif isinstance(arg, int) and not isinstance(arg, bool) and abs(arg) > 2**53:
            out.append(str(arg))
        else:
            out.append(arg)
    return out


@dataclass(frozen=True)
class DeployPlan:
    """What will be deployed where, validated before any transaction is sent."""

    chain: ChainConfig
    account: LocalAccount
    splits: list[SplitConfig]


def plan_deploy(chain: ChainConfig, settings: DeploySettings) -> DeployPlan:
    return DeployPlan(chain, deployer_account(chain, settings), splits_for(chain, settings))


def deploy_chain(
    chain: ChainConfig,
    settings: DeploySettings,
    *,
    plan: DeployPlan | None = None,
    redeploy_changed: bool = False,
    on_step: Callable[[str], None] = lambda _msg: None,
    extensions: Sequence[DeployExtension] | None = None,
) -> ChainReport:
    plan = plan or plan_deploy(chain, settings)
    w3 = connect(chain)
    if w3.eth.get_balance(plan.account.address) == 0:
        raise ConfigError(f"the deployer {plan.account.address} has no {chain.native_currency.symbol} on {chain.name}")
    deployer = ChainDeployer(
        chain, w3, plan.account, settings, plan.splits, redeploy_changed=redeploy_changed, on_step=on_step,
        extensions=extensions,
    )
    return deployer.run()
