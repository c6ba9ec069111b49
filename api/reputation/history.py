"""Persisted reputation: derive a wallet's events from confirmed facts (``service.facts_for``), keep
``reputation_events`` equal to them (a fact a reorg retracted is no longer derived, so its event is
deleted), append a ``reputation_scores`` row when the data changed, and award badges (docs/reputation.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from redis import Redis
from sqlalchemy import Engine, delete, select, text
from sqlalchemy.orm import Session as Db

from api.attestations import service as attestations
from api.identity.models import Wallet
from api.kit import outbox
from api.kit.problems import Problem
from api.reputation import engagements, formula, service
from api.reputation.models import ReputationEvent, ReputationScore
from api.reputation.schemas import BadgeOut, EventOut, HistoryOut, ScorePoint
from api.settings import ApiSettings
from indexer import read_models
from indexer.core.addresses import checksum

YEAR = timedelta(days=365)


def data_version(engine: Engine, redis: Redis, settings: ApiSettings) -> str:
    with engine.connect() as conn:
        index_version = read_models.reputation_index_version(conn)
    return f"{formula.FORMULA_VERSION}.{index_version}.{attestations.attestation_version(redis, settings)}"


def refresh(db: Db, engine: Engine, redis: Redis, settings: ApiSettings, address: str,
            version: str | None = None) -> bool:
    """Bring one wallet's events and score up to the confirmed data; True when something was written."""
    address = checksum(address)
    user_id = db.scalar(select(Wallet.user_id).where(Wallet.address == address))
    if user_id is None:
        return False
    version = version or data_version(engine, redis, settings)
    # One refresh per wallet at a time (API requests and the sweep may race); released at commit.
    db.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"reputation:{address}"})
    latest = db.scalar(select(ReputationScore).where(ReputationScore.address == address)
                       .order_by(ReputationScore.updated_at.desc(), ReputationScore.id.desc()).limit(1))
    if latest is not None and latest.data_version == version:
        db.rollback()
        return False
    now = datetime.now(UTC)
    derived: list[service.Event] = []
    facts, _ = service.facts_for(db, engine, settings, address, now, derived)
    wanted = {e.key: e for e in derived}
    stored = {r.key: r for r in db.scalars(select(ReputationEvent).where(ReputationEvent.address == address))}
    gone = [k for k in stored if k not in wanted]
    if gone:
        db.execute(delete(ReputationEvent).where(ReputationEvent.address == address, ReputationEvent.key.in_(gone)))
    for key, e in wanted.items():
        row = stored.get(key)
        if row is None:
            db.add(ReputationEvent(user_id=user_id, address=address, key=key, type=e.type, weight=e.weight,
                                   payload=e.payload, created_at=e.at))
        elif (row.weight, row.payload, row.created_at) != (e.weight, e.payload, e.at):
            row.weight, row.payload, row.created_at = e.weight, e.payload, e.at
    result = formula.score(facts, now)
    if latest is None or latest.score != result["score"]:
        outbox.record(db, "reputation.updated", f"wallet:{address}",
                      {"address": address, "score": result["score"], "formula_version": formula.FORMULA_VERSION},
                      audience=[user_id])
    db.add(ReputationScore(user_id=user_id, address=address, score=float(result["score"]),  # type: ignore[arg-type]
                           breakdown=_jsonable(result["parts"]), formula_version=formula.FORMULA_VERSION,
                           data_version=version, updated_at=now))
    db.commit()
    return True


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
        return str(value)  # base-unit amounts as decimal strings
    return value


