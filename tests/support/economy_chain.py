"""The token economy on a test platform (tests.support.chainkit): MerkleDistributor and LancerStaking
deployed from anvil's unlocked admin and recorded in the platform's deployment file (so the indexer
follows them), and the user actions of the rewards/staking/governance tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from web3.contract import Contract

from contracts.artifacts import deploy_unlocked
from contracts.merkle import MerkleTree
from indexer.core.deployments import DeployedContract, save_deployment
from tests.support.chainkit import Platform

CLAIM_WINDOW = 30 * 24 * 3600
UNBONDING = 7 * 24 * 3600


@dataclass
class Economy:
    platform: Platform
    distributor: Contract
    staking: Contract

    def publish(self, epoch: int, tree: MerkleTree) -> Any:
        """Mint the epoch's total to the admin, approve the distributor and publish the root."""
        p = self.platform
        p.tx(p.token.functions.mint(p.admin, tree.total), p.admin)
        p.tx(p.token.functions.approve(self.distributor.address, tree.total), p.admin)
        return p.tx(self.distributor.functions.publishRoot(epoch, tree.root, p.token.address, tree.total), p.admin)

    def claim(self, epoch: int, tree: MerkleTree, index: int, sender: str | None = None) -> Any:
        c = tree.claims[index]
        return self.platform.tx(self.distributor.functions.claim(epoch, index, c.account, c.amount, tree.proof(index)),
                                sender or c.account)

    def stake(self, account: str, amount: int) -> Any:
        p = self.platform
        p.tx(p.token.functions.approve(self.staking.address, amount), account)
        return p.tx(self.staking.functions.stake(amount), account)

    def fund(self, amount: int, duration: int) -> Any:
        p = self.platform
        p.tx(p.token.functions.mint(p.admin, amount), p.admin)
        p.tx(p.token.functions.approve(self.staking.address, amount), p.admin)
        return p.tx(self.staking.functions.fundRewards(amount, duration), p.admin)

    def warp(self, seconds: int) -> None:
        self.platform.node.rpc("evm_increaseTime", [seconds])
        self.platform.node.rpc("evm_mine", [])


def deploy_economy(platform: Platform, deployments_dir: Path, *, claim_window: int = CLAIM_WINDOW,
                   unbonding: int = UNBONDING) -> Economy:
    w3, admin = platform.w3, platform.admin
    distributor, r1 = deploy_unlocked(w3, "MerkleDistributor", admin, platform.treasury.address, claim_window,
                                      sender=admin)
    staking, r2 = deploy_unlocked(w3, "LancerStaking", admin, platform.token.address, unbonding, sender=admin)
    platform.deployment.contracts["MerkleDistributor"] = DeployedContract(address=distributor.address,
                                                                          block_number=r1["blockNumber"])
    platform.deployment.contracts["LancerStaking"] = DeployedContract(address=staking.address,
                                                                      block_number=r2["blockNumber"])
    save_deployment(deployments_dir, platform.deployment)
    return Economy(platform, distributor, staking)


ECONOMY_TABLES = {  # table -> (contract, events it holds one row of)
    "reward_epochs": ("MerkleDistributor", ("RootPublished",)),
    "reward_claims": ("MerkleDistributor", ("Claimed",)),
    "reward_sweeps": ("MerkleDistributor", ("Swept",)),
    "staking_events": ("LancerStaking", ("Staked", "UnstakeRequested", "Withdrawn", "RewardPaid")),
    "staking_fundings": ("LancerStaking", ("RewardFunded",)),
    "vote_delegations": ("LancerToken", ("DelegateChanged",)),
    "vote_checkpoints": ("LancerToken", ("DelegateVotesChanged",)),
}


