"""`lancer bench messages` (not a test): WebSocket fan-out latency with N connected clients.

A scratch database; the API in ``processes`` uvicorn subprocesses sharing Redis; ``clients`` users
(made directly in the database, with access tokens from the app's own signer) connected to `/v1/ws`,
spread over the processes; all of them in one conversation with a sender. The sender POSTs
``messages`` messages (to the first process), each carrying its send time; latency is receive time
minus send time, per delivery, so it includes the POST (commit, outbox row, Redis publish) and the
fan-out. The load generator is one asyncio process on the same machine: its own receive loop is part
of the figure, and the report says how busy it was.

The clients are a minimal WebSocket client (:class:`_RawClient`: the handshake, one masked auth frame,
pong replies, unmasked server frames) that stamps each frame when its bytes reach the process and
leaves the JSON for after the run. With the ``websockets`` library every delivery cost the load
generator ~80-110 us of CPU in one loop: the thousandth socket of a message was read ~100 ms after the
first only because the load generator was busy reading the other 999, and the POST's response waited
behind them too. A thousand real clients are a thousand machines; this keeps the load generator's own
share of the latency small (its CPU share is still in the report).

Per message, the report breaks the latency down (medians and maxima over the measured messages, then
every message, the ``--warmup`` ones on their own rows): when the API started the handler (the message's ``created_at``, stamped
after authentication), when the event reached Redis (a subscriber thread in the bench), the first and
the last delivery, and the POST's response. The load generator freezes its garbage collector's
generations before sending (it imported the whole app; see :func:`_measure`) and reports the pauses
that are left.

Load-robust figures beside the latencies: the CPU seconds each API process used while the messages
went out (from ``/proc``). The first process takes the POSTs and fans out to its share of the sockets,
the others only fan out, so ``CPU(others) / deliveries`` is the fan-out's cost per delivery and
``CPU(first) - CPU(others)`` (same number of sockets) is the POST's own cost.
"""

from __future__ import annotations

import asyncio
import base64
import gc
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
from redis import Redis
from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from api.app import create_app
from api.identity.models import Session as UserSession
from api.identity.models import User
from api.kit import realtime
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


@dataclass(frozen=True)
class Breakdown:
    handler_ms: float
    published_ms: float
    first_ms: float
    last_ms: float
    response_ms: float

    def values(self) -> tuple[float, ...]:
        return self.handler_ms, self.published_ms, self.first_ms, self.last_ms, self.response_ms


BREAKDOWN_HEADINGS = ["handler start", "in Redis", "first delivery", "last delivery", "POST response"]


