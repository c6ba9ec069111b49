"""Lancer's attestations on chain, exactly once: the rq jobs' work (EAS.attest resumed from a journal
after a crash, serialised per UID; EAS.revoke / revokeOffchain) and the request that enqueues them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import structlog
from redis import Redis
from sqlalchemy import Engine, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session as Db

from api.attestations.eas_chains import require_chain_eas
from api.attestations.models import AttestJournalEntry, OffchainAttestation
from api.attestations.service import bump_version
from api.kit.problems import Problem
from api.kit.queue import get_queue
from api.settings import ApiSettings
from contracts.eas.onchain import AttestRequest, JournalEntry, attest_once, revoke, revoke_offchain
from indexer.core.locks import ATTEST_LOCK_CLASS, held

log = structlog.get_logger(__name__)


class DbJournal:
    """``AttestJournal`` on PostgreSQL: every put is committed before ``attest_once`` goes on."""

    def __init__(self, engine: Engine, chain_id: int) -> None:
        self.engine = engine
        self.chain_id = chain_id

    def get(self, key: str) -> JournalEntry | None:
        with Db(self.engine) as db:
            row = db.get(AttestJournalEntry, key)
            return None if row is None else JournalEntry(row.tx_hash, row.raw_tx, row.nonce, row.uid)

    def put(self, key: str, entry: JournalEntry) -> None:
        values = {"tx_hash": entry.tx_hash, "raw_tx": entry.raw_tx, "nonce": entry.nonce, "uid": entry.uid,
                  "updated_at": datetime.now(UTC)}
        stmt = pg_insert(AttestJournalEntry).values(key=key, chain_id=self.chain_id, **values)
        with Db(self.engine) as db:
            db.execute(stmt.on_conflict_do_update(index_elements=["key"], set_=values))
            db.commit()


# Reserve one on-chain attestation of a user's quota: count, and give the slot back when over it.
_RESERVE = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
if count > tonumber(ARGV[1]) then
  redis.call('DECR', KEYS[1])
  return -math.max(redis.call('TTL', KEYS[1]), 1)
end
return count
"""


def _quota_key(settings: ApiSettings, user_id: uuid.UUID) -> str:
    return f"{settings.redis_key_prefix}quota:onchain:{user_id}"


def reserve_onchain_quota(redis: Redis, settings: ApiSettings, user_id: uuid.UUID) -> None:
    """Lancer pays the gas of on-chain copies: at most ONCHAIN_ATTESTATIONS_PER_PERIOD per user and period
    (a self-dealt escrow must not turn into a way to drain the attester's balance). 429 when used up."""
    limit, period = settings.onchain_attestations_per_period, settings.onchain_attestation_period_seconds
    result = int(redis.eval(_RESERVE, 1, _quota_key(settings, user_id), limit, period))
    if result < 0:
        raise Problem(429, f"on-chain attestation quota used up ({limit} per {period} s); retry in {-result} s, "
                      "or ask for the offchain attestation only", type_="onchain-quota-exceeded",
                      headers={"Retry-After": str(-result)})


def release_onchain_quota(redis: Redis, settings: ApiSettings, user_id: uuid.UUID) -> None:
    """Give a reserved slot back (the attestation was not issued after all)."""
    redis.decr(_quota_key(settings, user_id))


def request_onchain(db: Db, settings: ApiSettings, row: OffchainAttestation, redis: Redis) -> str:
    """Mark the attestation for an on-chain copy and enqueue the job; returns the rq job id."""
    if row.onchain_status in ("none", "failed"):
        db.execute(update(OffchainAttestation).where(OffchainAttestation.uid == row.uid).values(
            onchain_status="requested", onchain_chain_id=row.chain_id, onchain_error=None,
            updated_at=datetime.now(UTC)))
        db.commit()
    job = get_queue(settings, redis).enqueue("api.attestations.jobs.attest_onchain", row.uid,
                                             job_id=f"attest-{row.uid[2:]}")
    return str(job.id)


def put_onchain(engine: Engine, redis: Redis, settings: ApiSettings, uid: str) -> str | None:
    """EAS.attest of the offchain attestation ``uid``'s content, at most once however often it runs
    (serialised per UID by an advisory lock; resumed from the journal after a crash)."""
    with engine.connect() as lock_conn, held(lock_conn, ATTEST_LOCK_CLASS, uid):
        with Db(engine) as db:
            row = db.get(OffchainAttestation, uid)
            if row is None:
                raise LookupError(f"no offchain attestation {uid}")
            if row.onchain_uid is not None:
                return row.onchain_uid
            if row.revoked_at is not None:
                return None
            where = require_chain_eas(settings, row.onchain_chain_id or row.chain_id)
            message = row.package["sig"]["message"]
            request = AttestRequest(schema=row.schema_uid, recipient=row.recipient,
                                    data=bytes.fromhex(message["data"][2:]), expiration_time=row.expiration_time,
                                    revocable=bool(message["revocable"]))
            try:
                result = attest_once(where.web3(), settings.attester(), where.eas.eas, request, key=uid,
                                     journal=DbJournal(engine, where.chain.chain_id), from_block=where.start_block)
            except Exception as exc:
                row.onchain_status, row.onchain_error = "failed", str(exc)[:500]
                db.commit()
                raise
            row.onchain_status, row.onchain_uid, row.onchain_chain_id = "attested", result.uid, where.chain.chain_id
            row.onchain_tx = result.tx_hash or row.onchain_tx
            db.commit()
            log.info("attested_onchain", uid=uid, onchain_uid=result.uid, status=result.status.value)
        bump_version(redis, settings)
        return result.uid


def revoke_onchain(engine: Engine, redis: Redis, settings: ApiSettings, uid: str, chain_id: int) -> list[str]:
    """EAS.revokeOffchain of an offchain attestation and EAS.revoke of its on-chain copy (or of an
    on-chain-only attestation); each is skipped when already done. Returns what was done."""
    where = require_chain_eas(settings, chain_id)
    w3, attester, done = where.web3(), settings.attester(), []
    with Db(engine) as db:
        row = db.get(OffchainAttestation, uid)
        onchain_uid = row.onchain_uid if row is not None else uid
    if row is not None:
        status, _ = revoke_offchain(w3, attester, where.eas.eas, uid)
        done.append(f"revokeOffchain: {status.value}")
    if onchain_uid is not None:
        status, _ = revoke(w3, attester, where.eas.eas, onchain_uid)
        done.append(f"revoke: {status.value}")
    bump_version(redis, settings)
    return done
