"""`lancer bench search` (not a test): project search on one API process.

A scratch database filled with COPY (``users`` users with profiles, ``projects`` projects whose titles and
descriptions mix a skewed vocabulary, skills, budgets, chains, states and a year of creation times), one
uvicorn process, and a closed-loop load generator (``bench.loadgen.run_mix``) cycling through typical
searches: browse newest, full text, full text + filters, skills, budget range, chain + state, page two.
The report gives req/s, p50/p99 (overall and per query), and the CPU share of the load generator and of
the API process, so a reader can see which one was the bottleneck. Goal: p99 < 50 ms and >= 500 req/s.

The same run then measures two mixes where every request misses the read cache, each with its verdict:
anonymous searches never sent before (``distinct_queries``: random words, skills, budgets, chain, state,
page two), and signed-in users' searches (SIWE sign-in; never cached). For those it also gives the
PostgreSQL backends' CPU per request, and the capacity the two CPU figures imply on an idle machine.
"""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import httpx
import psycopg
from sqlalchemy.engine import make_url

from bench.loadgen import MixResult, process_tree_cpu, run_mix, wait_until_up
from bench.scratch import scratch_database
from devtools.anvil import free_port
from indexer.core.migrate import upgrade
from indexer.core.registry import load_registry
from indexer.core.settings import REPO_ROOT

GOAL_P99_MS, GOAL_RPS = 50.0, 500.0
LIMIT = 20
ZERO = "0x" + "00" * 20
# A skewed vocabulary: early words are common (a search for them matches many projects), late ones rare.
WORDS = ("audit smart contract solidity escrow token defi protocol review security frontend react dashboard "
         "backend api python rust indexer subgraph data pipeline machine learning model training inference "
         "carbon climate emissions solar energy grid battery wallet integration nft marketplace governance dao "
         "staking bridge oracle zk proof circuit fuzzing invariant gas optimisation upgradeable proxy vault "
         "lending liquidation amm uniswap chainlink layer2 rollup sequencer mev monitoring alerting kubernetes "
         "terraform ci docs tutorial mobile ios android design figma landing analytics embeddings rag llm agent "
         "vision forecasting satellite biodiversity reforestation offsets registry verification kyc compliance "
         "payments invoicing multisig safe account abstraction paymaster bundler relayer keeper automation").split()
STATES = ["open"] * 70 + ["draft"] * 10 + ["in_progress"] * 10 + ["completed"] * 7 + ["cancelled"] * 3


@dataclass
class SearchBench:
    projects: int
    users: int
    connections: int
    seconds: float
    result: MixResult
    api_cpu_share: float
    load_average: tuple[float, float, float]
    distinct_paths: int = 0  # > 0: every request a different search, taken from this many
    pg_cpu_share: float | None = None  # CPU of the database's PostgreSQL backends / wall time, when measured
    pg_backends_ended: int = 0  # backends that ended during the run: their CPU is missing from pg_cpu_share
    paths: dict[str, float] | None = None  # searches built per path (index, sql, refill) during the run

    @property
    def api_cpu_ms(self) -> float:
        return 1000.0 * self.api_cpu_share / self.result.rps if self.result.rps else float("nan")

    def report(self) -> str:
        r = self.result
        lines = [f"project search: {self.projects} projects, {self.users} users, 1 uvicorn process, "
                 f"{self.connections} connections, {self.seconds:.0f} s, limit={LIMIT}",
                 f"{r.rps:.0f} req/s, p50 {r.p50_ms:.1f} ms, p99 {r.p99_ms:.1f} ms, errors {r.errors}",
                 f"CPU: load generator {r.cpu_share:.0%} of one core, API process {self.api_cpu_share:.0%} of one core, "
                 f"{self.api_cpu_ms:.2f} API CPU ms per request (robust to other load on the machine)",
                 ]
        if self.pg_cpu_share is not None and r.rps:
            pg_ms = 1000.0 * self.pg_cpu_share / r.rps
            cores = os.cpu_count() or 1
            lines.append(f"CPU: PostgreSQL (this database's backends) {self.pg_cpu_share:.0%} of one core, {pg_ms:.2f} CPU "
                         f"ms per request; so with nothing else running, at most {1000.0 / self.api_cpu_ms:.0f} req/s "
                         f"for the API's one core and {1000.0 * cores / (self.api_cpu_ms + pg_ms):.0f} req/s for "
                         f"{cores} cores (API + PostgreSQL)")
            if self.pg_backends_ended:
                lines.append(f"  (PostgreSQL figures are a lower bound: {self.pg_backends_ended} backends ended during "
                             "the run, their CPU unknown; the API's pool opened and closed connections)")
        lines.append(f"load average before the run: {' '.join(f'{x:.2f}' for x in self.load_average)}")
        if self.paths:
            lines.append("searches built (api.projects.service.SEARCHES): "
                         + ", ".join(f"{name} {count:.0f}" for name, count in sorted(self.paths.items())))
        if self.distinct_paths:
            repeated = max(0, r.sent_distinct - self.distinct_paths)
            lines.append(f"{min(r.sent_distinct, self.distinct_paths)} different searches sent, none twice"
                         + (f" ({repeated} repeats past the end of the list: too few generated)" if repeated else ""))
        lines.append("p99 per kind of query:" if self.distinct_paths else "p99 per query:")
        lines += [f"  {ms:8.1f} ms  {path}" for path, ms in r.per_path_p99_ms.items()]
        met = r.p99_ms < GOAL_P99_MS and r.rps >= GOAL_RPS
        if r.cpu_share > 0.8 or r.cpu_share > self.api_cpu_share:
            lines.append("goal: NO VERDICT: the load generator used most of a core (or more CPU than the API): "
                         "it, not the API, may be the bottleneck")
        else:
            lines.append(f"goal (p99 < {GOAL_P99_MS:.0f} ms and >= {GOAL_RPS:.0f} req/s): {'met' if met else 'NOT met'}")
        return "\n".join(lines)


