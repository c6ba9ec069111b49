"""Rewards epochs: computed from confirmed index data by the configured rules (``api.rewards.rules``),
stored with every leaf's Merkle proof (``contracts.merkle``), published by an admin wallet that signs the
prepared ``approve`` + ``publishRoot``; then served per address with the claim status of the indexed
``Claimed`` events, and claimed with a prepared ``claim`` transaction."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session as Db

from api.kit.deployments import DeploymentDirectory
from api.kit.problems import Problem
from api.proposals.service import wallet_of
from api.rewards import calldata
from api.rewards.models import RewardsEpoch, RewardsLeaf
from api.rewards.rules import RewardRules
from api.rewards.schemas import ClaimPrepareIn, EpochComputeIn, EpochOut, PreparedTxs, RewardItem, RewardsOut
from contracts.eas.lancer_schemas import MILESTONE_REVIEW, VERIFIED_SKILL
from contracts.merkle import MerkleTree, build
from indexer import read_models
from indexer.core.addresses import ZERO_ADDRESS
from indexer.core.errors import UnknownChainError
from indexer.core.registry import ChainConfig


@dataclass(frozen=True)
class Economy:
    """The token economy's contracts on one chain, from its deployment file."""
    chain_id: int
    token: str
    distributor: str
    staking: str | None
    admin: str


def economy_of(deployments: DeploymentDirectory, chain: ChainConfig) -> Economy:
    dep = deployments.get(chain.chain_id)
    if dep is None or not dep.has("MerkleDistributor") or not dep.has("LancerToken"):
        raise Problem(409, f"the token economy is not deployed on {chain.name}: run `lancer deploy`",
                      type_="not-deployed")
    return Economy(chain.chain_id, dep.address("LancerToken"), dep.address("MerkleDistributor"),
                   dep.address("LancerStaking") if dep.has("LancerStaking") else None, dep.deployer)


# ---- computing an epoch -------------------------------------------------------------------------------

@dataclass
class Tally:
    points: Counter[str]
    fees: int = 0
    volume: int = 0
    stake: int = 0


def tally(conn: Connection, rules: RewardRules, eco: Economy, start: datetime, end: datetime) -> dict[str, Tally]:
    """Per account: activity counts by rule, and the LNC fees/volume/stake the rebate is based on."""
    out: dict[str, Tally] = {}

    def of(account: str) -> Tally:
        return out.setdefault(account, Tally(Counter()))

    for e in read_models.completed_escrows(conn, eco.chain_id, start, end):
        of(e.freelancer).points["completed_contract"] += 1
        of(e.client).points["completed_contract"] += 1
        if e.delivered_milestones:
            of(e.freelancer).points["on_time_milestone"] += e.delivered_milestones
        if e.token == eco.token:  # rebates are paid in LNC, for fees paid in LNC
            of(e.freelancer).fees += e.fees
            of(e.freelancer).volume += e.total
    for a in read_models.attestation_parties(conn, eco.chain_id, VERIFIED_SKILL.uid, start, end):
        of(a.party).points["verified_skill"] += a.count
    for a in read_models.attestation_parties(conn, eco.chain_id, MILESTONE_REVIEW.uid, start, end, field="client"):
        of(a.party).points["review"] += a.count
    if eco.staking is not None:
        for account, stake in read_models.stakes(conn, eco.chain_id, eco.staking).items():
            if account in out:
                out[account].stake = stake
    out.pop(ZERO_ADDRESS, None)
    return out


def amounts(rules: RewardRules, tallies: dict[str, Tally]) -> list[tuple[str, int, int, int, dict[str, object]]]:
    """(account, amount, points, rebate, breakdown) of every account with a positive amount, by address."""
    weights = rules.points.model_dump()
    rows = []
    for account in sorted(tallies):
        t = tallies[account]
        points = sum(weights[rule] * n for rule, n in t.points.items())
        bps = rules.rebate_bps(t.volume, t.stake)
        rebate = t.fees * bps // 10_000
        amount = points * rules.lnc_per_point + rebate
        if amount > 0:
            rows.append((account, amount, points, rebate, {
                "counts": dict(sorted(t.points.items())), "fees": str(t.fees), "volume": str(t.volume),
                "stake": str(t.stake), "rebate_bps": bps}))
    return rows


