"""Webhook delivery: the dispatcher turns outbox events into deliveries, and an rq job per endpoint sends
them, one at a time and in order.

- ``dispatch`` claims a batch of the outbox (consumer ``webhooks``: its cursor row is locked ``FOR UPDATE
  SKIP LOCKED``, so parallel dispatchers never share a batch), writes one ``webhook_deliveries`` row per
  matching active endpoint (idempotent on ``(webhook, event)``: a batch that comes again adds nothing),
  then enqueues ``deliver_endpoint`` for every endpoint with a message due, on the ``webhooks`` queue
  (worked by ``lancer worker --webhooks``: jobs run in-process, one HTTP client and engine per process).
- ``deliver_endpoints`` (the job: up to ``ENDPOINTS_PER_JOB`` endpoints side by side on threads) runs
  ``deliver_endpoint`` for each: it holds a Redis lock per endpoint (one attempt in flight per endpoint)
  and sends the endpoint's oldest pending message; the next one waits until it succeeded or gave up (order per
  endpoint). No database transaction stays open during the HTTP call.
- Failures (5xx, 429, 408, timeouts, connection errors, a URL that now resolves to a private address) are
  retried with exponential backoff and full jitter; other 4xx answers are final. After
  ``WEBHOOK_MAX_ATTEMPTS`` the message is ``failed`` and the queue moves on; after
  ``WEBHOOK_DISABLE_AFTER_FAILURES`` consecutive failed attempts the endpoint is disabled and an
  ``integration.webhook.disabled`` event goes to the outbox.

Who gets what: an endpoint of a user's integration receives the events whose audience includes that user;
one of an organization's integration receives the events about the organization (``org:<id>``) and its
projects (``project:<id>``, or a payload naming the project). Logs name endpoints by id only: URLs can
carry secrets (Slack/Discord webhook URLs do).
"""

from __future__ import annotations

import random
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import httpx
import structlog
from prometheus_client import Counter, Histogram
from redis import Redis
from rq import Queue
from sqlalchemy import Engine, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session as Db

from api.integrations import providers, signing, urls
from api.integrations.models import Integration, Webhook, WebhookAttempt, WebhookDelivery
from api.integrations.service import signing_secrets
from api.kit import outbox
from api.kit.queue import WEBHOOKS, get_queue
from api.notifications import service as notifications
from api.orgs.models import OrgMember
from api.projects.models import Project
from api.settings import ApiSettings

log = structlog.get_logger(__name__)

CONSUMER = "webhooks"
EXCERPT_CHARS = 200
_RETRY_STATUSES = {408, 425, 429}
RETRY_AFTER_CAP_SECONDS = 86_400.0
JOB = "api.integrations.jobs.deliver_endpoints"
# Endpoints per job, sent side by side on threads: rq's bookkeeping (about 40 Redis calls a job) is paid once
# for them, and a slow endpoint does not hold up the others of its job.
ENDPOINTS_PER_JOB = 16