def _phrase(rng: random.Random, n: int) -> str:
    # Zipf-like: index ~ len * u**2 favours the first words.
    return " ".join(WORDS[int(len(WORDS) * rng.random() ** 2)] for _ in range(n))


def _copy(conn: psycopg.Connection, table: str, columns: str, rows: io.StringIO) -> None:
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        copy.write(rows.getvalue())


def populate(database_url: str, *, projects: int, users: int, seed: int = 13) -> dict[str, list[str]]:
    """Fill the scratch database with COPY; returns the skill slugs and chain names used."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    chains = [c for c in load_registry().chains][:4]
    url = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url) as conn:
        skills = conn.execute("SELECT id, slug, name FROM skills ORDER BY id").fetchall()
        user_ids = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(users)]
        buf = io.StringIO()
        for u in user_ids:
            buf.write(f"{u}\t{now.isoformat()}\n")
        _copy(conn, "users", "id, created_at", buf)
        buf = io.StringIO()
        for i, u in enumerate(user_ids):
            buf.write(f"{u}\tuser{i}\tUser {i}\t{_phrase(rng, 12)}\t[]\tUTC\t[]\tavailable\t"
                      f"{'t' if i % 2 else 'f'}\t{'f' if i % 2 else 't'}\t{now.isoformat()}\t{now.isoformat()}\n")
        _copy(conn, "profiles", "user_id, handle, display_name, bio, links, time_zone, rates, availability, "
                                "is_freelancer, is_client, created_at, updated_at", buf)
        clients = user_ids[::2]
        buf = io.StringIO()
        for _ in range(projects):
            picked = rng.sample(skills, rng.randint(1, 3))
            skill_words = " ".join(s[2] for s in picked)
            title = f"{_phrase(rng, 4)} {picked[0][2]}"[:200]
            description = f"{_phrase(rng, 40)} {skill_words} {_phrase(rng, 20)}"
            created = now - timedelta(seconds=rng.randint(0, 365 * 86_400))
            visibility = "public" if rng.random() < 0.95 else "invite_only"
            buf.write(f"{uuid.UUID(int=rng.getrandbits(128), version=4)}\t{rng.choice(clients)}\t{title}\t"
                      f"{description}\t{{{','.join(str(s[0]) for s in picked)}}}\t{rng.randint(1, 10_000) * 10**17}\t"
                      f"{rng.choice(chains).chain_id}\t{ZERO}\t[]\t{visibility}\t{{}}\t{rng.choice(STATES)}\t[]\t"
                      f"{created.isoformat()}\t{created.isoformat()}\n")
        _copy(conn, "projects", "id, client_user_id, title, description, skill_ids, budget, chain_id, token, "
                                "milestones, visibility, invitees, state, attachments, created_at, updated_at", buf)
        conn.commit()
    _vacuum(url, "users", "profiles", "projects")
    return {"skills": [s[1] for s in skills], "chains": [c.name for c in chains]}


def _vacuum(url: str, *tables: str) -> None:
    """VACUUM ANALYZE, as autovacuum would soon after a bulk load: besides statistics it empties the GIN
    indexes' pending lists (the tsvector's and the skills'), which every search using them would otherwise
    scan in full (3-4x the PostgreSQL time of the uncached mix in a first measurement)."""
    with psycopg.connect(url, autocommit=True) as conn:
        for table in tables:
            conn.execute(f"VACUUM ANALYZE {table}")


def queries(base: str, vocabulary: dict[str, list[str]]) -> list[str]:
    """Typical searches (the first page of each, plus page two of the browse)."""
    skills, chains = vocabulary["skills"], vocabulary["chains"]

    def path(**params: object) -> str:
        return "/v1/projects?" + urlencode({**params, "limit": LIMIT}, doseq=True)

    paths = [path(), path(state="open"), path(q="solidity audit"), path(q="machine learning", state="open"),
             path(q="carbon", min_budget=str(10**20)), path(skills=skills[:2]),
             path(min_budget=str(10**20), max_budget=str(5 * 10**20)), path(chain=chains[0], state="open"),
             path(q="paymaster bundler"), path(q="react dashboard", skills=skills[:3], state="open")]
    first = httpx.get(base + paths[0], timeout=30).json()
    if first.get("next_cursor"):
        paths.append(path(cursor=first["next_cursor"]))
    for p in paths:  # fail early on a broken query
        r = httpx.get(base + p, timeout=30)
        assert r.status_code == 200, (p, r.status_code, r.text[:300])
    return paths


def _budget(rng: random.Random) -> str:
    return str(rng.randint(1, 1000) * 10**18)


def distinct_queries(vocabulary: dict[str, list[str]], n: int, *, seed: int = 29, mine: float = 0.0) -> list[str]:
    """``n`` different first pages, as many users typing their own searches would send: 0-2 words of the
    vocabulary (uniform, so rare words as often as common ones), and independently 0-3 skills, a minimum
    and/or maximum budget, a chain, a state; with probability ``mine``, ``mine=true`` (signed in only).
    None repeats, so none can be answered from a cache filled by another."""
    rng = random.Random(seed)
    skills, chains = vocabulary["skills"], vocabulary["chains"]
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < n:
        params: dict[str, object] = {}
        words = rng.choice((0, 1, 1, 2, 2))
        if words:
            params["q"] = " ".join(rng.sample(WORDS, words))
        if rng.random() < 0.3:
            params["skills"] = sorted(rng.sample(skills, rng.randint(1, 3)))
        if rng.random() < 0.25:
            low = rng.randint(1, 500) * 10**18
            params["min_budget"] = str(low)
            if rng.random() < 0.5:
                params["max_budget"] = str(low + rng.randint(1, 500) * 10**18)
        elif rng.random() < 0.1:
            params["max_budget"] = _budget(rng)
        if rng.random() < 0.25:
            params["chain"] = rng.choice(chains)
        if rng.random() < 0.4:
            params["state"] = rng.choice(("open", "open", "open", "in_progress", "completed"))
        if mine and rng.random() < mine:
            params["mine"] = "true"
        path = "/v1/projects?" + urlencode({**params, "limit": LIMIT}, doseq=True)
        if path not in seen:
            seen.add(path)
            out.append(path)
    return out


def label(path: str) -> str:
    """The kind of a generated query (its most telling part), for the p99 by kind of a run where every
    path is new."""
    query = "&" + path.partition("?")[2]
    for kind, key in (("page two", "&cursor="), ("mine", "&mine="), ("text (+ filters)", "&q="),
                      ("skills (+ filters)", "&skills="), ("budget (+ filters)", "_budget=")):
        if key in query:
            return kind
    return "chain or state only" if "&chain=" in query or "&state=" in query else "browse"


def sign_in(base: str, users: int) -> list[tuple[uuid.UUID, str]]:
    """``users`` fresh wallets signed in with SIWE, as the web app does: (user id, access token) each."""
    from eth_account import Account

    from devtools.signin import login

    out = []
    with httpx.Client(base_url=base, timeout=30) as client:
        for _ in range(users):
            body = login(client, Account.create(), ua="lancer-bench-search")
            out.append((uuid.UUID(body["user_id"]), body["tokens"]["access_token"]))
    return out


def involve(database_url: str, user_ids: list[uuid.UUID], *, per_user: int = 40, seed: int = 17) -> None:
    """Give each signed-in user what makes their searches differ from an anonymous one: projects of their
    own (drafts included), invitations to invite-only projects, and an organization (one per two users)
    owning projects; so the visibility rule a signed-in search applies has rows to find."""
    rng = random.Random(seed)
    url = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM projects ORDER BY id")]
        invite_only = [r[0] for r in conn.execute("SELECT id FROM projects WHERE visibility = 'invite_only'")]
        for i, user_id in enumerate(user_ids):
            conn.execute("UPDATE projects SET client_user_id = %s WHERE id = ANY(%s)", (user_id, rng.sample(ids, per_user)))
            conn.execute("UPDATE projects SET invitees = invitees || %s::uuid WHERE id = ANY(%s)",
                         (user_id, rng.sample(invite_only, min(per_user, len(invite_only)))))
            if i % 2 == 0:
                org = uuid.uuid4()
                conn.execute("INSERT INTO organizations (id, slug, name, created_at) VALUES (%s, %s, %s, now())",
                             (org, f"bench-org-{i}", f"Bench org {i}"))
                conn.execute("UPDATE projects SET org_id = %s WHERE id = ANY(%s)", (org, rng.sample(ids, per_user)))
            conn.execute("INSERT INTO org_members (org_id, user_id, role, joined_at) VALUES (%s, %s, %s, now())",
                         (org, user_id, "owner" if i % 2 == 0 else "member"))
        conn.commit()
    _vacuum(url, "projects", "org_members")


def _pg_cpu(database_url: str) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend connected to ``database_url``'s database (the API's
    pool: a pool that keeps its connections, so few start or end during a run). Local server only."""
    url = make_url(database_url)
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        pids = [r[0] for r in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s "
                                           "AND pid <> pg_backend_pid()", (url.database,))]
    out = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile, or another machine's server
        out[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return out


def second_pages(base: str, firsts: list[str], headers: dict[str, str]) -> list[str]:
    """Page two of each of ``firsts`` that has one, with the cursor its first page returned. Fetched with
    credentials (never cached), so the anonymous first pages stay uncached too."""
    out = []
    with httpx.Client(base_url=base, timeout=30, headers=headers) as client:
        for path in firsts:
            cursor = client.get(path).json().get("next_cursor")
            if cursor:
                out.append(path + "&" + urlencode({"cursor": cursor}))
    return out


@dataclass
class Runs:
    """One `lancer bench search` run: the cached anonymous mix, then the uncached mixes, same API process."""

    projects: int
    users: int
    runs: list[tuple[str, SearchBench]]

    def report(self) -> str:
        parts = []
        for name, bench in self.runs:
            parts.append(f"== {name}\n{bench.report()}")
        return "\n\n".join(parts)


def _metric(base: str, name: str) -> dict[str, float]:
    """A labelled Prometheus series of the API (one label), by label value."""
    found: dict[str, float] = {}
    for line in httpx.get(f"{base}/metrics", timeout=10).text.splitlines():
        if line.startswith(name + "{"):
            label, _, value = line.partition("} ")
            found[label.split('"')[1]] = float(value)
    return found


def wait_for_search_index(base: str, projects: int, timeout: float = 600) -> None:
    """Until the API's project search index holds the scratch database (it loads in the background)."""
    deadline = time.monotonic() + timeout
    while _metric(base, "lancer_project_search_index_rows").get("main", 0) < projects:
        if time.monotonic() > deadline:
            raise RuntimeError("the API's project search index did not load")
        time.sleep(0.5)


def measure_all(base: str, pid: int, database_url: str, vocabulary: dict[str, list[str]], *, projects: int,
                users: int, seconds: float, connections: int, distinct: int, log: Callable[[str], None]) -> Runs:
    """The three runs against the API at ``base`` (process ``pid``) serving ``database_url``."""
    signed = sign_in(base, connections)
    involve(database_url, [u for u, _ in signed])
    tokens = [{"Authorization": f"Bearer {t}"} for _, t in signed]
    fixed = queries(base, vocabulary)
    # Never one of the fixed mix's (cached by its run).
    anonymous = [p for p in distinct_queries(vocabulary, distinct, seed=29) if p not in set(fixed)]
    personal = distinct_queries(vocabulary, distinct, seed=31, mine=0.1)
    # A tenth of each stream is a second page, placed through the stream (the cursor of a first page
    # that stays unsent: fetched with credentials, so uncached).
    for stream in (anonymous, personal):
        firsts = stream[-distinct // 10:]
        del stream[-distinct // 10:]
        seconds_pages = second_pages(base, firsts[:2_000], tokens[0])
        for i, page in enumerate(seconds_pages):
            stream.insert((i * len(stream)) // len(seconds_pages), page)
    log(f"signed in {len(signed)} users; {len(anonymous)} + {len(personal)} distinct searches ready")

    def measure(paths: list[str], *, distinct_paths: bool, headers: list[dict[str, str]] | None,
                warm: bool) -> SearchBench:
        if warm:
            run_mix(base, paths, min(3.0, seconds), connections)  # pools, plans, caches
        load = os.getloadavg()
        paths0 = _metric(base, "lancer_project_searches_total")
        pg0, cpu0, wall0 = _pg_cpu(database_url), process_tree_cpu(pid), time.perf_counter()
        result = run_mix(base, paths, seconds, connections, distinct=distinct_paths, headers=headers,
                         label=label if distinct_paths else None)
        cpu1, wall = process_tree_cpu(pid), time.perf_counter() - wall0
        pg1 = _pg_cpu(database_url)
        pg_share = sum(t - pg0.get(p, 0.0) for p, t in pg1.items()) / wall
        built = {k: v - paths0.get(k, 0.0) for k, v in _metric(base, "lancer_project_searches_total").items()}
        return SearchBench(projects, users, connections, seconds, result, (cpu1 - cpu0) / wall, load,
                           distinct_paths=len(paths) if distinct_paths else 0, pg_cpu_share=pg_share,
                           pg_backends_ended=len(set(pg0) - set(pg1)), paths=built)

    runs = [("cached: anonymous, a fixed mix of 11 typical searches (all but the first of each from "
             "the versioned cache)", measure(fixed, distinct_paths=False, headers=None,
                                             warm=True))]
    # Warm-up for the uncached runs: pools and plans, with searches that the measured runs never send.
    run_mix(base, distinct_queries(vocabulary, 5_000, seed=37), min(3.0, seconds), connections,
            distinct=True, headers=tokens)
    runs.append(("uncached: anonymous, every search a new one (a cache miss)",
                 measure(anonymous, distinct_paths=True, headers=None, warm=False)))
    runs.append((f"uncached: signed in ({len(tokens)} users, one per connection, never cached), every "
                 "search a new one", measure(personal, distinct_paths=True, headers=tokens, warm=False)))
    return Runs(projects, users, runs)


def run(admin_url: str, *, projects: int = 100_000, users: int = 20_000, seconds: float = 20,
        connections: int = 16, distinct: int = 60_000, log: Callable[[str], None] = print) -> Runs:
    """The cached anonymous mix, then two mixes where every request misses the cache: anonymous searches
    never sent before, and signed-in users' searches (never cached); each with its own verdict."""
    from devtools.signin import DOMAIN as SIWE_DOMAIN  # here: it imports siwe, slow and noisy to import
    from devtools.signin import URI as SIWE_URI

    with scratch_database(admin_url, "search") as database_url:
        upgrade(database_url)
        started = time.perf_counter()
        vocabulary = populate(database_url, projects=projects, users=users)
        log(f"populated {projects} projects and {users} users with COPY in {time.perf_counter() - started:.1f}s")
        redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
        port = free_port()
        env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "ENVIRONMENT": "test",
               "REDIS_KEY_PREFIX": f"lancer-bench-{uuid.uuid4().hex[:8]}:", "LOG_LEVEL": "WARNING",
               "JWT_KEYS": json.dumps({"b1": uuid.uuid4().hex * 2}), "JWT_ACTIVE_KID": "b1",
               # Rate limiting stays on (each search pays its Redis round trip) with a budget the load can't exhaust.
               "RATELIMIT_IP_PER_WINDOW": "1000000000", "RATELIMIT_PRINCIPAL_PER_WINDOW": "1000000000",
               "RATELIMIT_AUTH_IP_PER_WINDOW": "1000000000", "SIWE_DOMAIN": SIWE_DOMAIN, "SIWE_URI": SIWE_URI,
               # Off: on a loaded machine every statement passes 500 ms and the slow log's EXPLAIN of each
               # one would be measured as the route's CPU.
               "SLOW_QUERY_MS": "0"}
        api = subprocess.Popen([sys.executable, "-m", "scripts.cli", "api", "--host", "127.0.0.1", "--port", str(port)],
                               cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_up(base, 300)  # a loaded machine imports web3 slowly
            if os.environ.get("PROJECT_SEARCH_INDEX", "true").lower() not in ("false", "0"):
                wait_for_search_index(base, projects)
            return measure_all(base, api.pid, database_url, vocabulary, projects=projects, users=users,
                               seconds=seconds, connections=connections, distinct=distinct, log=log)
        finally:
            api.terminate()
            api.wait(timeout=30)
