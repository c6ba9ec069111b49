"""Reputation: facts from the index (``indexer.read_models``) and Lancer's attestations, scored by
``api.reputation.formula``, cached in Redis under a key that names the data version (so any change
of the confirmed index or of the attestations makes a new key: no explicit invalidation needed)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from redis import Redis
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session as Db

from api.attestations import service as attestations
from api.identity.models import Wallet
from api.kit.cache import Cached, ReadCache
from api.kit.versions import data_version
from api.reputation import formula, verifier_stake
from api.reputation.models import ReputationScore
from api.reputation.schemas import ReputationOut
from api.settings import ApiSettings
from indexer import read_models
from indexer.core.deployments import load_deployment
from contracts.eas.lancer_schemas import MILESTONE_REVIEW, VERIFIED_SKILL
from indexer.core.addresses import ZERO_ADDRESS, checksum


@dataclass(frozen=True)
class Event:
    """One confirmed fact as a reputation event; ``key`` names the fact (unique per wallet)."""

    key: str
    type: str
    weight: float  # the points it brings before decay and caps (api.reputation.formula)
    payload: dict[str, object]
    at: datetime

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


def linked_wallets(db: Db, address: str) -> set[str]:
    """Every wallet of the user who holds ``address`` (just ``address`` when no user holds it)."""
    owner = db.scalar(select(Wallet.user_id).where(Wallet.address == address))
    if owner is None:
        return {address}
    return set(db.scalars(select(Wallet.address).where(Wallet.user_id == owner))) | {address}


def facts_for(db: Db, engine: Engine, settings: ApiSettings, address: str, now: datetime,
              events: list[Event] | None = None) -> tuple[formula.Facts, list[str]]:
    """The formula's facts for one wallet; with ``events``, also the facts as reputation events.

    Gaming rules (lancer-rep-v2): an escrow whose two parties are wallets of one user counts for nothing
    (nor do reviews between them); a completed escrow counts by the share released, and one that paid the
    freelancer nothing (fully refunded) is not a completion.
    """
    facts = formula.Facts()
    own = linked_wallets(db, address)
    record = events.append if events is not None else (lambda _e: None)
    with engine.connect() as conn:
        history = read_models.party_history(conn, address)
    seen: list[datetime] = []
    for g in history:
        if g.client in own and g.freelancer in own:
            continue  # an escrow with oneself
        seen.append(g.created_at)
        where = {"chain_id": g.chain_id, "escrow": g.escrow}
        if g.completed and g.completed_at is not None and g.released > 0:
            # Share of what left the escrow that went to the freelancer (fees aside): refunds lower it.
            share = g.released / (g.released + g.refunded)
            facts.completed.append(formula.CompletedEscrow(
                chain_id=g.chain_id, escrow=g.escrow, token=g.token, released=g.released, share=share,
                weight=token_weight(settings, g.chain_id, g.token), completed_at=g.completed_at))
            record(Event(f"escrow_completed:{g.chain_id}:{g.escrow}", "escrow_completed",
                         formula.COMPLETED_POINTS * share, {**where, "token": g.token, "released": str(g.released),
                                                            "refunded": str(g.refunded), "share": round(share, 6)},
                         g.completed_at))
        for m in g.milestones:
            at_m = {**where, "milestone": m.index}
            if m.status == "released" and m.closed_at is not None and (
                    m.submitted_at is None or (m.closed_at - m.submitted_at).total_seconds() <= g.review_period):
                facts.on_time_releases.append(m.closed_at)
                record(Event(f"on_time_delivery:{g.chain_id}:{g.escrow}:{m.index}", "on_time_delivery",
                             formula.ON_TIME_POINTS, at_m, m.closed_at))
            if m.disputed_by is not None:
                outcome = _dispute_outcome(address, g, m)
                at = m.closed_at if outcome != "open" and m.closed_at is not None else now
                facts.disputes.append(formula.Dispute(opened_by_party=m.disputed_by == address, outcome=outcome, at=at))
                if outcome in ("won", "lost"):
                    record(Event(f"dispute_{outcome}:{g.chain_id}:{g.escrow}:{m.index}", f"dispute_{outcome}",
                                 formula.DISPUTE_WON if outcome == "won" else formula.DISPUTE_LOST, at_m, at))
    counted = attestations.counted_attestations(db, engine, settings, [address], now=int(now.timestamp()))
    used = []
    for a in counted:
        at = datetime.fromtimestamp(a.time, UTC)
        assert a.decoded is not None
        if a.schema_uid == MILESTONE_REVIEW.uid:
            if checksum(str(a.decoded["client"])) in own and checksum(str(a.decoded["freelancer"])) in own:
                continue  # a review of oneself through a second wallet
            rating = int(a.decoded["rating"])
            facts.ratings.append((rating, at))
            record(Event(f"review_received:{a.uid}", "review_received", formula.RATING_POINTS * (rating - 1),
                         {"uid": a.uid, "rating": rating}, at))
        elif a.schema_uid == VERIFIED_SKILL.uid:
            skill, level = str(a.decoded["skill"]), int(a.decoded["level"])
            facts.skills[skill] = max(level, facts.skills.get(skill, 0))
            record(Event(f"skill_verified:{a.uid}", "skill_verified", formula.SKILL_POINTS,
                         {"uid": a.uid, "skill": skill, "level": level}, at))
        else:
            continue
        seen.append(at)
        used.append(a.uid)
    facts.first_seen = min(seen) if seen else None
    return facts, sorted(used)


def _versions(engine: Engine, redis: Redis, settings: ApiSettings, address: str,
              now: datetime) -> tuple[str, str, bool, dict[int, int]]:
    """(cache key, index_version of the response, is_verifier, stakes): everything a score depends on, read
    now (never a remembered version: a score follows the confirmed index and Lancer's data exactly)."""
    # Autocommit: read-only statements, each its own snapshot anyway; no BEGIN and ROLLBACK round trips.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        index_version = read_models.reputation_index_version(conn)
        # Linked wallets and offchain attestations (api.kit.versions): a wallet linked or unlinked changes
        # which escrows and reviews count.
        wallets_and_attestations = data_version(conn, "reputation")
        # verifier_stake (a separate component): only verifiers' stakes are read; the stake is in the key.
        is_verifier = address in settings.verifier_addresses or address in settings.admin_addresses
        stakes = verifier_stake.stakes_by_chain(conn, settings.deployments_dir, address) if is_verifier else {}
    version = f"{index_version}.{attestations.attestation_version(redis, settings)}"
    stake_key = f"{verifier_stake.VERSION}:{int(is_verifier)}:{sum(stakes.values())}"
    # The hour is part of the key so decay moves on even when no data changes.
    key = (f"{settings.redis_key_prefix}rep:{formula.FORMULA_VERSION}:{stake_key}:{address}:{version}:"
           f"{wallets_and_attestations}:{now:%Y%m%d%H}")
    return key, version, is_verifier, stakes


def reputation(db: Db, engine: Engine, redis: Redis, settings: ApiSettings, address: str) -> ReputationOut:
    address = checksum(address)
    now = datetime.now(UTC)
    key, version, is_verifier, stakes = _versions(engine, redis, settings, address, now)
    return _reputation(db, engine, redis, settings, address, now, key, version, is_verifier, stakes)


def gate_key(address: str, now: datetime) -> str:
    """The read-cache key (under its version) of a wallet's answer; the hour is part of it as in the exact
    key: decay moves on even when no data changes."""
    return f"rep:{formula.FORMULA_VERSION}:{address}:{now:%Y%m%d%H}"


def remembered(cache: ReadCache, address: str) -> Cached | None:
    """The answer for a checksummed ``address`` already built under the read cache's current version, when
    that version is fresh; no I/O, for the event loop. That version covers everything a score is computed
    from (the index version, the data versions of linked wallets and offchain attestations, and the
    attestation counter: ``api.app`` folds it in), so an answer is never staler than the other cached reads:
    a change is seen within CACHE_VERSION_TTL_SECONDS by every process, at once by the one that wrote it."""
    return cache.peek(gate_key(address, datetime.now(UTC)))


def reputation_cached(engine: Engine, redis: Redis, settings: ApiSettings, cache: ReadCache, address: str) -> Cached:
    """The route's answer: ``reputation`` with its rendered body also kept in the process (the read cache's
    bounded LRU) under the same exact key, so a repeat costs the version reads and no Redis get, JSON
    parse, validation or serialization. The first answer says ``cached: false``, repeats ``true``.

    The repeat is also filed under the read cache's version (read first: what is filed under it is never
    older than it), for ``remembered``."""
    address = checksum(address)
    gate_version = cache.version()
    now = datetime.now(UTC)
    gate = gate_key(address, now)
    found = cache.peek_under(gate, gate_version)  # answered under this version already (it was not fresh)
    if found is not None:
        return found
    key, version, is_verifier, stakes = _versions(engine, redis, settings, address, now)
    found = cache.lookup(key)
    if found is not None:
        cache.put(gate, found, gate_version)
        return found
    with Db(engine) as db:
        out = _reputation(db, engine, redis, settings, address, now, key, version, is_verifier, stakes)
    repeat = out if out.cached else out.model_copy(update={"cached": True})
    remembered_body = Cached.of(repeat.model_dump_json().encode(), confirmed=False)
    cache.store(key, remembered_body)
    cache.put(gate, remembered_body, gate_version)
    return remembered_body if out.cached else Cached.of(out.model_dump_json().encode(), confirmed=False)


def _reputation(db: Db, engine: Engine, redis: Redis, settings: ApiSettings, address: str, now: datetime, key: str,
                version: str, is_verifier: bool, stakes: dict[int, int]) -> ReputationOut:
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


def recent_score(db: Db, engine: Engine, redis: Redis, settings: ApiSettings, address: str) -> float | None:
    """A wallet's score for screens that show the number only (dashboards): the newest persisted score
    (``reputation_scores``, written by the ``reputation_recompute`` sweep every 5 minutes for wallets whose
    data moved, and by the history route) when it is of the current formula and no older than
    REPUTATION_CACHE_TTL_SECONDS (what the live cache may serve too); otherwise the live computation.
    One indexed query instead of reading every escrow and milestone of the wallet on each change of the
    index. Verifiers always get the live score: their stake component is not persisted."""
    address = checksum(address)
    is_verifier = address in settings.verifier_addresses or address in settings.admin_addresses
    ttl = settings.reputation_cache_ttl_seconds
    if ttl and not is_verifier:
        since = datetime.now(UTC) - timedelta(seconds=ttl)
        found = db.scalar(select(ReputationScore.score).where(
            ReputationScore.address == address, ReputationScore.formula_version == formula.FORMULA_VERSION,
            ReputationScore.updated_at >= since).order_by(ReputationScore.updated_at.desc(),
                                                          ReputationScore.id.desc()).limit(1))
        if found is not None:
            return float(found)
    return reputation(db, engine, redis, settings, address).score
