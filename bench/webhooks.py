"""`lancer bench webhooks` (not a test): webhook delivery throughput and end-to-end latency.

A scratch database; ``endpoints`` webhook endpoints (20 per integration, 50 integrations per user, made
through the integrations service) all pointing at one local receiver (``bench.hook_receiver``, its own
asyncio process); the real pipeline in subprocesses: one ``lancer webhooks`` dispatcher and ``workers``
``lancer worker --webhooks`` processes. ``events`` outbox events (one every ``interval`` seconds; 0: all
at once) are each delivered to every endpoint. Latency is per delivery, from the moment the event's
outbox transaction committed (taken by this process when ``commit()`` returns) to the receiver's arrival
time (same clock): dispatch, rq, signing, the database writes and the HTTP POST. Throughput is deliveries
per second from the first commit to the last arrival. CPU is read from /proc for each process over that
window: the workers', the dispatcher's and the scratch database's PostgreSQL backends' per delivery (Redis
is a shared server: not measured), the receiver's as a share of one core (near 100%, the receiver would be
the limit, and the report says so). The outbox's horizon is cluster-wide, so the report also says how old
the oldest write transaction of another database got during the run (on a shared server it delays dispatch).
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
from redis import Redis
from rq import Worker
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from api.identity.models import User
from api.integrations import schemas as s
from api.integrations import service
from api.kit import outbox
from api.kit.queue import WEBHOOKS, get_queue
from api.settings import ApiSettings
from bench.scratch import scratch_database
from indexer.core.db import make_engine
from indexer.core.migrate import upgrade
from indexer.core.settings import REPO_ROOT

PER_INTEGRATION, PER_USER = service.MAX_WEBHOOKS_PER_INTEGRATION, service.MAX_INTEGRATIONS_PER_OWNER
_TICK = os.sysconf("SC_CLK_TCK")
RECEIVER_BUSY = 0.8  # share of one core above which the receiver, not Lancer, is the limit


@dataclass
class Delivery:
    endpoints: int
    events: int
    workers: int
    interval: float
    latencies_ms: list[float]
    seconds: float
    cpu: dict[str, float] = field(default_factory=dict)  # core-seconds over the window, per role
    load: tuple[float, float] = (0.0, 0.0)  # 1-minute load average before and after
    foreign_xact_s: float = 0.0  # oldest write transaction of another database on the cluster, seen while running

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")

    def report(self) -> str:
        expected, done = self.endpoints * self.events, len(self.latencies_ms)
        rate = done / self.seconds if self.seconds > 0 else float("nan")
        per = (lambda role: self.cpu.get(role, 0.0) * 1000 / done) if done else (lambda role: float("nan"))
        receiver = self.cpu.get("receiver", 0.0) / self.seconds if self.seconds > 0 else 0.0
        lines = [
            f"{self.endpoints} endpoints x {self.events} events (one every {self.interval:g} s), {self.workers} "
            f"webhook worker(s): {done}/{expected} deliveries in {self.seconds:.1f} s ({rate:.0f}/s)",
            f"event committed -> receiver: min {self.pct(0.0):.0f} ms, p50 {self.pct(0.5):.0f} ms, "
            f"p99 {self.pct(0.99):.0f} ms, max {self.pct(1.0):.0f} ms",
            f"CPU per delivery: workers {per('workers'):.2f} ms, dispatcher {per('dispatcher'):.2f} ms; "
            f"PostgreSQL backends {per('postgres'):.2f} ms (Redis not measured: shared server); "
            f"receiver {receiver:.0%} of one core, load generator {self.cpu.get('loadgen', 0.0):.1f} core-s",
            f"load average (1 min) {self.load[0]:.2f} before, {self.load[1]:.2f} after; "
            f"{os.cpu_count()} cores",
            f"oldest write transaction of other databases on this PostgreSQL during the run: "
            f"{self.foreign_xact_s:.1f} s (the outbox hands out an event only once every older transaction "
            f"of the cluster ended, so this much can be added to any latency)",
        ]
        if receiver >= RECEIVER_BUSY:
            lines.append("the receiver was near one full core: it, not Lancer, limited this run")
        return "\n".join(lines)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (and of its waited-for children) from /proc."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return sum(int(v) for v in fields[11:15]) / _TICK  # utime stime cutime cstime


class _ForeignTransactions:
    """Samples the age of the oldest transaction holding an xid in another database of the cluster: the
    outbox's horizon (``pg_snapshot_xmin``) is cluster-wide, so on a shared server someone else's long
    transaction delays dispatch, and the report must say so."""

    def __init__(self, database_url: str) -> None:
        self.engine = make_engine(database_url)
        self.oldest = 0.0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        query = text("SELECT coalesce(max(extract(epoch FROM now() - xact_start)), 0) FROM pg_stat_activity "
                     "WHERE backend_xid IS NOT NULL AND datname IS DISTINCT FROM current_database()")
        while not self.stop.wait(0.5):
            with self.engine.connect() as conn:
                self.oldest = max(self.oldest, float(conn.execute(query).scalar_one()))

    def __enter__(self) -> _ForeignTransactions:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()
        self.engine.dispose()


def _backends(engine: Engine) -> list[int]:
    """PostgreSQL server processes connected to the scratch database (the pipeline's pooled connections)."""
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                      "AND pid <> pg_backend_pid()")).scalars())


