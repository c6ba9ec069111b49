"""engagement_completed attestations: Lancer attests each confirmed completed engagement to its freelancer
(the reputation sweep calls this; the fact key makes a second attestation of one escrow impossible)."""

from __future__ import annotations

from redis import Redis
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session as Db

from api.attestations import schemas as s
from api.attestations import service
from api.attestations.models import OffchainAttestation
from api.kit.problems import Problem
from api.settings import ApiSettings
from contracts.eas.lancer_schemas import ENGAGEMENT_COMPLETED, ENGAGEMENT_INDEX, milestone_ref
from indexer import read_models


def issue_engagement_completed(db: Db, redis: Redis, settings: ApiSettings,
                               engagement: read_models.Engagement) -> OffchainAttestation | None:
    """Attest a confirmed completed escrow whose every milestone was released (the schema's meaning), to
    its freelancer; None when it does not qualify, was attested already, or its chain has no EAS."""
    fact_key = f"engagement:{engagement.chain_id}:{engagement.escrow}"
    if not engagement.completed or engagement.completed_at is None or not engagement.milestones or \
            any(m.status != "released" for m in engagement.milestones) or engagement.client == engagement.freelancer:
        return None
    where = service.eas_for(settings, engagement.chain_id)
    if where is None or db.scalar(select(OffchainAttestation.uid).where(OffchainAttestation.fact_key == fact_key)):
        return None
    values = {"client": engagement.client, "freelancer": engagement.freelancer,
              "escrow": milestone_ref(engagement.chain_id, engagement.escrow, ENGAGEMENT_INDEX),
              "token": engagement.token, "totalAmount": engagement.released,
              "milestones": len(engagement.milestones), "completedAt": int(engagement.completed_at.timestamp())}
    try:
        return service.issue_attestation(db, redis, settings, kind="engagement", fact_key=fact_key, where=where,
                      schema=ENGAGEMENT_COMPLETED, values=values, recipient=engagement.freelancer,
                      details={"chain_id": engagement.chain_id, "escrow": engagement.escrow}, created_by=None)
    except Problem:  # a concurrent sweep attested it first
        return None


def retract_reorged(db: Db, engine: Engine, redis: Redis, settings: ApiSettings) -> int:
    """Revoke engagement_completed attestations whose escrow a reorg turned back into not completed
    (its confirmed state says so); an escrow whose latest state is still pending is left for later."""
    done = 0
    rows = list(db.scalars(select(OffchainAttestation).where(OffchainAttestation.kind == "engagement",
                                                              OffchainAttestation.revoked_at.is_(None))))
    for row in rows:
        chain_id, escrow = int(row.details["chain_id"]), str(row.details["escrow"])
        with engine.connect() as conn:
            now = read_models.confirmed_engagement(conn, chain_id, escrow)
        if now is not None and not now.completed:
            service.revoke_attestation(db, engine, redis, settings, row.uid, None, s.RevokeIn(
                reason="the completion was retracted by a chain reorganisation", onchain=True))
            done += 1
    return done