ATTEMPTS = Counter("lancer_webhook_attempts_total", "Webhook delivery attempts", ["outcome"])
LATENCY = Histogram("lancer_webhook_attempt_seconds", "Webhook attempt latency (request to answer)",
                    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
DISABLED = Counter("lancer_webhook_endpoints_disabled_total", "Endpoints disabled after repeated failures")


# --- dispatcher -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Target:
    webhook_id: uuid.UUID
    provider: str
    events: tuple[str, ...]
    config: dict
    owner_user_id: uuid.UUID | None
    owner_org_id: uuid.UUID | None


def _targets(db: Db) -> list[_Target]:
    rows = db.execute(select(Webhook.id, Webhook.events, Integration.provider, Integration.config,
                             Integration.owner_user_id, Integration.owner_org_id)
                      .join(Integration, Integration.id == Webhook.integration_id)
                      .where(Webhook.status == "active", Integration.status == "active")).all()
    return [_Target(r.id, r.provider, tuple(r.events), r.config or {}, r.owner_user_id, r.owner_org_id) for r in rows]


def _project_of(event: outbox.Event) -> uuid.UUID | None:
    subject = event.subject
    raw = subject.removeprefix("project:") if subject.startswith("project:") else event.payload.get("project")
    try:
        return uuid.UUID(str(raw)) if raw else None
    except ValueError:
        return None


def _route(db: Db, events: list[outbox.Event], targets: list[_Target]) -> list[tuple[outbox.Event, _Target]]:
    by_user: dict[uuid.UUID, list[_Target]] = defaultdict(list)
    by_org: dict[uuid.UUID, list[_Target]] = defaultdict(list)
    for t in targets:
        if t.owner_user_id is not None:
            by_user[t.owner_user_id].append(t)
        elif t.owner_org_id is not None:
            by_org[t.owner_org_id].append(t)
    # Users who turned the webhook channel off for a kind (notification preferences) get none of it.
    muted = notifications.webhook_muted(db, by_user) if by_user else set()
    project_ids = {p for e in events if by_org and (p := _project_of(e)) is not None}
    project_org = dict(db.execute(select(Project.id, Project.org_id).where(Project.id.in_(project_ids))).all()) \
        if project_ids else {}
    out: list[tuple[outbox.Event, _Target]] = []
    for event in events:
        chosen: list[_Target] = []
        kind = notifications.kind_of(event.kind)
        for user_id in event.audience or []:
            if kind is None or (user_id, kind) not in muted:
                chosen += by_user.get(user_id, [])
        org_id = None
        if event.subject.startswith("org:"):
            try:
                org_id = uuid.UUID(event.subject[4:])
            except ValueError:
                org_id = None
        elif (project := _project_of(event)) is not None:
            org_id = project_org.get(project)
        if org_id is not None:
            chosen += by_org.get(org_id, [])
        seen: set[uuid.UUID] = set()
        for t in chosen:
            if t.webhook_id not in seen and providers.matches(list(t.events), event.kind):
                seen.add(t.webhook_id)
                out.append((event, t))
    return out


_INSERT_DELIVERY = insert(WebhookDelivery.__table__).on_conflict_do_nothing(
    index_elements=["webhook_id", "event_id"], index_where=text("event_id IS NOT NULL AND replay_of IS NULL")
).returning(WebhookDelivery.__table__.c.id)


def dispatch(engine: Engine, redis: Redis, settings: ApiSettings, batch: int = 500) -> int:
    """One pass: outbox events to deliveries, then enqueue due endpoints. Returns deliveries created."""
    created = 0
    with outbox.claim(engine, CONSUMER, limit=batch) as events:
        if events:
            with Db(engine) as db:
                rows = [{"webhook_id": t.webhook_id, "event_id": e.id, "msg_id": f"msg_{e.id}", "event_type": e.kind,
                         "body": providers.render(t.provider, e.kind, e.subject, e.payload, e.created_at, e.id,
                                                  t.config),
                         "status": "pending", "attempts": 0, "next_attempt_at": datetime.now(UTC),
                         "created_at": datetime.now(UTC)}
                        for e, t in _route(db, events, _targets(db))]
                if rows:
                    # One cached statement for many rows (SQLAlchemy's "insertmanyvalues" batches): a multi-VALUES
                    # statement of 1,000s of rows would be compiled afresh for every batch size. RETURNING
                    # counts the rows really created (a batch that comes again creates none).
                    created = len(db.connection().execute(_INSERT_DELIVERY, rows).all())
                db.commit()
    kick_due(engine, redis, settings)
    return created


def kick(redis: Redis, settings: ApiSettings, webhook_id: uuid.UUID) -> bool:
    """Enqueue the endpoint's job unless one was enqueued in the last minute and has not started yet."""
    return kick_many(redis, settings, [webhook_id]) == 1


def kick_many(redis: Redis, settings: ApiSettings, webhook_ids: list[uuid.UUID]) -> int:
    """``kick`` for many endpoints in two pipelined round trips (a pass can make 1,000s due at once)."""
    if not webhook_ids:
        return 0
    with redis.pipeline(transaction=False) as pipe:
        for wid in webhook_ids:
            pipe.set(f"{settings.redis_key_prefix}webhook:kick:{wid}", "1", nx=True, ex=60)
        won = [wid for wid, fresh in zip(webhook_ids, pipe.execute(), strict=True) if fresh]
    if won:
        timeout = int(settings.webhook_timeout_seconds * 10) + 60
        get_queue(settings, redis, WEBHOOKS).enqueue_many(
            [Queue.prepare_data(JOB, ([str(w) for w in won[i:i + ENDPOINTS_PER_JOB]],), timeout=timeout)
             for i in range(0, len(won), ENDPOINTS_PER_JOB)])
    return len(won)


def kick_due(engine: Engine, redis: Redis, settings: ApiSettings) -> int:
    with engine.connect() as conn:
        due = conn.execute(text(
            "SELECT DISTINCT d.webhook_id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id "
            "WHERE d.status = 'pending' AND d.next_attempt_at <= now() AND w.status = 'active'")).scalars().all()
    return kick_many(redis, settings, list(due))


# --- one endpoint -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    outcome: str  # ok | http_error | timeout | connection_error | blocked_url
    status_code: int | None
    latency_ms: int
    excerpt: str
    retry_after: float | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"

    @property
    def retryable(self) -> bool:
        if self.outcome == "http_error":
            return self.status_code is not None and (self.status_code >= 500 or self.status_code in _RETRY_STATUSES)
        return not self.ok


@lru_cache(maxsize=4)
def _http(timeout: float) -> httpx.Client:
    # One client per worker process: its TLS context and connection pool are reused across attempts
    # (building a client costs ~0.1 s of certificate loading).
    # trust_env: HTTPS_PROXY is honoured, so operators can route webhooks through an egress proxy.
    return httpx.Client(timeout=timeout, follow_redirects=False,
                        limits=httpx.Limits(max_connections=100, max_keepalive_connections=20))


def send(url: str, headers: dict[str, str], body: str, settings: ApiSettings) -> Outcome:
    """POST the body; never raises, never logs the URL or the exception text."""
    result = _send(url, headers, body, settings)
    ATTEMPTS.labels(result.outcome).inc()
    LATENCY.observe(result.latency_ms / 1000)
    return result


def _send(url: str, headers: dict[str, str], body: str, settings: ApiSettings) -> Outcome:
    started = time.monotonic()

    def ms() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        urls.check(url, "webhook", settings.webhook_private_urls_allowed)
    except urls.UrlRefused:
        return Outcome("blocked_url", None, ms(), "")
    try:
        with _http(settings.webhook_timeout_seconds).stream(
                "POST", url, content=body.encode(),
                headers={**headers, "content-type": "application/json", "user-agent": "Lancer-Webhooks/1"}) as response:
            raw = b""
            for chunk in response.iter_bytes():
                raw += chunk
                if len(raw) >= EXCERPT_CHARS * 4:
                    break
            excerpt = raw.decode("utf-8", "replace")[:EXCERPT_CHARS]
            retry_after = response.headers.get("retry-after")
            wait = float(retry_after) if retry_after and retry_after.isdigit() else None
            kind = "ok" if 200 <= response.status_code < 300 else "http_error"
            return Outcome(kind, response.status_code, ms(), excerpt, wait)
    except httpx.TimeoutException:
        return Outcome("timeout", None, ms(), "")
    except (httpx.HTTPError, OSError):
        return Outcome("connection_error", None, ms(), "")


def backoff(settings: ApiSettings, attempt: int, retry_after: float | None = None) -> float:
    """Jittered: uniform in [base/2, min(max, base * 2**(attempt-1))]; never below the receiver's
    Retry-After (up to a day)."""
    ceiling = min(settings.webhook_retry_max_seconds, settings.webhook_retry_base_seconds * 2 ** (attempt - 1))
    delay = random.uniform(min(settings.webhook_retry_base_seconds / 2, ceiling), ceiling)
    if retry_after is not None:
        delay = max(delay, min(retry_after, RETRY_AFTER_CAP_SECONDS))
    return delay


@dataclass(frozen=True)
class _Next:
    hook: Webhook  # detached: the columns needed to sign and send
    delivery_id: int
    msg_id: str
    body: str
    next_attempt_at: datetime


_NEXT = text(
    "SELECT w.url, w.secret_kid, w.secret_blob, w.previous_secret_kid, w.previous_secret_blob,"
    " w.previous_secret_expires_at, d.id, d.msg_id, d.body, d.next_attempt_at"
    " FROM webhooks w JOIN integrations i ON i.id = w.integration_id"
    " CROSS JOIN LATERAL (SELECT id, msg_id, body, next_attempt_at FROM webhook_deliveries"
    "   WHERE webhook_id = w.id AND status = 'pending' ORDER BY id LIMIT 1) d"
    " WHERE w.id = :w AND w.status = 'active' AND i.status = 'active'")


def _next(engine: Engine, webhook_id: uuid.UUID) -> _Next | None:
    """The endpoint's oldest pending message, if the endpoint and its integration are active: one round
    trip per message (it runs before every attempt, so a disable or a rotation is seen at once)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:  # no BEGIN/ROLLBACK trips
        row = conn.execute(_NEXT, {"w": webhook_id}).first()
    if row is None:
        return None
    hook = Webhook(id=webhook_id, url=row.url, secret_kid=row.secret_kid, secret_blob=row.secret_blob,
                   previous_secret_kid=row.previous_secret_kid, previous_secret_blob=row.previous_secret_blob,
                   previous_secret_expires_at=row.previous_secret_expires_at)
    return _Next(hook, row.id, row.msg_id, row.body, row.next_attempt_at)


# A success in one statement (one round trip, autocommit): the message succeeds if still pending, its
# attempt is logged, the endpoint's failure streak ends; the answer says whether the endpoint is still active.
_SUCCEEDED = text(
    "WITH d AS (UPDATE webhook_deliveries SET attempts = attempts + 1, status = 'succeeded', finished_at = :now,"
    "   last_status_code = :code, last_error = NULL WHERE id = :id AND status = 'pending'"
    "   RETURNING id, attempts, webhook_id),"
    " a AS (INSERT INTO webhook_attempts (delivery_id, attempt, outcome, status_code, latency_ms,"
    "   response_excerpt, created_at) SELECT id, attempts, 'ok', :code, :latency, :excerpt, :now FROM d),"
    " h AS (UPDATE webhooks SET consecutive_failures = 0 WHERE id = (SELECT webhook_id FROM d)"
    "   AND consecutive_failures <> 0)"
    " SELECT w.status FROM webhooks w JOIN d ON w.id = d.webhook_id")


def _record(engine: Engine, settings: ApiSettings, delivery_id: int, result: Outcome) -> bool:
    """Write the attempt and its consequences; True when the endpoint may go on to its next message."""
    now = datetime.now(UTC)
    if result.ok:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            status = conn.execute(_SUCCEEDED, {"id": delivery_id, "now": now, "code": result.status_code,
                                               "latency": result.latency_ms, "excerpt": result.excerpt}).scalar()
        return status == "active"
    with Db(engine) as db:
        row = db.get(WebhookDelivery, delivery_id, with_for_update=True)
        hook = None if row is None else db.get(Webhook, row.webhook_id, with_for_update=True)
        if row is None or hook is None or row.status != "pending":
            return False
        row.attempts += 1
        db.add(WebhookAttempt(delivery_id=row.id, attempt=row.attempts, outcome=result.outcome,
                              status_code=result.status_code, latency_ms=result.latency_ms,
                              response_excerpt=result.excerpt, created_at=now))
        row.last_status_code, row.last_error = result.status_code, None if result.ok else result.outcome
        if result.ok:
            row.status, row.finished_at = "succeeded", now
            hook.consecutive_failures = 0
        else:
            hook.consecutive_failures += 1
            if not result.retryable or row.attempts >= settings.webhook_max_attempts:
                row.status, row.finished_at = "failed", now
            else:
                row.next_attempt_at = now + timedelta(seconds=backoff(settings, row.attempts, result.retry_after))
            if hook.status == "active" and hook.consecutive_failures >= settings.webhook_disable_after_failures:
                _disable(db, hook)
        go_on = hook.status == "active" and row.status != "pending"
        db.commit()
    return go_on


def _disable(db: Db, hook: Webhook) -> None:
    hook.status, hook.disabled_reason, hook.updated_at = "disabled", "failures", datetime.now(UTC)
    integration = db.get(Integration, hook.integration_id)
    audience: list[uuid.UUID] = []
    if integration is not None and integration.owner_user_id is not None:
        audience = [integration.owner_user_id]
    elif integration is not None and integration.owner_org_id is not None:
        audience = list(db.scalars(select(OrgMember.user_id).where(OrgMember.org_id == integration.owner_org_id,
                                                                   OrgMember.role.in_(("owner", "admin")))))
    outbox.record(db, "integration.webhook.disabled", f"webhook:{hook.id}",
                  {"webhook_id": str(hook.id), "integration_id": str(hook.integration_id),
                   "consecutive_failures": hook.consecutive_failures}, audience=audience or None)
    DISABLED.inc()
    log.warning("webhook endpoint disabled after repeated failures", webhook_id=str(hook.id),
                failures=hook.consecutive_failures)


def deliver_endpoint(engine: Engine, redis: Redis, settings: ApiSettings, webhook_id: uuid.UUID,
                     budget_seconds: float = 60.0) -> int:
    """Send the endpoint's due messages in order until one must wait (a retry later) or the budget is
    spent. Returns the attempts made; 0 when another worker holds the endpoint."""
    redis.delete(f"{settings.redis_key_prefix}webhook:kick:{webhook_id}")
    lock_key = f"{settings.redis_key_prefix}webhook:lock:{webhook_id}"
    token = uuid.uuid4().hex
    lease_ms = int((settings.webhook_timeout_seconds + budget_seconds + 30) * 1000)
    if not redis.set(lock_key, token, nx=True, px=lease_ms):
        return 0
    attempts = 0
    deadline = time.monotonic() + budget_seconds
    try:
        while time.monotonic() < deadline:
            nxt = _next(engine, webhook_id)
            if nxt is None or nxt.next_attempt_at > datetime.now(UTC):
                return attempts
            try:
                keys = signing_secrets(settings, nxt.hook)
            except signing.SecretUnavailable:
                log.error("webhook secret does not open (key ring changed?)", webhook_id=str(webhook_id))
                return attempts
            url, delivery_id, msg_id, body = nxt.hook.url, nxt.delivery_id, nxt.msg_id, nxt.body
            result = send(url, signing.sign_headers(keys, msg_id, body), body, settings)
            attempts += 1
            log.info("webhook attempt", webhook_id=str(webhook_id), delivery_id=delivery_id,
                     outcome=result.outcome, status_code=result.status_code, latency_ms=result.latency_ms)
            if not _record(engine, settings, delivery_id, result):
                return attempts
        if _has_due(engine, webhook_id):
            kick(redis, settings, webhook_id)  # budget spent: let another job go on
        return attempts
    finally:
        redis.eval("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
                   1, lock_key, token)


@lru_cache(maxsize=1)
def _threads() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=ENDPOINTS_PER_JOB, thread_name_prefix="webhook")


def deliver_endpoints(engine: Engine, redis: Redis, settings: ApiSettings, webhook_ids: list[uuid.UUID]) -> int:
    """``deliver_endpoint`` for several endpoints side by side (each keeps its lock, order and budget).
    An endpoint whose pass raises does not stop the others; the first exception is raised at the end, so
    the job is marked failed as before (the dispatcher kicks the endpoint again)."""
    if len(webhook_ids) == 1:
        return deliver_endpoint(engine, redis, settings, webhook_ids[0])
    futures = [_threads().submit(deliver_endpoint, engine, redis, settings, wid) for wid in webhook_ids]
    attempts, error = 0, None
    for future in futures:
        try:
            attempts += future.result()
        except Exception as exc:  # noqa: BLE001 - re-raised below, after the other endpoints finished
            error = error or exc
    if error is not None:
        raise error
    return attempts


def _has_due(engine: Engine, webhook_id: uuid.UUID) -> bool:
    with engine.connect() as conn:
        return conn.execute(text("SELECT EXISTS (SELECT 1 FROM webhook_deliveries WHERE webhook_id = :w AND "
                                 "status = 'pending' AND next_attempt_at <= now())"), {"w": webhook_id}).scalar_one()


def run(engine: Engine, redis: Redis, settings: ApiSettings, stop: object, interval: float) -> None:
    """`lancer webhooks`: dispatch passes until ``stop`` (a threading.Event) is set."""
    while not stop.is_set():  # type: ignore[attr-defined]
        try:
            created = dispatch(engine, redis, settings)
            if created:
                log.info("webhook deliveries created", count=created)
        except Exception as exc:  # a pass that fails is logged by type only and retried next pass
            log.error("webhook dispatch failed", error=type(exc).__name__)
        stop.wait(interval)  # type: ignore[attr-defined]
