"""`lancer bench messages` (not a test): WebSocket fan-out latency with N connected clients.

A scratch database; the API in ``processes`` uvicorn subprocesses sharing Redis; ``clients`` users
(made directly in the database, with access tokens from the app's own signer) connected to `/v1/ws`,
spread over the processes; all of them in one conversation with a sender. The sender POSTs
``messages`` messages (to the first process), each carrying its send time; latency is receive time
minus send time, per delivery, so it includes the POST (commit, outbox row, Redis publish) and the
fan-out. The load generator is one asyncio process on the same machine: its own receive loop is part
of the figure, and the report says how busy it was.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import websockets
from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from api.app import create_app
from api.identity.models import Session as UserSession
from api.identity.models import User
from api.messages.service import ensure_conversation
from api.settings import ApiSettings
from bench.loadgen import wait_until_up
from bench.scratch import scratch_database
from devtools.anvil import free_port
from indexer.core.db import make_engine
from indexer.core.migrate import upgrade
from indexer.core.settings import REPO_ROOT


@dataclass
class FanOut:
    clients: int
    processes: int
    messages: int
    latencies_ms: list[float]
    post_ms: list[float]
    expected: int
    client_cpu_share: float

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")

    def report(self) -> str:
        return (f"{self.clients} WebSocket clients over {self.processes} API process(es), {self.messages} messages: "
                f"{len(self.latencies_ms)}/{self.expected} deliveries; latency p50 {self.pct(0.5):.1f} ms, "
                f"p99 {self.pct(0.99):.1f} ms, max {max(self.latencies_ms, default=float('nan')):.1f} ms, "
                f"mean {statistics.fmean(self.latencies_ms) if self.latencies_ms else float('nan'):.1f} ms "
                f"(of which the POST round trip: median {statistics.median(self.post_ms):.1f} ms); "
                f"load generator CPU {self.client_cpu_share:.0%} of one core")


def _users(database_url: str, settings: ApiSettings, n: int) -> tuple[list[uuid.UUID], list[str]]:
    signer = create_app(settings).state.token_signer
    now = datetime.now(UTC)
    ids = [uuid.uuid4() for _ in range(n)]
    sessions = [uuid.uuid4() for _ in range(n)]
    engine = make_engine(database_url)
    with Session(engine) as db:
        db.execute(insert(User), [{"id": u, "created_at": now} for u in ids])
        db.execute(insert(UserSession), [
            {"id": s, "user_id": u, "wallet_address": "0x" + "0" * 40, "user_agent": "bench", "ip": "127.0.0.1",
             "mfa": False, "created_at": now, "last_seen_at": now, "expires_at": now + timedelta(hours=2)}
            for u, s in zip(ids, sessions, strict=True)])
        ensure_conversation(db, participants=ids, created_by=ids[0], key=None)
        db.commit()
    engine.dispose()
    tokens = [signer.issue_access(str(u), str(s), [], 3600, auth_time=int(time.time()), amr=["siwe"])[0]
              for u, s in zip(ids, sessions, strict=True)]
    return ids, tokens


async def _measure(bases: list[str], tokens: list[str], conversation: str, messages: int,
                   interval: float) -> tuple[list[float], list[float], float]:
    latencies: list[float] = []
    posts: list[float] = []
    ready = 0

    async def client(index: int, token: str) -> None:
        nonlocal ready
        url = bases[index % len(bases)].replace("http", "ws") + "/v1/ws"
        async with websockets.connect(url, max_queue=None, open_timeout=120) as ws:
            await ws.send(json.dumps({"type": "auth", "token": token}))
            json.loads(await ws.recv())
            ready += 1
            for _ in range(messages):
                event = json.loads(await asyncio.wait_for(ws.recv(), 60))
                sent = float(event["message"]["body"].split("=", 1)[1])
                latencies.append((time.time() - sent) * 1000)

    receivers = [asyncio.create_task(client(i, t)) for i, t in enumerate(tokens[1:])]
    while ready < len(receivers):
        await asyncio.sleep(0.2)
        if any(r.done() and r.exception() for r in receivers):
            raise RuntimeError(f"a client failed: {next(r.exception() for r in receivers if r.done() and r.exception())!r}")
    cpu0 = time.process_time()
    wall0 = time.perf_counter()
    async with httpx.AsyncClient(base_url=bases[0], timeout=60) as http:
        for _ in range(messages):
            started = time.perf_counter()
            r = await http.post(f"/v1/conversations/{conversation}/messages", json={"body": f"t={time.time()!r}"},
                                headers={"Authorization": f"Bearer {tokens[0]}"})
            r.raise_for_status()
            posts.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(interval)
    await asyncio.wait(receivers, timeout=60)
    share = (time.process_time() - cpu0) / max(1e-9, time.perf_counter() - wall0)
    for r in receivers:
        r.cancel()
    return latencies, posts, share


def run(admin_url: str, *, clients: int = 1000, processes: int = 2, messages: int = 20, interval: float = 0.5,
        log: Callable[[str], None] = print) -> FanOut:
    with scratch_database(admin_url, "msg") as database_url:
        return _run(database_url, clients=clients, processes=processes, messages=messages, interval=interval, log=log)


def _run(database_url: str, *, clients: int, processes: int, messages: int, interval: float,
         log: Callable[[str], None]) -> FanOut:
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    jwt_keys = json.dumps({"b1": uuid.uuid4().hex + uuid.uuid4().hex})
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "ENVIRONMENT": "test",
           "REDIS_KEY_PREFIX": f"lancer-bench-{uuid.uuid4().hex[:8]}:", "JWT_KEYS": jwt_keys, "JWT_ACTIVE_KID": "b1",
           "LOG_LEVEL": "WARNING", "RATELIMIT_IP_PER_WINDOW": "1000000000",
           "RATELIMIT_PRINCIPAL_PER_WINDOW": "1000000000"}
    procs: list[subprocess.Popen[bytes]] = []
    try:
        upgrade(database_url)
        settings = ApiSettings(database_url=database_url, redis_url=redis_url, environment="test", jwt_keys=jwt_keys,
                               jwt_active_kid="b1", _env_file=None)  # type: ignore[call-arg]
        ids, tokens = _users(database_url, settings, clients + 1)
        with make_engine(database_url).connect() as conn:
            conversation = str(conn.execute(text("SELECT id FROM conversations")).scalar_one())
        bases = []
        for _ in range(processes):
            port = free_port()
            procs.append(subprocess.Popen([sys.executable, "-m", "scripts.cli", "api", "--host", "127.0.0.1",
                                           "--port", str(port)], cwd=REPO_ROOT, env=env,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            bases.append(f"http://127.0.0.1:{port}")
        for base in bases:
            wait_until_up(base)
        log(f"{len(ids)} users, {processes} API process(es) up; connecting {clients} clients...")
        latencies, posts, share = asyncio.run(_measure(bases, tokens, conversation, messages, interval))
        return FanOut(clients, processes, messages, latencies, posts, clients * messages, share)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=30)