def assert_economy_index_matches_chain(engine: Any, platform: Platform, accounts: list[str] | None = None) -> None:
    """The token-economy tables against the chain: one row per indexed event of its kind (and on one);
    at the head, claims equal ``isClaimed``, positions equal ``stakeOf``/``unbondingOf``, and the votes
    of every account at every indexed block where they changed (and the block before) equal ``getPastVotes``."""
    from sqlalchemy import text

    from contracts.artifacts import contract_at
    from indexer.read_models import position, votes_at

    chain_id = platform.node.chain_id
    w3 = platform.w3
    with engine.connect() as conn:
        for table, (contract, names) in ECONOMY_TABLES.items():
            stray = conn.execute(text(f"""
                SELECT t.block_number, t.log_index FROM {table} t LEFT JOIN events e ON e.chain_id = t.chain_id
                   AND e.block_number = t.block_number AND e.log_index = t.log_index
                   AND e.contract = :k AND e.event_name = ANY(:n)
                 WHERE t.chain_id = :c AND e.chain_id IS NULL"""), {"c": chain_id, "k": contract, "n": list(names)}).all()
            assert not stray, f"{table} rows without their event: {stray[:5]}"
            rows = conn.execute(text(f"SELECT count(*) FROM {table} WHERE chain_id = :c"), {"c": chain_id}).scalar()
            evs = conn.execute(text("SELECT count(*) FROM events WHERE chain_id = :c AND contract = :k "
                                    "AND event_name = ANY(:n)"), {"c": chain_id, "k": contract, "n": list(names)}).scalar()
            assert rows == evs, (table, rows, evs)
        cursor = conn.execute(text("SELECT block_number FROM chains WHERE chain_id = :c"), {"c": chain_id}).scalar()
        if cursor != w3.eth.block_number or "MerkleDistributor" not in platform.deployment.contracts:
            return
        dist = contract_at(w3, "MerkleDistributor", platform.deployment.address("MerkleDistributor"))
        staking = contract_at(w3, "LancerStaking", platform.deployment.address("LancerStaking"))
        leaves = conn.execute(text("SELECT epoch, leaf_index FROM reward_claims WHERE chain_id = :c"),
                              {"c": chain_id}).all()
        for epoch_row in conn.execute(text("SELECT epoch FROM reward_epochs WHERE chain_id = :c"), {"c": chain_id}):
            epoch = int(epoch_row.epoch)
            info = dist.functions.epochInfo(epoch).call()
            claimed = [int(r.leaf_index) for r in leaves if int(r.epoch) == epoch]
            assert len(set(claimed)) == len(claimed)
            for i in range(max(claimed, default=0) + 3):
                assert dist.functions.isClaimed(epoch, i).call() == (i in claimed), (epoch, i)
            total = conn.execute(text("SELECT coalesce(sum(amount), 0) FROM reward_claims WHERE chain_id = :c "
                                      "AND epoch = :e"), {"c": chain_id, "e": epoch}).scalar()
            assert int(total) == info[5], epoch  # Epoch.claimed
        accounts = accounts or [platform.admin, *platform.users]
        for a in accounts:
            pos = position(conn, chain_id, staking.address, a, confirmed_only=False)
            amount, unlock_at = staking.functions.unbondingOf(a).call()
            assert (pos.staked, pos.unbonding) == (staking.functions.stakeOf(a).call(), amount), a
            assert pos.unlock_at == (unlock_at if amount else None), a
        blocks = sorted({int(b) for (b,) in conn.execute(text(
            "SELECT DISTINCT block_number FROM vote_checkpoints WHERE chain_id = :c"), {"c": chain_id})})
        probes = sorted({x for b in blocks for x in (b - 1, b) if 0 <= x < cursor} | {cursor - 1})
        if len(probes) > 40:  # every probe is one eth_call per account: a spread-out sample of them
            probes = probes[:: len(probes) // 40 + 1] + [probes[-1]]
        for b in probes:
            got = {v.address: v.votes for v in votes_at(conn, chain_id, platform.token.address, accounts, b)}
            for a in accounts:
                assert got[a] == platform.token.functions.getPastVotes(a, b).call(), (a, b)


def random_economy_activity(eco: Economy, rng: Any, steps: int) -> None:
    """Random delegations, stakes, unstake requests, reward fundings and claims, epochs published and
    claimed (for the reorg fuzz). Sent with a fixed gas: a call that reverts (e.g. a claim whose epoch a
    reorg removed) is mined as failed and emits nothing, which the index must reflect too."""
    from contracts.merkle import build

    p = eco.platform
    for _ in range(steps):
        user = rng.choice(p.users[:5])
        r = rng.random()
        if r < 0.3:
            p.tx(p.token.functions.delegate(rng.choice([user, *p.users[:5]])), user)
        elif r < 0.5:
            amount = rng.randint(1, 5) * 10**18
            p.tx(p.token.functions.mint(user, amount), p.admin)
            eco.stake(user, amount)
        elif r < 0.6:
            staked = eco.staking.functions.stakeOf(user).call()
            if staked:
                p.tx(eco.staking.functions.requestUnstake(rng.randint(1, staked)), user)
        elif r < 0.7:
            eco.fund(rng.randint(1, 9) * 10**18, 600)
        elif r < 0.8:
            if eco.staking.functions.earned(user).call():
                p.tx(eco.staking.functions.claimRewards(), user)
        else:
            epoch = rng.randint(0, 2**40)
            chosen = rng.sample(p.users, rng.randint(1, 4))
            tree = build([(a, rng.randint(1, 10**18)) for a in chosen])
            eco.publish(epoch, tree)
            for i in rng.sample(range(len(chosen)), rng.randint(0, len(chosen))):
                eco.claim(epoch, tree, i)