def compute_epoch(db: Db, deployments: DeploymentDirectory, rules: RewardRules, chain: ChainConfig,
                  body: EpochComputeIn, user_id: uuid.UUID | None) -> EpochOut:
    eco = economy_of(deployments, chain)
    if body.period_end <= body.period_start:
        raise Problem(422, "period_end must be after period_start", type_="validation-error")
    conn = db.connection()
    try:
        period = read_models.confirmed_period(conn, chain.chain_id)
    except UnknownChainError:
        raise Problem(409, f"{chain.name} is not indexed yet", type_="not-indexed") from None
    if period.confirmed_time is None or period.confirmed_time < body.period_end:
        raise Problem(409, f"the index of {chain.name} is confirmed up to block {period.confirmed_block} "
                      f"({period.confirmed_time}), before period_end {body.period_end.isoformat()}: compute "
                      "the epoch once the period is confirmed", type_="period-not-confirmed")
    rules_json = rules.model_dump(mode="json")
    existing = db.get(RewardsEpoch, (chain.chain_id, eco.distributor, body.epoch))
    if existing is not None:
        if (existing.period_start, existing.period_end, existing.rules) == (body.period_start, body.period_end,
                                                                            rules_json):
            return epoch_out(conn, existing, eco)  # the same request again: the same epoch
        raise Problem(409, f"epoch {body.epoch} was already computed for {existing.period_start.isoformat()} to "
                      f"{existing.period_end.isoformat()} with its rules; epochs are never recomputed: use a new "
                      "epoch number", type_="epoch-exists")
    if body.epoch in read_models.published_epochs(conn, chain.chain_id, eco.distributor):
        raise Problem(409, f"epoch {body.epoch} is already published on {chain.name}", type_="epoch-exists")
    rows = amounts(rules, tally(conn, rules, eco, body.period_start, body.period_end))
    if not rows:
        raise Problem(409, "nobody earned rewards in this period: nothing to publish", type_="empty-epoch")
    tree = build([(account, amount) for account, amount, *_ in rows])
    epoch = RewardsEpoch(chain_id=chain.chain_id, distributor=eco.distributor, epoch=body.epoch, token=eco.token,
                         period_start=body.period_start, period_end=body.period_end, root="0x" + tree.root.hex(),
                         total=tree.total, leaf_count=len(rows), rules=rules_json,
                         confirmed_block=period.confirmed_block, computed_by=user_id)
    db.add(epoch)
    db.flush()
    db.add_all(RewardsLeaf(chain_id=chain.chain_id, distributor=eco.distributor, epoch=body.epoch, leaf_index=i,
                           account=account, amount=amount, points=points, rebate=rebate, breakdown=breakdown,
                           proof=_proof(tree, i))
               for i, (account, amount, points, rebate, breakdown) in enumerate(rows))
    db.commit()
    return epoch_out(db.connection(), epoch, eco)


def _proof(tree: MerkleTree, index: int) -> list[str]:
    return ["0x" + p.hex() for p in tree.proof(index)]


def epoch_out(conn: Connection, e: RewardsEpoch, eco: Economy) -> EpochOut:
    try:
        published = e.epoch in read_models.published_epochs(conn, e.chain_id, e.distributor)
    except UnknownChainError:
        published = False
    total = int(e.total)
    txs = [] if published else [
        calldata.approve(e.chain_id, e.token, e.distributor, total, eco.admin, "the distributor"),
        calldata.publish_root(e.chain_id, e.distributor, e.epoch, bytes.fromhex(e.root[2:]), e.token, total, eco.admin),
    ]
    return EpochOut(chain_id=e.chain_id, distributor=e.distributor, token=e.token, epoch=e.epoch,
                    period_start=e.period_start, period_end=e.period_end, root=e.root, total=total,
                    leaf_count=e.leaf_count, confirmed_block=e.confirmed_block, rules=e.rules, published=published,
                    publish_transactions=txs)


