"""`lancer bench webhooks` (not a test): webhook delivery throughput and end-to-end latency.

A scratch database; ``endpoints`` webhook endpoints (20 per integration, 50 integrations per user, made
through the integrations service) all pointing at one local receiver; the real pipeline in subprocesses:
one ``lancer webhooks`` dispatcher and ``workers`` ``lancer worker`` rq workers. ``events`` outbox events
are committed one by one, each carrying its commit time; latency is the receiver's arrival time minus
that time, per delivery (so it includes dispatch, rq, signing and the HTTP POST). Throughput is
deliveries per second from the first commit to the last arrival. The receiver answers 204 without
verifying (the tests verify signatures); it runs in this process and its load is part of the figure.
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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from redis import Redis
from rq import Worker
from sqlalchemy.orm import Session

from api.identity.models import User
from api.integrations import schemas as s
from api.integrations import service
from api.kit import outbox
from api.kit.queue import get_queue
from api.settings import ApiSettings
from bench.scratch import scratch_database
from indexer.core.db import make_engine
from indexer.core.migrate import upgrade
from indexer.core.settings import REPO_ROOT

PER_INTEGRATION, PER_USER = service.MAX_WEBHOOKS_PER_INTEGRATION, service.MAX_INTEGRATIONS_PER_OWNER


@dataclass
class Delivery:
    endpoints: int
    events: int
    workers: int
    latencies_ms: list[float]
    seconds: float

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")

    def report(self) -> str:
        expected = self.endpoints * self.events
        rate = len(self.latencies_ms) / self.seconds if self.seconds > 0 else float("nan")
        return (f"{self.endpoints} endpoints x {self.events} events, {self.workers} rq worker(s): "
                f"{len(self.latencies_ms)}/{expected} deliveries in {self.seconds:.1f} s ({rate:.0f}/s); "
                f"event committed -> receiver p50 {self.pct(0.5):.0f} ms, p99 {self.pct(0.99):.0f} ms, "
                f"max {self.pct(1.0):.0f} ms")


class _Arrivals:
    def __init__(self) -> None:
        self.latencies_ms: list[float] = []
        self.last = 0.0
        self.lock = threading.Lock()


@contextmanager
def _receiver() -> Iterator[tuple[str, _Arrivals]]:
    arrivals = _Arrivals()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802
            now = time.time()
            body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)))
            with arrivals.lock:
                arrivals.latencies_ms.append((now - float(body["data"]["t"])) * 1000)
                arrivals.last = now
            self.send_response(204)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", arrivals
    finally:
        server.shutdown()
        server.server_close()


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
        while len(Worker.all(queue=get_queue(settings, redis))) < workers and time.monotonic() < deadline:
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
    procs: list[subprocess.Popen[bytes]] = []
    upgrade(database_url)
    settings = ApiSettings(database_url=database_url, redis_url=redis_url, environment="test",
                           redis_key_prefix=env["REDIS_KEY_PREFIX"],
                           totp_encryption_keys=totp_keys, totp_active_kid="b1", webhook_allow_private_urls=True,
                           _env_file=None)  # type: ignore[call-arg]
    with _receiver() as (base, arrivals):
        users = _endpoints(settings, database_url, base, endpoints)
        log(f"{endpoints} endpoints ready; starting 1 dispatcher and {workers} worker(s)...")
        try:
            for command in [["webhooks"]] + [["worker"]] * workers:
                procs.append(subprocess.Popen([sys.executable, "-m", "scripts.cli", *command], cwd=REPO_ROOT,
                                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            _wait_for_workers(settings, workers)  # imports take seconds on a busy machine: not latency
            engine = make_engine(database_url)
            first = time.time()
            for n in range(events):
                with Session(engine) as db:
                    outbox.record(db, "bench.tick", f"bench:{n}", {"n": n, "t": time.time()}, audience=users)
                    db.commit()
                time.sleep(interval)
            expected = endpoints * events
            deadline = time.monotonic() + timeout
            while len(arrivals.latencies_ms) < expected and time.monotonic() < deadline:
                time.sleep(0.1)
            engine.dispose()
            with arrivals.lock:
                return Delivery(endpoints, events, workers, list(arrivals.latencies_ms),
                                max(arrivals.last - first, 0.0))
        finally:
            for p in procs:
                p.terminate()
            for p in procs:
                p.wait(timeout=30)
