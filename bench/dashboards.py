"""`lancer bench dashboards` (not a test): the three dashboards on one API process, warm and cold.

A scratch database with ``projects`` projects and ``users`` users (``bench.search.populate``), skills and
wallets for the measured users, and ``index_rows`` raw escrow events spread over escrows of those wallets
and of others (plus the escrow and milestone projections). Each dashboard is requested ``requests``
times by a sequence of users: *warm* repeats a cached screen; *cold* bumps the user's data version (as
any change to their data does) before each request, so the summary is built again. Before measuring, the
scheduler's sweeps run once, as they do every few minutes in production (persisted reputation scores, the
volume and earnings rollups); the database is vacuumed, as autovacuum leaves it. Goal (README):
p99 < 50 ms warm and < 200 ms cold at 100k projects / 20k users / 1M index rows.
"""

from __future__ import annotations

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
import psycopg
from sqlalchemy.engine import make_url

from api.app import create_app
from api.settings import ApiSettings
from bench.loadgen import wait_until_up
from bench.scratch import scratch_database
from bench.search import populate
from devtools.anvil import free_port
from indexer.core.migrate import upgrade
from indexer.core.settings import REPO_ROOT

GOALS_MS = {"warm": 50.0, "cold": 200.0}
CHAIN = 31337
TOKEN = "0x" + "11" * 20
SCREENS = ("freelancer", "client", "admin")


@dataclass
class DashboardBench:
    projects: int
    users: int
    index_rows: int
    timings: dict[tuple[str, str], list[float]] = field(default_factory=dict)

    def report(self) -> str:
        lines = [f"dashboards: {self.projects} projects, {self.users} users, {self.index_rows} index rows, "
                 "1 uvicorn process, sequential requests"]
        met = True
        for (screen, mode), ms in self.timings.items():
            ordered = sorted(ms)
            p50, p99 = statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
            met &= p99 < GOALS_MS[mode]
            lines.append(f"  {screen:<10} {mode:<4}  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  ({len(ms)} requests)")
        lines.append(f"goal (p99 < {GOALS_MS['warm']:.0f} ms warm, < {GOALS_MS['cold']:.0f} ms cold): "
                     f"{'met' if met else 'NOT met'}")
        return "\n".join(lines)


def _address(n: int) -> str:
    from eth_utils import to_checksum_address

    return to_checksum_address(f"0x{n:040x}")


