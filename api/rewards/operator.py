"""The operator's side of the token economy, behind ``lancer rewards``: publish a computed epoch (approve +
publishRoot) and fund staking rewards (approve + fundRewards) with the rewards operator's key, each exactly
once through ``api.kit.txonce`` (journal keys ``rewards:<chain>:<distributor>:<epoch>:...`` and
``fund-staking:<chain>:<staking>:<key>:...``); and the status of computed epochs against the index.

Publishing from the API stays wallet-signed (``POST /v1/admin/rewards/epochs`` returns the transactions);
this path is for an operator key that holds DISTRIBUTOR_ROLE / FUNDER_ROLE and the LNC to pay out
(the treasury's share, moved to it beforehand)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_account.signers.local import LocalAccount
from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session as Db
from web3 import Web3

from api.kit.deployments import DeploymentDirectory
from api.kit.txonce import SendResult, TxError, journal_entry, send_once
from api.kit.web3rpc import TracedHTTPProvider
from api.rewards.models import RewardsEpoch
from api.rewards.service import economy_of
from contracts.artifacts import contract_at
from indexer import read_models
from indexer.core.errors import ConfigError, UnknownChainError
from indexer.core.registry import ChainConfig

ZERO_ROOT = b"\x00" * 32


@dataclass(frozen=True)
class Sent:
    what: str
    tx_hash: str
    status: str  # sent | already


def _web3(chain: ChainConfig) -> Web3:
    return Web3(TracedHTTPProvider(chain.rpc_url_strings[0], chain=chain.name, request_kwargs={"timeout": 30}))


def _approve_once(engine: Engine, w3: Web3, account: LocalAccount, key: str, token: Any, spender: str,
                  amount: int, timeout: float) -> Sent | None:
    """An approve, unless the allowance already covers ``amount``."""
    if token.functions.allowance(account.address, spender).call() >= amount:
        return None
    r = send_once(engine, w3, account, key, token.functions.approve(spender, amount), already_done=lambda: None,
                  timeout=timeout)
    return Sent("approve", r.tx_hash, r.status.value)


def _need_balance(token: Any, account: LocalAccount, amount: int) -> None:
    held = token.functions.balanceOf(account.address).call()
    if held < amount:
        raise ConfigError(f"the rewards operator {account.address} holds {held} LNC base units, less than {amount}: "
                          "move the treasury's share to it first")


def publish(engine: Engine, deployments: DeploymentDirectory, chain: ChainConfig, epoch: int,
            account: LocalAccount, *, timeout: float = 120.0) -> list[Sent]:
    """Approve + publishRoot of computed epoch ``epoch``; a re-run after success sends nothing."""
    eco = economy_of(deployments, chain)
    with Db(engine) as db:
        row = db.get(RewardsEpoch, (chain.chain_id, eco.distributor, epoch))
        if row is None:
            raise ConfigError(f"epoch {epoch} was not computed on {chain.name}: run `lancer rewards compute` first")
        root, total, token_address = bytes.fromhex(row.root[2:]), int(row.total), row.token
    w3 = _web3(chain)
    distributor = contract_at(w3, "MerkleDistributor", eco.distributor)
    token = contract_at(w3, "LancerToken", token_address)
    base = f"rewards:{chain.chain_id}:{eco.distributor}:{epoch}"
    dep = deployments.get(chain.chain_id)
    since = dep.contracts["MerkleDistributor"].block_number if dep is not None else 0  # log search from deployment

    def already_done() -> str | None:
        on_chain = distributor.functions.epochInfo(epoch).call()[0]
        if on_chain == ZERO_ROOT:
            return None
        if on_chain != root:
            raise TxError(f"epoch {epoch} is already published on {chain.name} with another root")
        logs = distributor.events.RootPublished().get_logs(from_block=since, argument_filters={"epoch": epoch})
        return logs[0]["transactionHash"].to_0x_hex() if logs else "0x"

    done = already_done()
    if done is not None:
        return [Sent("publishRoot", done, "already")]
    out: list[Sent] = []
    _need_balance(token, account, total)
    if (approved := _approve_once(engine, w3, account, f"{base}:approve", token, eco.distributor, total,
                                  timeout)) is not None:
        out.append(approved)
    r: SendResult = send_once(engine, w3, account, f"{base}:publish",
                              distributor.functions.publishRoot(epoch, root, token_address, total),
                              already_done=already_done, timeout=timeout)
    return [*out, Sent("publishRoot", r.tx_hash, r.status.value)]


def fund_staking(engine: Engine, deployments: DeploymentDirectory, chain: ChainConfig, amount: int, duration: int,
                 key: str, account: LocalAccount, *, timeout: float = 120.0) -> list[Sent]:
    """Approve + fundRewards(amount, duration) once per ``key`` (e.g. the month it funds)."""
    if amount <= 0 or duration <= 0:
        raise ConfigError("amount and duration must be positive")
    eco = economy_of(deployments, chain)
    if eco.staking is None:
        raise ConfigError(f"LancerStaking is not deployed on {chain.name}: run `lancer deploy`")
    w3 = _web3(chain)
    staking = contract_at(w3, "LancerStaking", eco.staking)
    token = contract_at(w3, "LancerToken", eco.token)
    base = f"fund-staking:{chain.chain_id}:{eco.staking}:{key}"
    funded = journal_entry(engine, f"{base}:fund")
    out: list[Sent] = []
    if funded is None or not funded.raw_tx:  # not sent yet: the approve (and the balance) still matter
        _need_balance(token, account, amount)
        if (approved := _approve_once(engine, w3, account, f"{base}:approve", token, eco.staking, amount,
                                      timeout)) is not None:
            out.append(approved)
    r = send_once(engine, w3, account, f"{base}:fund", staking.functions.fundRewards(amount, duration),
                  already_done=lambda: None, timeout=timeout)
    return [*out, Sent("fundRewards", r.tx_hash, r.status.value)]


def status(conn: Connection, db: Db, deployments: DeploymentDirectory, chain: ChainConfig,
           epoch: int | None = None) -> list[dict[str, object]]:
    """Each computed epoch: root, total, leaves, whether the index shows it published, claims and claimed
    amount from the indexed ``Claimed`` events (amounts as decimal strings)."""
    eco = economy_of(deployments, chain)
    q = select(RewardsEpoch).where(RewardsEpoch.chain_id == chain.chain_id,
                                   RewardsEpoch.distributor == eco.distributor).order_by(RewardsEpoch.epoch)
    if epoch is not None:
        q = q.where(RewardsEpoch.epoch == epoch)
    try:
        published = set(read_models.published_epochs(conn, chain.chain_id, eco.distributor))
    except UnknownChainError:
        published = set()
    out: list[dict[str, object]] = []
    for e in db.scalars(q):
        try:
            claims = read_models.claims(conn, chain.chain_id, eco.distributor, epoch=e.epoch)
        except UnknownChainError:
            claims = []
        out.append({"chain_id": chain.chain_id, "distributor": eco.distributor, "epoch": e.epoch, "root": e.root,
                    "total": str(e.total), "leaves": e.leaf_count, "period_start": e.period_start.isoformat(),
                    "period_end": e.period_end.isoformat(), "computed_at": e.computed_at.isoformat(),
                    "published": e.epoch in published,
                    "claims": len(claims), "claimed": str(sum(c.amount for c in claims)),
                    "claims_confirmed": sum(1 for c in claims if c.confirmed)})
    return out