def get_epoch(db: Db, deployments: DeploymentDirectory, chain: ChainConfig, epoch: int) -> EpochOut:
    eco = economy_of(deployments, chain)
    found = db.get(RewardsEpoch, (chain.chain_id, eco.distributor, epoch))
    if found is None:
        raise Problem(404, f"epoch {epoch} was not computed on {chain.name}", type_="not-found")
    return epoch_out(db.connection(), found, eco)


# ---- an address's rewards and claims -----------------------------------------------------------------

def rewards_of(db: Db, address: str, chain: ChainConfig | None) -> RewardsOut:
    q = select(RewardsLeaf, RewardsEpoch).join(RewardsEpoch, (RewardsEpoch.chain_id == RewardsLeaf.chain_id) & (
        RewardsEpoch.distributor == RewardsLeaf.distributor) & (RewardsEpoch.epoch == RewardsLeaf.epoch)).where(
        RewardsLeaf.account == address).order_by(RewardsLeaf.chain_id, RewardsLeaf.epoch)
    if chain is not None:
        q = q.where(RewardsLeaf.chain_id == chain.chain_id)
    rows = db.execute(q).all()
    conn = db.connection()
    status: dict[tuple[int, str], tuple[set[int], dict[tuple[int, int], read_models.RewardClaim]]] = {}
    items = []
    for leaf, epoch in rows:
        key = (leaf.chain_id, leaf.distributor)
        if key not in status:
            try:
                published = set(read_models.published_epochs(conn, *key))
                claims = {(c.epoch, c.leaf_index): c for c in read_models.claims(conn, *key, account=address)}
            except UnknownChainError:
                published, claims = set(), {}
            status[key] = (published, claims)
        published, claims = status[key]
        claim = claims.get((leaf.epoch, leaf.leaf_index))
        items.append(RewardItem(
            chain_id=leaf.chain_id, distributor=leaf.distributor, token=epoch.token, epoch=leaf.epoch,
            leaf_index=leaf.leaf_index, amount=int(leaf.amount), points=leaf.points, rebate=int(leaf.rebate),
            breakdown=leaf.breakdown, root=epoch.root, proof=leaf.proof, published=leaf.epoch in published,
            claimed=claim is not None, claim_confirmed=bool(claim and claim.confirmed),
            claim_tx=claim.tx_hash if claim else None))
    return RewardsOut(address=address, items=items)


def prepare_claim(db: Db, deployments: DeploymentDirectory, chain: ChainConfig, epoch: int, body: ClaimPrepareIn,
                  user_id: uuid.UUID) -> PreparedTxs:
    eco = economy_of(deployments, chain)
    wallet = wallet_of(db, user_id, body.account, "account")
    leaf = db.scalars(select(RewardsLeaf).where(
        RewardsLeaf.chain_id == chain.chain_id, RewardsLeaf.distributor == eco.distributor,
        RewardsLeaf.epoch == epoch, RewardsLeaf.account == wallet)).first()
    if leaf is None:
        raise Problem(404, f"{wallet} has no reward in epoch {epoch} on {chain.name}", type_="not-found")
    conn = db.connection()
    try:
        published = epoch in read_models.published_epochs(conn, chain.chain_id, eco.distributor)
        done = read_models.claims(conn, chain.chain_id, eco.distributor, epoch=epoch)
    except UnknownChainError:
        published, done = False, []
    if not published:
        raise Problem(409, f"epoch {epoch} is not published on {chain.name} yet; try again once its root is",
                      type_="not-published")
    for c in done:
        if c.leaf_index == leaf.leaf_index:
            raise Problem(409, f"already claimed in transaction {c.tx_hash}", type_="already-claimed",
                          tx_hash=c.tx_hash)
    proof = [bytes.fromhex(p[2:]) for p in leaf.proof]
    return PreparedTxs(chain_id=chain.chain_id, transactions=[calldata.claim(
        chain.chain_id, eco.distributor, epoch, leaf.leaf_index, wallet, int(leaf.amount), proof, wallet)])
