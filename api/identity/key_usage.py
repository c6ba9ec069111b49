"""API key usage: per-key-per-day request counters in Redis, flushed into ``api_key_usage`` by the scheduler."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import structlog
from redis import Redis
from sqlalchemy import Engine, and_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session as Db

from api.identity.models import ApiKey, ApiKeyUsage
from api.settings import ApiSettings

log = structlog.get_logger(__name__)


def _now() -> datetime:
    return datetime.now(UTC)


def live_key(settings: ApiSettings) -> str:
    return f"{settings.redis_key_prefix}apikey-usage"


# Snapshot the live counters: RENAME is atomic, so each count lands in exactly one snapshot, and the
# snapshot is listed in a set (no SCAN) in the same script.
_SNAPSHOT = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('RENAME', KEYS[1], KEYS[2])
  redis.call('SADD', KEYS[3], KEYS[2])
end
return redis.call('SMEMBERS', KEYS[3])
"""
# Claim one snapshot: only the flusher that removes it from the set gets its counts.
_CLAIM = """
if redis.call('SREM', KEYS[1], KEYS[2]) == 1 then
  return redis.call('HGETALL', KEYS[2])
end
return false
"""


def _snapshots_key(settings: ApiSettings) -> str:
    return f"{live_key(settings)}:snapshots"


def flush_usage(engine: Engine, redis: Redis, settings: ApiSettings) -> int:
    """Move the Redis per-key-per-day counters into api_key_usage (the scheduled job runs it).

    Several flushers at once never count a request twice: each snapshot is claimed by exactly one of
    them (atomic SREM). A snapshot whose database write fails goes back to the set for the next run.
    """
    live, pending = live_key(settings), _snapshots_key(settings)
    snapshot = f"{live}:snapshot:{uuid.uuid4().hex}"
    names = redis.eval(_SNAPSHOT, 3, live, snapshot, pending)
    moved = 0
    for raw in names:
        name = raw.decode() if isinstance(raw, bytes) else raw
        claimed = redis.eval(_CLAIM, 2, pending, name)
        if not claimed:
            continue  # another flusher has it
        fields = [f.decode() if isinstance(f, bytes) else f for f in claimed]
        counts: dict[tuple[uuid.UUID, date], int] = {}
        for field, value in zip(fields[::2], fields[1::2], strict=True):
            key_id, _, day = field.partition("|")
            counts[(uuid.UUID(key_id), date.fromisoformat(day))] = int(value)
        try:
            moved += _store_usage(engine, counts)
        except Exception:
            redis.sadd(pending, name)  # retried by the next run; nobody else counted it
            raise
        redis.delete(name)
    return moved


def _store_usage(engine: Engine, counts: dict[tuple[uuid.UUID, date], int]) -> int:
    if not counts:
        return 0
    with Db(engine) as db:
        # Keys deleted since (erasure) are skipped: only the keys of this snapshot are looked up.
        known = set(db.scalars(select(ApiKey.id).where(ApiKey.id.in_({kid for kid, _ in counts}))))
        moved = 0
        for (kid, day), value in sorted(counts.items()):
            if kid not in known:
                continue
            stmt = pg_insert(ApiKeyUsage).values(api_key_id=kid, day=day, requests=value)
            db.execute(stmt.on_conflict_do_update(
                constraint="uq_api_key_usage_key_day",
                set_={"requests": ApiKeyUsage.requests + stmt.excluded.requests}))
            moved += value
        db.commit()
    return moved


def unflushed_usage(redis: Redis, settings: ApiSettings, key_id: uuid.UUID, days: int = 30) -> dict[date, int]:
    """Requests of one key still in Redis (live counters and snapshots not yet stored): a few HMGETs."""
    today = _now().date()
    fields = [f"{key_id}|{(today - timedelta(days=n)).isoformat()}" for n in range(days + 1)]
    out: dict[date, int] = {}
    try:
        hashes = [live_key(settings)] + [
            n.decode() if isinstance(n, bytes) else n for n in redis.smembers(_snapshots_key(settings))]
        for name in hashes:
            for field, value in zip(fields, redis.hmget(name, fields), strict=True):
                if value is not None:
                    day = date.fromisoformat(field.partition("|")[2])
                    out[day] = out.get(day, 0) + int(value)
    except Exception:  # Redis down: the stored figures are still right, only not up to the minute
        log.warning("API key usage counters unavailable")
    return out


def usage(db: Db, key_id: uuid.UUID, days: int = 30) -> list[ApiKeyUsage]:
    since = _now().date() - timedelta(days=days)
    return list(db.scalars(select(ApiKeyUsage).where(and_(ApiKeyUsage.api_key_id == key_id,
                                                          ApiKeyUsage.day >= since))
                           .order_by(ApiKeyUsage.day)))