@dataclass
class _Measured:
    """What one sending window saw; keys are the messages' send times (``time.time()``)."""

    published: dict[float, float] = field(default_factory=dict)
    responded: dict[float, float] = field(default_factory=dict)
    deliveries: dict[float, list[float]] = field(default_factory=dict)
    server_cpu_s: list[float] = field(default_factory=list)
    client_cpu_share: float = 0.0
    gc_pauses_ms: list[float] = field(default_factory=list)
    warmup: list[float] = field(default_factory=list)  # the warm-up messages' send times


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
    # Per message, in send order: ms after the send that the handler started, the event reached Redis,
    # the first and the last client got it, and the POST's response came back (NaN: not seen).
    breakdown: list[Breakdown] = field(default_factory=list)
    client_gc_pauses_ms: list[float] = field(default_factory=list)
    warmup: list[Breakdown] = field(default_factory=list)  # shown, not counted

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
            ("load generator GC pauses while sending: count / max (ms)",
             f"{len(self.client_gc_pauses_ms)} / {max(self.client_gc_pauses_ms, default=0.0):.1f}"),
            ("load average before (1/5/15 min)", " / ".join(f"{x:.2f}" for x in self.load_average)),
        ]
        width = max(len(k) for k, _ in rows)
        lines = [f"{k:<{width}}  {v}" for k, v in rows]
        lines.append(f"goal: p99 < {GOAL_P99_MS:.0f} ms with every delivery made -> {'MET' if met else 'NOT MET'}")
        if self.breakdown:
            lines += ["", "per message, ms after the POST was sent (median and max: the measured messages, not the "
                      "warm-up):", self._breakdown_table()]
        return "\n".join(lines)

    def _breakdown_table(self) -> str:
        def over_messages(f: Callable[[list[float]], float]) -> list[str]:
            columns = [[v for v in col if not math.isnan(v)] for col in zip(*(b.values() for b in self.breakdown))]
            return [f"{f(col):.1f}" if col else "-" for col in columns]

        rows = [["message", *BREAKDOWN_HEADINGS], ["median", *over_messages(statistics.median)],
                ["max", *over_messages(max)]]
        rows += [[f"warm-up {i + 1}", *(f"{v:.1f}" for v in b.values())] for i, b in enumerate(self.warmup)]
        rows += [[f"#{i + 1}", *(f"{v:.1f}" for v in b.values())] for i, b in enumerate(self.breakdown)]
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        return "\n".join("  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in rows)


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


class _RawClient(asyncio.Protocol):
    """One WebSocket client, just enough of RFC 6455 for this bench (see the module docstring).

    Server frames arrive unmasked and whole (the API never fragments its small events); the client's own
    frames (the auth message, pongs) are masked as the RFC requires.
    """

    def __init__(self, host: str, token: str, arrivals: list[tuple[float, bytes]]) -> None:
        self._host = host
        self._token = token
        self._arrivals = arrivals
        self._buf = b""
        self._open = False
        self.transport: asyncio.Transport | None = None
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.received = 0
        self.closed: str | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        transport.write((f"GET /v1/ws HTTP/1.1\r\nHost: {self._host}\r\nUpgrade: websocket\r\n"
                         f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
                        .encode())

    def _send(self, opcode: int, payload: bytes) -> None:
        assert self.transport is not None and len(payload) < 1 << 16
        n = len(payload)
        mask = os.urandom(4)
        masked = (int.from_bytes(payload, "big") ^ int.from_bytes((mask * (n // 4 + 1))[:n], "big")).to_bytes(n, "big")
        size = bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + n.to_bytes(2, "big")
        self.transport.write(bytes([0x80 | opcode]) + size + mask + masked)

    def data_received(self, data: bytes) -> None:
        now = time.time()  # once per read: when these bytes reached this process
        buf = self._buf + data
        if not self._open:
            head, sep, buf = buf.partition(b"\r\n\r\n")
            if not sep:
                self._buf = head
                return
            if b" 101 " not in head.split(b"\r\n", 1)[0]:
                self._fail(f"handshake refused: {head[:80]!r}")
                return
            self._open = True
            self._send(0x1, json.dumps({"type": "auth", "token": self._token}).encode())
        while len(buf) >= 2:
            opcode, length, start = buf[0] & 0x0F, buf[1] & 0x7F, 2
            if length == 126:
                if len(buf) < 4:
                    break
                length, start = int.from_bytes(buf[2:4], "big"), 4
            elif length == 127:
                if len(buf) < 10:
                    break
                length, start = int.from_bytes(buf[2:10], "big"), 10
            if len(buf) < start + length:
                break
            payload, buf = buf[start:start + length], buf[start + length:]
            if opcode == 0x1:
                if self.ready.done():
                    self._arrivals.append((now, payload))
                    self.received += 1
                elif b'"ready"' in payload:
                    self.ready.set_result(None)
                else:
                    self._fail(f"unexpected first event {payload[:80]!r}")
            elif opcode == 0x9:  # ping: the server drops clients that don't answer
                self._send(0xA, payload)
            elif opcode == 0x8:
                self._fail(f"closed by the server: {int.from_bytes(payload[:2], 'big') if payload else ''}")
        self._buf = buf

    def _fail(self, why: str) -> None:
        self.closed = why
        if not self.ready.done():
            self.ready.set_exception(RuntimeError(why))

    def connection_lost(self, exc: Exception | None) -> None:
        if self.closed is None:
            self._fail(f"connection lost: {type(exc).__name__ if exc else 'EOF'}")


def _redis_watch(redis_url: str, channel: str, seen: dict[float, float], stop: threading.Event) -> None:
    """When each message's event reached Redis (keyed by its send time), from a thread of its own so that
    the clients' loop does not delay the stamp."""
    client = Redis.from_url(redis_url)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(channel)
    try:
        while not stop.is_set():
            message = pubsub.get_message(timeout=0.2)
            if message is not None:
                now = time.time()
                body = json.loads(message["data"])["event"]["message"]["body"]
                seen[float(body.split("=", 1)[1])] = now
    finally:
        pubsub.close()
        client.close()


async def _measure(bases: list[str], pids: list[int], tokens: list[str], conversation: str, messages: int,
                   interval: float, warmup: int, redis_url: str, channel: str) -> _Measured:
    arrivals: list[tuple[float, bytes]] = []
    out = _Measured()
    loop = asyncio.get_running_loop()
    # Sockets sign in a few at a time: each sign-in holds one of the API's pooled database connections,
    # and a thousand at once would only queue there (or exhaust a shared server's max_connections).
    connecting = asyncio.Semaphore(CONNECT_CONCURRENCY)
    clients: list[_RawClient] = []

    async def connect(index: int, token: str) -> None:
        host, port = bases[index % len(bases)].removeprefix("http://").split(":")
        async with connecting:
            _, proto = await loop.create_connection(lambda: _RawClient(f"{host}:{port}", token, arrivals), host, int(port))
            clients.append(proto)
            await asyncio.wait_for(proto.ready, 120)

    await asyncio.gather(*(connect(i, t) for i, t in enumerate(tokens[1:])))
    # This process imported the whole app (for the token signer): ~300k objects that a full collection
    # would walk in 100-250 ms, stalling every client's stamp at once. Out of the collector, as the API
    # does at start-up; the pauses that remain are counted in the report.
    gc.collect()
    gc.freeze()
    gc_started: list[float] = []

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            gc_started.append(time.perf_counter())
        elif gc_started:
            pause = (time.perf_counter() - gc_started.pop()) * 1000
            out.gc_pauses_ms.append(pause)

    gc.callbacks.append(on_gc)
    stop = threading.Event()
    watcher = threading.Thread(target=_redis_watch, args=(redis_url, channel, out.published, stop), daemon=True)
    watcher.start()
    http = httpx.AsyncClient(base_url=bases[0], timeout=60)

    async def send(count: int, sent_log: list[float]) -> None:
        for _ in range(count):
            sent = time.time()
            sent_log.append(sent)
            r = await http.post(f"/v1/conversations/{conversation}/messages", json={"body": f"t={sent!r}"},
                                headers={"Authorization": f"Bearer {tokens[0]}"})
            r.raise_for_status()
            out.responded[sent] = time.time()
            await asyncio.sleep(interval)

    async def delivered(total: int) -> None:
        deadline = time.perf_counter() + 60
        while sum(c.received for c in clients) < len(clients) * total and time.perf_counter() < deadline:
            if failed := next((c.closed for c in clients if c.closed), None):
                raise RuntimeError(f"a client failed: {failed}")
            await asyncio.sleep(0.05)

    # Warm-up messages (reported apart, not in the latencies): a process's first POST pays one-off costs
    # (the PostgreSQL backend loading the tables' catalog entries and compiling the outbox trigger,
    # SQLAlchemy compiling the statement, the first pass through the middleware), which a serving
    # process pays once in its life; the goal is about the messages after that.
    await send(warmup, out.warmup)
    await delivered(warmup)
    await asyncio.sleep(1)  # let the connection handshakes' work settle before the CPU counters start
    # What the processes burn with the sockets open and nothing sent (keepalive pings, timers), per
    # second: taken off the sending window's figure, which is then the messages' own cost.
    idle0, idle_started = [_cpu_seconds(p) for p in pids], time.perf_counter()
    await asyncio.sleep(IDLE_WINDOW_S)
    idle_rate = [(_cpu_seconds(p) - c) / (time.perf_counter() - idle_started) for p, c in zip(pids, idle0, strict=True)]
    server0 = [_cpu_seconds(p) for p in pids]
    cpu0 = time.process_time()
    wall0 = time.perf_counter()
    try:
        await send(messages, [])
        await delivered(warmup + messages)
    finally:
        await http.aclose()
    wall = time.perf_counter() - wall0
    out.server_cpu_s = [max(0.0, _cpu_seconds(p) - c - rate * wall)
                        for p, c, rate in zip(pids, server0, idle_rate, strict=True)]
    out.client_cpu_share = (time.process_time() - cpu0) / max(1e-9, wall)
    gc.callbacks.remove(on_gc)
    stop.set()
    watcher.join(5)
    for c in clients:
        if c.transport is not None:
            c.transport.close()
    for now, payload in arrivals:
        sent = float(json.loads(payload)["message"]["body"].split("=", 1)[1])
        out.deliveries.setdefault(sent, []).append(now)
    return out


def run(admin_url: str, *, clients: int = 1000, processes: int = 2, messages: int = 20, interval: float = 0.5,
        warmup: int = 1, log: Callable[[str], None] = print) -> FanOut:
    with scratch_database(admin_url, "msg") as database_url:
        return _run(database_url, clients=clients, processes=processes, messages=messages, interval=interval,
                    warmup=warmup, log=log)


def _run(database_url: str, *, clients: int, processes: int, messages: int, interval: float, warmup: int,
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
        m = asyncio.run(_measure(bases, [p.pid for p in procs], tokens, conversation, messages, interval, warmup,
                                 redis_url, realtime.channel(env["REDIS_KEY_PREFIX"])))
        with make_engine(database_url).connect() as conn:
            started = {float(body.split("=", 1)[1]): at.timestamp()
                       for body, at in conn.execute(text("SELECT body, created_at FROM messages"))}
        nan = float("nan")
        measured = sorted(set(m.responded) - set(m.warmup))
        latencies = [(t - sent) * 1000 for sent in measured for t in m.deliveries.get(sent, [])]
        posts = [(m.responded[sent] - sent) * 1000 for sent in measured]

        def breakdown(sent: float) -> Breakdown:
            ts = m.deliveries.get(sent, [nan])
            return Breakdown(*((x - sent) * 1000 if x is not None else nan
                               for x in (started.get(sent), m.published.get(sent), min(ts), max(ts), m.responded.get(sent))))

        return FanOut(clients, processes, messages, latencies, posts, clients * messages, m.client_cpu_share,
                      m.server_cpu_s, load, [breakdown(s) for s in measured], m.gc_pauses_ms,
                      [breakdown(s) for s in sorted(m.warmup)])
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
