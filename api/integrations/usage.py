"""Per-route API key usage: every request made with an API key becomes one ``api_key_requests`` row
(route template, status, latency), and the analytics aggregate them per key, route and day.

The request path only appends a tuple to an in-memory buffer (no I/O); a background thread writes the
buffer to PostgreSQL in one multi-row INSERT every ``API_KEY_USAGE_FLUSH_SECONDS`` or as soon as it holds
``API_KEY_USAGE_BATCH`` rows. The buffer is bounded: under a database outage the oldest rows are dropped
(and counted), never the requests slowed down.
"""

from __future__ import annotations

import threading
import uuid
from collections import deque
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from prometheus_client import Counter
from sqlalchemy import Engine, and_, delete, func, insert, select
from sqlalchemy.orm import Session as Db
from starlette.types import Scope

from api.integrations.models import ApiKeyRequest
from api.kit.timing import route_template
from api.kit.versions import UNVERSIONED
from api.settings import ApiSettings

log = structlog.get_logger(__name__)
DROPPED = Counter("lancer_api_key_usage_dropped_total", "API key usage rows dropped (buffer full or DB down)")
Row = tuple[uuid.UUID, str, str, int, int, datetime]


class UsageRecorder:
    def __init__(self, engine: Engine, batch: int, interval: float, capacity: int = 100_000) -> None:
        self._engine, self._batch, self._interval = engine, batch, interval
        self._rows: deque[Row] = deque()
        self._capacity = capacity
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()  # one writer at a time (the thread, or flush() from a test/shutdown)
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="api-key-usage", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.flush()

    def record(self, key_id: uuid.UUID, method: str, route: str, status: int, latency_ms: int) -> None:
        """Called on the event loop for each API-key request: an append, nothing else."""
        if len(self._rows) >= self._capacity:
            DROPPED.inc()
            return
        self._rows.append((key_id, method[:8], route[:200], status, latency_ms, datetime.now(UTC)))
        if len(self._rows) >= self._batch:
            self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self._interval)
            self._wake.clear()
            try:
                self.flush()
            except Exception as exc:  # noqa: BLE001 - the loop must survive a database outage
                log.warning("API key usage flush failed", error=type(exc).__name__)

    def flush(self) -> int:
        with self._lock:
            rows: list[Row] = []
            while self._rows:
                rows.append(self._rows.popleft())
            if not rows:
                return 0
            try:
                # Usage rows are behind no cached read: this commit leaves the read cache's version alone.
                with self._engine.connect().execution_options(**{UNVERSIONED: True}) as conn, conn.begin():
                    for start in range(0, len(rows), 5000):
                        conn.execute(insert(ApiKeyRequest), [
                            {"api_key_id": k, "method": m, "route": r, "status_code": s, "latency_ms": ms,
                             "created_at": at} for k, m, r, s, ms, at in rows[start:start + 5000]])
            except Exception:
                # A key deleted meanwhile fails the FK for the whole batch: those few rows are lost,
                # counted, never retried forever.
                DROPPED.inc(len(rows))
                raise
            return len(rows)


def record_key_usage(scope: Scope, status: int, seconds: float) -> None:
    """``api.kit.timing`` listener: when an API key authenticated the request, one row for the recorder."""
    principal = (scope.get("state") or {}).get("principal")
    if principal is None or principal.kind != "api_key" or "app" not in scope:
        return
    recorder: UsageRecorder | None = getattr(scope["app"].state, "key_usage", None)
    if recorder is not None:
        recorder.record(principal.api_key_id, scope.get("method", ""), route_template(scope), status,
                        int(seconds * 1000))


def route_usage(db: Db, key_id: uuid.UUID, days: int) -> list[dict[str, Any]]:
    """Per route and UTC day: requests, errors (4xx and 5xx), server errors, p50 and p99 latency (ms)."""
    day = func.date_trunc("day", func.timezone("UTC", ApiKeyRequest.created_at)).label("day")
    since = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=days - 1)
    query = (select(day, ApiKeyRequest.method, ApiKeyRequest.route, func.count().label("requests"),
                    func.count().filter(ApiKeyRequest.status_code >= 400).label("errors"),
                    func.count().filter(ApiKeyRequest.status_code >= 500).label("server_errors"),
                    func.percentile_cont(0.5).within_group(ApiKeyRequest.latency_ms).label("p50"),
                    func.percentile_cont(0.99).within_group(ApiKeyRequest.latency_ms).label("p99"))
             .where(and_(ApiKeyRequest.api_key_id == key_id, ApiKeyRequest.created_at >= since))
             .group_by(day, ApiKeyRequest.method, ApiKeyRequest.route)
             .order_by(day.desc(), ApiKeyRequest.route, ApiKeyRequest.method))
    return [{"day": r.day.date(), "method": r.method, "route": r.route, "requests": r.requests,
             "errors": r.errors, "server_errors": r.server_errors, "p50_ms": round(float(r.p50), 1),
             "p99_ms": round(float(r.p99), 1)} for r in db.execute(query)]


def purge(engine: Engine, redis: object, settings: ApiSettings) -> int:
    """Scheduler sweep: raw rows older than API_KEY_USAGE_RETENTION_DAYS go."""
    cutoff = datetime.now(UTC) - timedelta(days=settings.api_key_usage_retention_days)
    with Db(engine) as db:
        result = db.execute(delete(ApiKeyRequest).where(ApiKeyRequest.created_at < cutoff))
        db.commit()
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