def _seed(conn: psycopg.Connection, measured: int, index_rows: int, admin: str) -> dict[str, list[uuid.UUID]]:
    """Sessions, skills and wallets for the measured users; escrows and raw events in the index."""
    now = datetime.now(UTC)
    freelancers = [r[0] for r in conn.execute(
        "SELECT user_id FROM profiles WHERE is_freelancer ORDER BY handle LIMIT %s", (measured,))]
    clients = [r[0] for r in conn.execute(
        "SELECT client_user_id FROM projects GROUP BY client_user_id ORDER BY count(*) DESC LIMIT %s", (measured,))]
    people = freelancers + clients
    skills = [r[0] for r in conn.execute("SELECT id FROM skills ORDER BY id LIMIT 5")]
    with conn.cursor() as cur:
        for i, u in enumerate(people):
            cur.execute("INSERT INTO user_wallets (id, user_id, address, chain_id, kind, linked_at) "
                        "VALUES (%s, %s, %s, %s, 'eoa', %s) ON CONFLICT DO NOTHING",
                        (uuid.uuid4(), u, _address(i + 1), CHAIN, now))
        for u in freelancers:
            for s in skills[:3]:
                cur.execute("INSERT INTO user_skills (user_id, skill_id, level, years) VALUES (%s, %s, 3, 2) "
                            "ON CONFLICT DO NOTHING", (u, s))
        cur.execute("INSERT INTO user_wallets (id, user_id, address, chain_id, kind, linked_at) "
                    "VALUES (%s, %s, %s, %s, 'eoa', %s)", (uuid.uuid4(), clients[0], admin, CHAIN, now))
        cur.execute("INSERT INTO user_totp (user_id, key_id, secret_ciphertext, created_at, enabled_at) "
                    "VALUES (%s, 'bench', '\\x00', %s, %s)", (clients[0], now, now))
    # The index: one chain, escrows between the measured wallets (and others), ~8 events per escrow. A tenth
    # of the escrows are the measured users', spread evenly (g / 10: with g alone, g % 10 = 0 sent them all
    # to the first freelancer and client, one power user and nine with nothing).
    escrows = max(1, index_rows // 8)
    n_people = len(people)
    conn.execute("""
        INSERT INTO chains (chain_id, name, block_number, block_hash, start_block, head_block, confirmed_block,
                            updated_at)
        VALUES (%s, 'anvil-1', %s, %s, 0, %s, %s, now())""",
                 (CHAIN, escrows + 10, "0x" + "aa" * 32, escrows + 10, escrows + 8))
    conn.execute("""
        INSERT INTO escrows (chain_id, address, factory, client, freelancer, arbiter, token, total, milestone_count,
                             review_period, metadata_hash, fee_bps, status, funded_amount, released, refunded, fees,
                             accepted, completed, created_block, created_tx, created_at, block_number)
        SELECT %(c)s, '0x' || lpad(to_hex(1000000 + g), 40, '0'), %(t)s,
               CASE WHEN g %% 10 = 0 THEN '0x' || lpad(to_hex(%(n)s / 2 + 1 + (g / 10) %% greatest(%(n)s / 2, 1)), 40, '0')
                    ELSE '0x' || lpad(to_hex(5000000 + g), 40, '0') END,
               CASE WHEN g %% 10 = 0 THEN '0x' || lpad(to_hex(1 + (g / 10) %% greatest(%(n)s / 2, 1)), 40, '0')
                    ELSE '0x' || lpad(to_hex(6000000 + g), 40, '0') END,
               %(t)s, %(t)s, 3000, 3, 3600, '0x' || repeat('00', 32), 250, 'active', 3000, 1000, 0, 25,
               true, false, g, '0x' || lpad(to_hex(g), 64, '0'), now() - make_interval(hours => (g %% 8000)::int), g
          FROM generate_series(1, %(e)s) g""", {"c": CHAIN, "t": TOKEN, "n": n_people, "e": escrows})
    conn.execute("""
        INSERT INTO escrow_milestones (chain_id, escrow, index, amount, status, to_freelancer, to_client, fee,
                                       block_number)
        SELECT e.chain_id, e.address, m, 1000, CASE WHEN m = 0 THEN 2 ELSE 0 END, 0, 0, 0, e.block_number
          FROM escrows e, generate_series(0, 2) m""")
    conn.execute("""
        INSERT INTO events (chain_id, block_number, block_hash, block_time, tx_hash, tx_index, log_index, address,
                            contract, event_name, args)
        SELECT e.chain_id, e.block_number, '0x' || lpad(to_hex(e.block_number), 64, '0'),
               now() - make_interval(hours => ((e.block_number * 7 + k) % 8000)::int), '0x' || lpad(to_hex(k), 64, '0'),
               0, k, e.address, 'Escrow',
               CASE WHEN k % 4 = 0 THEN 'Funded' WHEN k % 4 = 1 THEN 'MilestoneReleased' ELSE 'MilestoneSubmitted' END,
               jsonb_build_object('amount', '1000', 'toFreelancer', '975', 'fee', '25', 'index', (k % 3)::text)
          FROM escrows e, generate_series(0, 7) k""")
    conn.execute("ANALYZE")
    conn.commit()
    return {"freelancer": freelancers, "client": clients, "admin": clients[:1]}


def _checksum_index(conn: psycopg.Connection) -> None:
    """Wallet-matching columns hold checksummed addresses, as the indexer writes them."""
    from eth_utils import to_checksum_address

    rows = conn.execute("SELECT DISTINCT client FROM escrows UNION SELECT DISTINCT freelancer FROM escrows").fetchall()
    small = [r[0] for r in rows if int(r[0], 16) < 10**6]
    for a in small:
        conn.execute("UPDATE escrows SET client = %s WHERE client = %s", (to_checksum_address(a), a))
        conn.execute("UPDATE escrows SET freelancer = %s WHERE freelancer = %s", (to_checksum_address(a), a))
    conn.commit()


def _tokens(settings: ApiSettings, conn: psycopg.Connection, users: list[uuid.UUID], admin: uuid.UUID) -> dict[uuid.UUID, str]:
    signer = create_app(settings).state.token_signer
    now = datetime.now(UTC)
    out = {}
    for u in users:
        sid = uuid.uuid4()
        mfa = u == admin
        conn.execute("INSERT INTO user_sessions (id, user_id, wallet_address, user_agent, ip, mfa, auth_time, amr, "
                     "created_at, last_seen_at, expires_at) VALUES (%s, %s, %s, 'bench', '127.0.0.1', %s, %s, %s, %s, "
                     "%s, %s)", (sid, u, "0x" + "0" * 40, mfa, now, ["siwe", "otp"] if mfa else ["siwe"], now, now,
                                 now + timedelta(hours=2)))
        out[u] = signer.issue_access(str(u), str(sid), ["user", "admin"] if mfa else ["user"], 3600,
                                     auth_time=int(time.time()),
                                     amr=["siwe", "otp"] if mfa else ["siwe"])[0]
    conn.commit()
    return out


def scheduler_sweeps(settings: ApiSettings, wallets: list[str]) -> tuple[int, int]:
    """What the scheduler does in production before anyone asks: ``reputation_recompute`` (every 5 minutes:
    persist the measured wallets' scores, which the freelancer screen reads) and ``dashboard_volume_rollup``
    (every tick: the volume and earnings rollups up to the confirmed block). Returns (wallets, chains)."""
    from redis import Redis
    from sqlalchemy.orm import Session

    from api.dashboard import volume
    from api.reputation import history
    from indexer.core.db import make_engine

    engine = make_engine(settings.database_url.get_secret_value())
    redis = Redis.from_url(settings.redis_url_or_default)
    try:
        with Session(engine, expire_on_commit=False) as db:
            scores = sum(int(history.refresh(db, engine, redis, settings, a)) for a in wallets)
        return scores, volume.refresh_job(engine, redis, settings)
    finally:
        redis.close()
        engine.dispose()


def _wallets(conn: psycopg.Connection, users: list[uuid.UUID]) -> list[str]:
    return [r[0] for r in conn.execute("SELECT address FROM user_wallets WHERE user_id = ANY(%s) ORDER BY address",
                                       (users,))]


def prepare(database_url: str, *, projects: int, users: int, index_rows: int) -> tuple[dict[str, list[uuid.UUID]], str]:
    """Migrate and fill ``database_url`` (also used alone to keep a database for EXPLAIN ANALYZE)."""
    upgrade(database_url)
    populate(database_url, projects=projects, users=users)
    url = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    admin_wallet = _address(0xADA)
    with psycopg.connect(url) as conn:
        who = _seed(conn, measured=10, index_rows=index_rows, admin=admin_wallet)
        _checksum_index(conn)
    # As autovacuum leaves a settled database: visibility maps set, so index-only scans stay index-only.
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    return who, admin_wallet


def run(admin_url: str, *, projects: int, users: int, index_rows: int, requests: int = 200,
        log: Callable[[str], None] = print) -> DashboardBench:
    bench = DashboardBench(projects, users, index_rows)
    with scratch_database(admin_url, "dash") as database_url:
        started = time.perf_counter()
        who, admin_wallet = prepare(database_url, projects=projects, users=users, index_rows=index_rows)
        url = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(url) as conn:
            redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
            jwt_keys = json.dumps({"b1": uuid.uuid4().hex * 2})
            env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "ENVIRONMENT": "test",
                   "REDIS_KEY_PREFIX": f"lancer-bench-{uuid.uuid4().hex[:8]}:", "LOG_LEVEL": "WARNING",
                   "JWT_KEYS": jwt_keys, "JWT_ACTIVE_KID": "b1", "ADMIN_ADDRESSES": json.dumps([admin_wallet]),
                   "RATELIMIT_IP_PER_WINDOW": "1000000000", "RATELIMIT_PRINCIPAL_PER_WINDOW": "1000000000"}
            settings = ApiSettings(database_url=database_url, redis_url=redis_url, environment="test",
                                   jwt_keys=jwt_keys, jwt_active_kid="b1", _env_file=None)  # type: ignore[call-arg]
            everyone = sorted({u for us in who.values() for u in us})
            tokens = _tokens(settings, conn, everyone, who["admin"][0])
            log(f"populated in {time.perf_counter() - started:.1f}s")
            started = time.perf_counter()
            scores, chains = scheduler_sweeps(settings, _wallets(conn, who["freelancer"]))
            log(f"scheduler sweeps: {scores} reputation scores, rollups of {chains} chains, in "
                f"{time.perf_counter() - started:.1f}s")
            port = free_port()
            # The API's output goes to a file, shown if a request fails (a dead server says why there).
            api_log = tempfile.NamedTemporaryFile("w+", prefix="lancer-bench-dash-api-", suffix=".log")
            api = subprocess.Popen([sys.executable, "-m", "scripts.cli", "api", "--host", "127.0.0.1", "--port",
                                    str(port)], cwd=REPO_ROOT, env=env, stdout=api_log, stderr=api_log)
            try:
                base = f"http://127.0.0.1:{port}"
                wait_until_up(base, timeout=600)  # a loaded machine imports slowly
                with httpx.Client(base_url=base, timeout=30) as http:
                    for screen in SCREENS:
                        for mode in ("cold", "warm"):
                            bench.timings[(screen, mode)] = _measure(http, conn, screen, mode, who[screen], tokens,
                                                                     requests)
            except Exception:
                api_log.seek(0)
                log("API output (tail):\n" + "".join(api_log.readlines()[-30:]))
                raise
            finally:
                api.terminate()
                api.wait(timeout=30)
                api_log.close()
    return bench


