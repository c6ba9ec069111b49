"""`lancer bench messages` (not a test): WebSocket fan-out latency with N connected clients.

A scratch database; the API in ``processes`` uvicorn subprocesses sharing Redis; ``clients`` users
(made directly in the database, with access tokens from the app's own signer) connected to `/v1/ws`,
spread over the processes; all of them in one conversation with a sender. The sender POSTs
``messages`` messages (to the first process), each carrying its send time; latency is receive time
minus send time, per delivery, so it includes the POST (commit, outbox row, Redis publish) and the
fan-out. The load generator is one asyncio process on the same machine: its own receive loop is part
of the figure, and the report says how busy it was.

Load-robust figures beside the latencies: the CPU seconds each API process used while the messages
went out (from ``/proc``). The first process takes the POSTs and fans out to its share of the sockets,
the others only fan out, so ``CPU(others) / deliveries`` is the fan-out's cost per delivery and
``CPU(first) - CPU(others)`` (same number of sockets) is the POST's own cost.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
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


GOAL_P99_MS = 100.0
IDLE_WINDOW_S = 3.0
CONNECT_CONCURRENCY = 20


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (Linux ``/proc``)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class FanOut:
    clients: int
    processes: int
    messages: int
    latencies_ms: list[float]
    post_ms: list[float]
    expected: int
    client_cpu_share: float
    # CPU seconds per API process over the sending window; index 0 is the one that takes the POSTs.
    server_cpu_s: list[float] = field(default_factory=list)
    load_average: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def fanout_us_per_delivery(self) -> float:
        """CPU per delivery in the processes that only fan out (no POSTs)."""
        others = self.server_cpu_s[1:]
        sockets = sum(self._sockets(i) for i in range(1, self.processes))
        if not others or not sockets:
            return float("nan")
        return sum(others) / (sockets * self.messages) * 1e6

    def post_cpu_ms(self) -> float:
        """The first process's CPU per message beyond what its fan-out costs (the POST itself)."""
        if not self.server_cpu_s or self.processes < 2:
            return float("nan")
        fanout_first = self.fanout_us_per_delivery() * self._sockets(0) * self.messages / 1e6
        return (self.server_cpu_s[0] - fanout_first) / self.messages * 1000

    def _sockets(self, index: int) -> int:
        return len(range(index, self.clients, self.processes))

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")

    def report(self) -> str:
        p99 = self.pct(0.99)
        met = len(self.latencies_ms) == self.expected and p99 < GOAL_P99_MS
        cpu = ", ".join(f"{c:.2f}" for c in self.server_cpu_s)
        rows = [
            ("clients / API processes / messages", f"{self.clients} / {self.processes} / {self.messages}"),
            ("deliveries", f"{len(self.latencies_ms)}/{self.expected}"),
            ("latency p50 / p99 / max (ms)",
             f"{self.pct(0.5):.1f} / {p99:.1f} / {max(self.latencies_ms, default=float('nan')):.1f}"),
            ("POST round trip median / max (ms)",
             f"{statistics.median(self.post_ms):.1f} / {max(self.post_ms):.1f}" if self.post_ms else "-"),
            ("API CPU per process while sending, idle rate taken off (s)", cpu or "-"),
            ("fan-out CPU per delivery (us)", f"{self.fanout_us_per_delivery():.1f}"),
            ("POST CPU per message, first process (ms)", f"{self.post_cpu_ms():.2f}"),
            ("load generator CPU (share of one core)", f"{self.client_cpu_share:.0%}"),
            ("load average before (1/5/15 min)", " / ".join(f"{x:.2f}" for x in self.load_average)),
        ]
        width = max(len(k) for k, _ in rows)
        lines = [f"{k:<{width}}  {v}" for k, v in rows]
        lines.append(f"goal: p99 < {GOAL_P99_MS:.0f} ms with every delivery made -> {'MET' if met else 'NOT MET'}")
        return "\n".join(lines)


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


async def _measure(bases: list[str], pids: list[int], tokens: list[str], conversation: str, messages: int,
                   interval: float) -> tuple[list[float], list[float], float, list[float]]:
    latencies: list[float] = []
    posts: list[float] = []
    ready = 0
    # Sockets sign in a few at a time: each sign-in holds one of the API's pooled database connections,
    # and a thousand at once would only queue there (or exhaust a shared server's max_connections).
    connecting = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def client(index: int, token: str) -> None:
        nonlocal ready
        url = bases[index % len(bases)].replace("http", "ws") + "/v1/ws"
        async with connecting:
            ws = await websockets.connect(url, max_queue=None, open_timeout=120)
            await ws.send(json.dumps({"type": "auth", "token": token}))
            json.loads(await ws.recv())
        async with ws:
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
    await asyncio.sleep(1)  # let the connection handshakes' work settle before the CPU counters start
    # What the processes burn with the sockets open and nothing sent (keepalive pings, timers), per
    # second: taken off the sending window's figure, which is then the messages' own cost.
    idle0, idle_started = [_cpu_seconds(p) for p in pids], time.perf_counter()
    await asyncio.sleep(IDLE_WINDOW_S)
    idle_rate = [(_cpu_seconds(p) - c) / (time.perf_counter() - idle_started) for p, c in zip(pids, idle0, strict=True)]
    server0 = [_cpu_seconds(p) for p in pids]
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
    wall = time.perf_counter() - wall0
    server = [max(0.0, _cpu_seconds(p) - c - rate * wall) for p, c, rate in zip(pids, server0, idle_rate, strict=True)]
    share = (time.process_time() - cpu0) / max(1e-9, wall)
    for r in receivers:
        r.cancel()
    return latencies, posts, share, server


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
    # The API processes' stderr, shown if the run fails (a crash would otherwise look like a client error).
    logs = tempfile.TemporaryDirectory(prefix="lancer-bench-messages-")
    try:
        upgrade(database_url)
        settings = ApiSettings(database_url=database_url, redis_url=redis_url, environment="test", jwt_keys=jwt_keys,
                               jwt_active_kid="b1", _env_file=None)  # type: ignore[call-arg]
        ids, tokens = _users(database_url, settings, clients + 1)
        with make_engine(database_url).connect() as conn:
            conversation = str(conn.execute(text("SELECT id FROM conversations")).scalar_one())
        bases = []
        for n in range(processes):
            port = free_port()
            with open(os.path.join(logs.name, f"api-{n}.log"), "wb") as err:
                procs.append(subprocess.Popen([sys.executable, "-m", "scripts.cli", "api", "--host", "127.0.0.1",
                                               "--port", str(port)], cwd=REPO_ROOT, env=env,
                                              stdout=subprocess.DEVNULL, stderr=err))
            bases.append(f"http://127.0.0.1:{port}")
        for base in bases:
            wait_until_up(base)
        log(f"{len(ids)} users, {processes} API process(es) up; connecting {clients} clients...")
        load = os.getloadavg()
        latencies, posts, share, server = asyncio.run(
            _measure(bases, [p.pid for p in procs], tokens, conversation, messages, interval))
        return FanOut(clients, processes, messages, latencies, posts, clients * messages, share, server, load)
    except BaseException:
        for n, p in enumerate(procs):
            tail = open(os.path.join(logs.name, f"api-{n}.log"), errors="replace").read()[-3000:]
            log(f"API process {n} (exit code {p.poll()}), end of its stderr:\n{tail}")
        raise
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=30)
        logs.cleanup()
