"""Reputation: facts from the index (``indexer.read_models``) and Lancer's attestations, scored by
``api.reputation.formula``, cached in Redis under a key that names the data version (so any change
of the confirmed index or of the attestations makes a new key: no explicit invalidation needed)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from redis import Redis
from sqlalchemy import Engine
from sqlalchemy.orm import Session as Db

from api.attestations import service as attestations
from api.reputation import formula, verifier_stake
from api.reputation.schemas import ReputationOut
from api.settings import ApiSettings
from indexer import read_models
from indexer.core.deployments import load_deployment
from contracts.eas.lancer_schemas import MILESTONE_REVIEW, VERIFIED_SKILL
from indexer.core.addresses import ZERO_ADDRESS, checksum



def token_weight(settings: ApiSettings, chain_id: int, token: str) -> float:
    """Weight of a token's whole units in volume: the first of ``<chain>:<token>``, ``<chain>:native|LNC``,
    ``*:<token>``, ``*:native|LNC`` found in REPUTATION_TOKEN_WEIGHTS; unlisted tokens weigh 0."""
    table = settings.reputation_token_weights
    alias = None
    if token == ZERO_ADDRESS:
        alias = "native"
    else:
        deployment = load_deployment(settings.deployments_dir, chain_id)
        if deployment is not None and "LancerToken" in deployment.contracts and \
                deployment.contracts["LancerToken"].address == token:
            alias = "LNC"
    for key in (f"{chain_id}:{token}", f"{chain_id}:{alias}", f"*:{token}", f"*:{alias}"):
        if key in table:
            return float(table[key])
    return 0.0


def _dispute_outcome(address: str, engagement: read_models.Engagement, m: read_models.HistoryMilestone) -> str:
    if m.status != "resolved":
        return "open"
    freelancer_gross = m.amount - m.to_client
    freelancer_won, client_won = freelancer_gross * 2 > m.amount, m.to_client * 2 > m.amount
    if not freelancer_won and not client_won:
        return "even"
    is_freelancer = address == engagement.freelancer
    return "won" if (freelancer_won if is_freelancer else client_won) else "lost"


def facts_for(db: Db, engine: Engine, settings: ApiSettings, address: str, now: datetime
              ) -> tuple[formula.Facts, list[str]]:
    facts = formula.Facts()
    with engine.connect() as conn:
        history = read_models.party_history(conn, address)
    seen: list[datetime] = []
    for g in history:
        seen.append(g.created_at)
        if g.completed and g.completed_at is not None:
            facts.completed.append(formula.CompletedEscrow(
                chain_id=g.chain_id, escrow=g.escrow, token=g.token, released=g.released,
                weight=token_weight(settings, g.chain_id, g.token), completed_at=g.completed_at))
        for m in g.milestones:
            if m.status == "released" and m.closed_at is not None and (
                    m.submitted_at is None or (m.closed_at - m.submitted_at).total_seconds() <= g.review_period):
                facts.on_time_releases.append(m.closed_at)
            if m.disputed_by is not None:
                outcome = _dispute_outcome(address, g, m)
                facts.disputes.append(formula.Dispute(
                    opened_by_party=m.disputed_by == address, outcome=outcome,
                    at=m.closed_at if outcome != "open" and m.closed_at is not None else now))
    counted = attestations.counted_attestations(db, engine, settings, [address], now=int(now.timestamp()))
    for a in counted:
        at = datetime.fromtimestamp(a.time, UTC)
        seen.append(at)
        assert a.decoded is not None
        if a.schema_uid == MILESTONE_REVIEW.uid:
            facts.ratings.append((int(a.decoded["rating"]), at))
        elif a.schema_uid == VERIFIED_SKILL.uid:
            skill, level = str(a.decoded["skill"]), int(a.decoded["level"])
            facts.skills[skill] = max(level, facts.skills.get(skill, 0))
    facts.first_seen = min(seen) if seen else None
    return facts, sorted(a.uid for a in counted if a.schema_uid in (MILESTONE_REVIEW.uid, VERIFIED_SKILL.uid))


def reputation(db: Db, engine: Engine, redis: Redis, settings: ApiSettings, address: str) -> ReputationOut:
    address = checksum(address)
    now = datetime.now(UTC)
    with engine.connect() as conn:
        index_version = read_models.reputation_index_version(conn)
        # verifier_stake (a separate component): only verifiers' stakes are read; the stake is in the key.
        is_verifier = address in settings.verifier_addresses or address in settings.admin_addresses
        stakes = verifier_stake.stakes_by_chain(conn, settings.deployments_dir, address) if is_verifier else {}
    version = f"{index_version}.{attestations.attestation_version(redis, settings)}"
    stake_key = f"{verifier_stake.VERSION}:{int(is_verifier)}:{sum(stakes.values())}"
    # The hour is part of the key so decay moves on even when no data changes.
    key = f"{settings.redis_key_prefix}rep:{formula.FORMULA_VERSION}:{stake_key}:{address}:{version}:{now:%Y%m%d%H}"
    ttl = settings.reputation_cache_ttl_seconds
    if ttl:
        cached = redis.get(key)
        if cached is not None:
            return ReputationOut.model_validate({**json.loads(cached), "cached": True})
    facts, uids = facts_for(db, engine, settings, address, now)
    result = formula.score(facts, now)
    parts = result["parts"]
    component = verifier_stake.part(is_verifier, stakes)
    parts["verifier_stake"] = component  # type: ignore[index]
    result["score"] = verifier_stake.apply(result["score"], component)  # type: ignore[arg-type]
    for chain in parts["volume"]["per_chain"]:  # type: ignore[index]
        for token in chain["tokens"]:
            token["amount"] = str(token["amount"])  # base units as decimal strings
    out = ReputationOut(address=address, formula_version=formula.FORMULA_VERSION, score=result["score"],  # type: ignore[arg-type]
                        as_of=now, parts=parts, attestations_counted=uids, index_version=version,  # type: ignore[arg-type]
                        cached=False)
    if ttl:
        redis.set(key, out.model_dump_json(exclude={"cached"}), ex=ttl)
    return out