def _endpoints(settings: ApiSettings, database_url: str, base: str, count: int) -> list[uuid.UUID]:
    """Users, integrations and endpoints through the service (its quotas: 20 per integration, 50 per user)."""
    engine = make_engine(database_url)
    users: list[uuid.UUID] = []
    with Session(engine) as db:
        for n in range(count):
            if n % (PER_INTEGRATION * PER_USER) == 0:
                user = User()
                db.add(user)
                db.commit()
                users.append(user.id)
            if n % PER_INTEGRATION == 0:
                integration = service.create_integration(db, users[-1], s.IntegrationIn(
                    provider="webhook", name=f"bench-{n // PER_INTEGRATION}"))
            service.create_webhook(db, settings, users[-1], integration.id,
                                   s.WebhookIn(url=f"{base}/e/{n}", events=["bench.*"]))
    engine.dispose()
    return users


def _wait_for_workers(settings: ApiSettings, workers: int, timeout: float = 120.0) -> None:
    redis = Redis.from_url(settings.redis_url_or_default)
    try:
        deadline = time.monotonic() + timeout
        while len(Worker.all(queue=get_queue(settings, redis, WEBHOOKS))) < workers and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        redis.close()


def run(admin_url: str, *, endpoints: int, events: int, workers: int, interval: float, timeout: float,
        log: Callable[[str], None] = print) -> Delivery:
    with scratch_database(admin_url, "hooks") as database_url:
        return _run(database_url, endpoints=endpoints, events=events, workers=workers, interval=interval,
                    timeout=timeout, log=log)


def _run(database_url: str, *, endpoints: int, events: int, workers: int, interval: float, timeout: float,
         log: Callable[[str], None]) -> Delivery:
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    # Every process must open the endpoints' secrets: one explicit key ring for all of them.
    totp_keys = json.dumps({"b1": base64.b64encode(secrets.token_bytes(32)).decode()})
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "ENVIRONMENT": "test",
           "REDIS_KEY_PREFIX": f"lancer-bench-{uuid.uuid4().hex[:8]}:", "TOTP_ENCRYPTION_KEYS": totp_keys,
           "TOTP_ACTIVE_KID": "b1", "WEBHOOK_ALLOW_PRIVATE_URLS": "true", "LOG_LEVEL": "WARNING",
           "WEBHOOK_DISPATCH_INTERVAL_SECONDS": "0.05"}
    upgrade(database_url)
    settings = ApiSettings(database_url=database_url, redis_url=redis_url, environment="test",
                           redis_key_prefix=env["REDIS_KEY_PREFIX"],
                           totp_encryption_keys=totp_keys, totp_active_kid="b1", webhook_allow_private_urls=True,
                           _env_file=None)  # type: ignore[call-arg]
    procs: dict[str, list[subprocess.Popen[bytes]]] = {"receiver": [], "dispatcher": [], "workers": []}
    try:
        receiver = subprocess.Popen([sys.executable, "-m", "bench.hook_receiver"], cwd=REPO_ROOT, env=env,
                                    stdout=subprocess.PIPE)
        procs["receiver"].append(receiver)
        assert receiver.stdout is not None
        base = f"http://127.0.0.1:{int(receiver.stdout.readline())}"
        users = _endpoints(settings, database_url, base, endpoints)
        log(f"{endpoints} endpoints ready; starting 1 dispatcher and {workers} webhook worker(s)...")
        for role, command in [("dispatcher", ["webhooks"])] + [("workers", ["worker", "--webhooks"])] * workers:
            procs[role].append(subprocess.Popen([sys.executable, "-m", "scripts.cli", *command], cwd=REPO_ROOT,
                                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        _wait_for_workers(settings, workers)  # imports take seconds on a busy machine: not latency
        time.sleep(1.0)  # the dispatcher's imports too
        engine = make_engine(database_url)
        client = httpx.Client(base_url=base, timeout=30)
        load_before = os.getloadavg()[0]
        cpu_before = {role: sum(_cpu_seconds(p.pid) for p in ps) for role, ps in procs.items()}
        backends = {pid: _cpu_seconds(pid) for pid in _backends(engine)}
        own_before = time.process_time()
        committed: dict[int, float] = {}
        with _ForeignTransactions(database_url) as foreign:
            for n in range(events):
                with Session(engine) as db:
                    outbox.record(db, "bench.tick", f"bench:{n}", {"n": n}, audience=users)
                    db.commit()
                committed[n] = time.time()
                if interval > 0:
                    time.sleep(interval)
            expected = endpoints * events
            deadline = time.monotonic() + timeout
            while client.get("/count").json()["count"] < expected and time.monotonic() < deadline:
                time.sleep(0.2)
        cpu = {role: sum(_cpu_seconds(p.pid) for p in ps) - cpu_before[role] for role, ps in procs.items()}
        # Backends opened during the run (the workers connect at their first job) count whole; one closed
        # during the run is missed (a pool's overflow connections: a lower bound when threads contend).
        cpu["postgres"] = sum(_cpu_seconds(pid) - backends.get(pid, 0.0) for pid in _backends(engine))
        cpu["loadgen"] = time.process_time() - own_before
        load_after = os.getloadavg()[0]
        arrivals = client.get("/arrivals").json()["arrivals"]
        client.close()
        engine.dispose()
        latencies = [(t - committed[n]) * 1000 for n, t in arrivals]
        first = min(committed.values())
        last = max((t for _, t in arrivals), default=first)
        return Delivery(endpoints, events, workers, interval, latencies, max(last - first, 0.0), cpu,
                        (load_before, load_after), foreign.oldest)
    finally:
        for ps in procs.values():
            for p in ps:
                p.terminate()
        for ps in procs.values():
            for p in ps:
                p.wait(timeout=30)