def _measure(http: httpx.Client, conn: psycopg.Connection, screen: str, mode: str, users: list[uuid.UUID],
             tokens: dict[uuid.UUID, str], requests: int) -> list[float]:
    path = f"/v1/dashboard/{screen}"
    out = []
    for i in range(requests):
        user = users[i % len(users)]
        if mode == "cold":  # what any change to the user's data does (the admin screen keys on the outbox)
            conn.execute("INSERT INTO outbox_events (kind, subject, payload, audience, created_at) "
                         "VALUES ('bench.bump', 'bench', '{}', %s, now())", ([user],))
            conn.commit()
        t0 = time.perf_counter()
        try:
            r = http.get(path, headers={"Authorization": f"Bearer {tokens[user]}"})
        except httpx.RemoteProtocolError:  # a kept-alive connection the server had just closed: once more
            r = http.get(path, headers={"Authorization": f"Bearer {tokens[user]}"})
        out.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200, (path, r.status_code, r.text[:300])
    return out


def tokens_for(database_url: str, who: dict[str, list[uuid.UUID]],
               admin_wallet: str) -> tuple[ApiSettings, dict[uuid.UUID, str]]:
    """In-process settings (own Redis prefix, no rate limits) and access tokens for a prepared database."""
    url = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    settings = ApiSettings(database_url=database_url, redis_url=redis_url, environment="test",  # type: ignore[call-arg]
                           jwt_keys=json.dumps({"b1": uuid.uuid4().hex * 2}), jwt_active_kid="b1",
                           admin_addresses=[admin_wallet], ratelimit_enabled=False, log_level="WARNING",
                           redis_key_prefix=f"lancer-bench-{uuid.uuid4().hex[:8]}:", _env_file=None)
    everyone = sorted({u for us in who.values() for u in us})
    with psycopg.connect(url) as conn:
        tokens = _tokens(settings, conn, everyone, who["admin"][0])
        scheduler_sweeps(settings, _wallets(conn, who["freelancer"]))
        return settings, tokens