def badges(events: list[ReputationEvent], now: datetime) -> list[BadgeOut]:
    """The rules, as documented in docs/reputation.md ("Badges")."""
    by_type: dict[str, list[ReputationEvent]] = {}
    for e in sorted(events, key=lambda e: e.created_at):
        by_type.setdefault(e.type, []).append(e)
    completed, on_time = by_type.get("escrow_completed", []), by_type.get("on_time_delivery", [])
    first_skill: dict[str, datetime] = {}
    for e in by_type.get("skill_verified", []):
        first_skill.setdefault(str(e.payload.get("skill")), e.created_at)
    skill_times = sorted(first_skill.values())
    disputes = [e for t in ("dispute_won", "dispute_lost") for e in by_type.get(t, [])]
    last_dispute = max((e.created_at for e in disputes), default=None)
    first = min((e.created_at for e in events), default=None)
    # Dispute-free year: active for a year, a completion within it, and no dispute decided within it.
    quiet_since = max(t for t in (first, last_dispute) if t is not None) if first else None
    dispute_free = first is not None and quiet_since is not None and now - quiet_since >= YEAR and \
        any(now - e.created_at <= YEAR for e in completed)
    return [
        BadgeOut(id="first_contract", name="First contract", rule="at least 1 completed escrow",
                 earned=bool(completed), earned_at=completed[0].created_at if completed else None,
                 progress=f"{min(len(completed), 1)}/1"),
        BadgeOut(id="on_time_10", name="10 on-time deliveries", rule="10 milestones released within the review period",
                 earned=len(on_time) >= 10, earned_at=on_time[9].created_at if len(on_time) >= 10 else None,
                 progress=f"{min(len(on_time), 10)}/10"),
        BadgeOut(id="verified_skills_3", name="Verified in 3 skills", rule="3 distinct skills verified by Lancer",
                 earned=len(skill_times) >= 3, earned_at=skill_times[2] if len(skill_times) >= 3 else None,
                 progress=f"{min(len(skill_times), 3)}/3"),
        BadgeOut(id="dispute_free_year", name="A year without disputes",
                 rule="365 days since the first event and since the last dispute decided, with an escrow "
                      "completed in the last 365 days",
                 earned=dispute_free, earned_at=(quiet_since + YEAR) if dispute_free and quiet_since else None,
                 progress=None),
    ]


def history(db: Db, engine: Engine, redis: Redis, settings: ApiSettings, address: str, limit: int) -> HistoryOut:
    address = checksum(address)
    if db.scalar(select(Wallet.user_id).where(Wallet.address == address)) is None:
        raise Problem(404, "no Lancer user holds this wallet: history is kept for users' wallets",
                      type_="not-a-user")
    refresh(db, engine, redis, settings, address)
    series = list(db.scalars(select(ReputationScore).where(ReputationScore.address == address)
                             .order_by(ReputationScore.updated_at.desc(), ReputationScore.id.desc()).limit(limit)))
    events = list(db.scalars(select(ReputationEvent).where(ReputationEvent.address == address)
                             .order_by(ReputationEvent.created_at.desc(), ReputationEvent.id.desc())))
    now = datetime.now(UTC)
    return HistoryOut(
        address=address, formula_version=formula.FORMULA_VERSION,
        series=[ScorePoint(at=r.updated_at, score=r.score, formula_version=r.formula_version) for r in reversed(series)],
        events=[EventOut(type=e.type, weight=round(e.weight, 4), payload=e.payload, at=e.created_at)
                for e in events[:limit]],
        badges=badges(events, now))


def sweep(engine: Engine, redis: Redis, settings: ApiSettings, *, batch: int = 500) -> int:
    """The scheduled recompute: refresh every user wallet whose data moved, and attest newly completed
    engagements. Returns the number of wallets refreshed plus attestations issued."""
    done = 0
    version = data_version(engine, redis, settings)
    with Db(engine, expire_on_commit=False) as db:
        after: tuple[int, str] | None = None
        while True:
            with engine.connect() as conn:
                page = read_models.confirmed_completions(conn, after=after, limit=batch)
                found = [read_models.confirmed_engagement(conn, c, e) for c, e, _ in page]
            for g in found:
                if g is None or g.freelancer in service.linked_wallets(db, g.client):
                    continue  # an engagement with oneself is not attested (lancer-rep-v2 gaming rules)
                if engagements.issue_engagement_completed(db, redis, settings, g) is not None:
                    done += 1
            if len(page) < batch:
                break
            after = page[-1][0], page[-1][1]
        done += engagements.retract_reorged(db, engine, redis, settings)
        version = data_version(engine, redis, settings)  # issuing moved the attestation version
        for address in list(db.scalars(select(Wallet.address).order_by(Wallet.address))):
            done += int(refresh(db, engine, redis, settings, address, version))
    return done
