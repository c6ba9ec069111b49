"""`lancer bench matching` (not a test): ranking quality of both rankers on the committed evaluation set
(``bench/data/matching_eval.json``, made by ``bench.matching_eval``) and the client feed's latency with
``freelancers`` freelancers in the database.

Quality: for every project of the set, the top 10 of each ranker (exploration slots off) against the
labelled pairs: NDCG@10 with gains 2^grade - 1, and recall@10 = relevant found in the top 10 / min(10,
relevant). The embedding ranker needs the matching extra; without it its row says so.
Latency: the set plus synthetic freelancers (variants of the set's profiles; their vectors are the set's
with noise, so no model runs for them) up to ``freelancers``; then ``service.feed_page`` (retrieval,
features, scoring, a page of 20) is timed in-process for random projects, p50/p99 per ranker, and the
other feed (projects for random freelancers of the set) the same way; on a store large enough for the
approximate embedding pre-score, the first pages are compared with the exact pre-score's.
"""

from __future__ import annotations

import io
import json
import math
import os
import random
import statistics
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import psycopg
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from api.matching import embeddings, feed, service, store
from api.matching.features import tz_offset_minutes
from api.matching.refresh import freelancer_text, project_text
from api.projects.models import Project
from api.settings import ApiSettings
from bench.matching_eval import OUT as EVAL_FILE
from bench.scratch import scratch_database
from indexer.core.db import make_engine
from indexer.core.migrate import upgrade

ZERO = "0x" + "00" * 20
GOAL_P99_MS, GOAL_SIZE = 50.0, 100_000
RANKERS = ("lexical", "embedding")


@dataclass
class MatchingBench:
    freelancers: int
    quality: dict[str, tuple[float, float] | None] = field(default_factory=dict)  # ranker -> (ndcg, recall)
    latency: dict[str, tuple[float, float]] = field(default_factory=dict)  # ranker -> (p50 ms, p99 ms)
    cpu: dict[str, tuple[float, float]] = field(default_factory=dict)  # ranker -> CPU ms of this process, p50/p99
    calls: int = 0
    load: tuple[float, float, float] = (0.0, 0.0, 0.0)  # load average at the end of the timed calls
    # The other feed (projects for a freelancer, still SQL): ranker -> (p50, p99) wall and CPU, ms.
    projects_latency: dict[str, tuple[float, float]] = field(default_factory=dict)
    projects_cpu: dict[str, tuple[float, float]] = field(default_factory=dict)
    projects: int = 0
    # Embedding client feed on a large store: calls whose first page equals the one an exact cosine
    # pre-score gives (the store pre-scores in a principal subspace, store.APPROX_DIMS), of calls.
    agreement: tuple[int, int] | None = None

    def report(self) -> str:
        lines = ["| ranker | NDCG@10 | recall@10 | feed p50 | feed p99 | CPU p50 | CPU p99 |",
                 "| --- | --- | --- | --- | --- | --- | --- |"]
        for r in RANKERS:
            q, lat, cpu = self.quality.get(r), self.latency.get(r), self.cpu.get(r)
            qs = f"{q[0]:.3f} | {q[1]:.3f}" if q else "extra not installed | -"
            ls = f"{lat[0]:.1f} ms | {lat[1]:.1f} ms" if lat else "- | -"
            cs = f"{cpu[0]:.1f} ms | {cpu[1]:.1f} ms" if cpu else "- | -"
            lines.append(f"| {r} | {qs} | {ls} | {cs} |")
        met = [r for r, lat in self.latency.items() if lat[1] < GOAL_P99_MS]
        verdict = ", ".join(f"{r}: {'met' if r in met else 'NOT met'}" for r in self.latency)
        scope = "" if self.freelancers >= GOAL_SIZE else \
            f" (measured at {self.freelancers}, the goal is at {GOAL_SIZE})"
        if self.projects_latency:
            lines += ["", f"projects feed (a freelancer's, SQL; {self.projects} open projects):",
                      "| ranker | feed p50 | feed p99 | CPU p50 | CPU p99 |", "| --- | --- | --- | --- | --- |"]
            for r, lat in self.projects_latency.items():
                cpu = self.projects_cpu[r]
                lines.append(f"| {r} | {lat[0]:.1f} ms | {lat[1]:.1f} ms | {cpu[0]:.1f} ms | {cpu[1]:.1f} ms |")
        if self.agreement is not None:
            lines.append(f"embedding pre-score in the principal subspace: first page identical to the exact "
                         f"pre-score's in {self.agreement[0]} of {self.agreement[1]} calls")
        return (f"matching bench: {self.freelancers} freelancers, {self.calls} feed calls per ranker, "
                f"load average {self.load[0]:.1f} / {self.load[1]:.1f} / {self.load[2]:.1f} "
                f"on {os.cpu_count()} cores\n" + "\n".join(lines)
                + f"\ngoal feed p99 < {GOAL_P99_MS:.0f} ms at {GOAL_SIZE} freelancers{scope}: {verdict or '-'}"
                + "\n(CPU = this process's CPU time per call: the server's own work, less sensitive to a busy machine; "
                "PostgreSQL's share is in the wall time only)")


def _p50_p99(values: list[float]) -> tuple[float, float]:
    values = sorted(values)
    return values[len(values) // 2], values[min(len(values) - 1, int(len(values) * 0.99))]


def _timed(call: Callable[[Any], object], args: Iterable[Any]) -> tuple[tuple[float, float], tuple[float, float]]:
    """p50/p99 of wall and of this process's CPU time (ms) of ``call(arg)`` over ``args``."""
    times, cpu = [], []
    for arg in args:
        t0, c0 = time.perf_counter(), time.process_time()
        call(arg)
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return _p50_p99(times), _p50_p99(cpu)


def ndcg_at_10(ranked: list[int], grades: dict[int, int]) -> float:
    dcg = sum((2 ** grades.get(f, 0) - 1) / math.log2(i + 2) for i, f in enumerate(ranked[:10]))
    ideal = sorted(grades.values(), reverse=True)[:10]
    idcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at_10(ranked: list[int], grades: dict[int, int]) -> float:
    relevant = {f for f, g in grades.items() if g > 0}
    return len(relevant & set(ranked[:10])) / min(10, len(relevant)) if relevant else 0.0


def _copy(conn: psycopg.Connection, table: str, columns: str, buf: io.StringIO) -> None:
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        copy.write(buf.getvalue())


def _bytea(raw: bytes | None) -> str:
    return "\\N" if raw is None else "\\\\x" + raw.hex()


def _pg(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def encode_set(data: dict[str, Any], database_url: str) -> tuple[np.ndarray, np.ndarray]:
    """The model's vectors of the set's freelancers and projects (once per run: the model is the slow part)."""
    with psycopg.connect(_pg(database_url)) as conn:
        names = {slug: name for slug, name in conn.execute("SELECT slug, name FROM skills")}
    people = [freelancer_text(p["bio"], sorted(names[s] for s in p["skills"])) for p in data["freelancers"]]
    return (embeddings.encode(people),
            embeddings.encode([project_text(j["title"], j["description"]) for j in data["projects"]]))


def populate(database_url: str, data: dict[str, Any], extra: int, vectors_of_set: tuple[np.ndarray, np.ndarray] | None,
             seed: int = 7) -> tuple[dict[uuid.UUID, int], dict[uuid.UUID, int]]:
    """Users, profiles, features and projects with COPY; returns user id -> eval freelancer id and
    project id -> eval project id."""
    rng = np.random.default_rng(seed)
    now = datetime.now(UTC).isoformat()
    people, jobs = data["freelancers"], data["projects"]
    texts = {}
    with psycopg.connect(_pg(database_url)) as conn:
        skills = {slug: (i, name) for i, slug, name in conn.execute("SELECT id, slug, name FROM skills")}
        for p in people:
            texts[p["id"]] = freelancer_text(p["bio"], sorted(skills[s][1] for s in p["skills"]))
        vectors, job_vectors = vectors_of_set if vectors_of_set is not None else (None, None)
        users: list[tuple[uuid.UUID, dict[str, Any], Any]] = []
        for k in range(len(people) + extra):
            p = people[k % len(people)]
            vec = None if vectors is None else vectors[k % len(people)]
            if vec is not None and k >= len(people):  # a variant: the same niche, a nearby vector
                vec = vec + rng.normal(0, 0.05, vec.shape).astype(np.float32)
                vec = vec / np.linalg.norm(vec)
            users.append((uuid.UUID(int=k + 1, version=4), p, vec))
        client = uuid.UUID(int=10**9, version=4)
        buf = io.StringIO()
        for u, _, _ in users:
            buf.write(f"{u}\t{now}\n")
        buf.write(f"{client}\t{now}\n")
        _copy(conn, "users", "id, created_at", buf)
        buf = io.StringIO()
        for n, (u, p, _) in enumerate(users):
            buf.write(f"{u}\tf{n}\tF {n}\t{p['bio']}\t[]\t{p['time_zone']}\t[]\t{p['availability']}\tt\tf\t{now}\t{now}\n")
        buf.write(f"{client}\tclient\tClient\t\t[]\tUTC\t[]\tavailable\tf\tt\t{now}\t{now}\n")
        _copy(conn, "profiles", "user_id, handle, display_name, bio, links, time_zone, rates, availability, "
                                "is_freelancer, is_client, created_at, updated_at", buf)
        buf = io.StringIO()
        for u, p, vec in users:
            ids = sorted(skills[s][0] for s in p["skills"])
            levels = json.dumps({str(skills[s][0]): lvl for s, lvl in p["skills"].items()})
            raw = None if vec is None else embeddings.pack(vec)
            model = "\\N" if raw is None else embeddings.MODEL_NAME
            buf.write(f"{u}\t{{{','.join(map(str, ids))}}}\t{levels}\t{{}}\t{p['reputation']}\t0\t"
                      f"{tz_offset_minutes(p['time_zone'])}\t{p['availability']}\t[]\tf\t{texts[p['id']]}\t"
                      f"{_bytea(raw)}\t{model}\t{now}\t{now}\n")
        _copy(conn, "match_freelancers", "user_id, skill_ids, skill_levels, verified_skill_ids, reputation, completed, "
                                         "tz_offset_minutes, availability, rates, is_new, text, embedding, "
                                         "embedding_model, profile_created_at, updated_at", buf)
        projects: dict[uuid.UUID, int] = {}
        buf, mbuf = io.StringIO(), io.StringIO()
        for j in jobs:
            pid = uuid.UUID(int=2 * 10**9 + j["id"], version=4)
            projects[pid] = j["id"]
            ids = sorted(skills[s][0] for s in j["skills"])
            buf.write(f"{pid}\t{client}\t{j['title']}\t{j['description']}\t{{{','.join(map(str, ids))}}}\t{j['budget']}\t"
                      f"31337\t{ZERO}\t[]\tpublic\t{{}}\topen\t[]\t{now}\t{now}\n")
            if job_vectors is not None:
                mbuf.write(f"{pid}\t{_bytea(embeddings.pack(job_vectors[j['id']]))}\t{embeddings.MODEL_NAME}\t{now}\n")
        _copy(conn, "projects", "id, client_user_id, title, description, skill_ids, budget, chain_id, token, "
                                "milestones, visibility, invitees, state, attachments, created_at, updated_at", buf)
        if job_vectors is not None:
            _copy(conn, "match_projects", "project_id, embedding, embedding_model, updated_at", mbuf)
        conn.execute("ANALYZE match_freelancers; ANALYZE projects; ANALYZE profiles")
        conn.commit()
    return {u: p["id"] for u, p, _ in users[:len(people)]}, projects


def _agreement(db: Session, settings: ApiSettings, client: uuid.UUID, picks: list[uuid.UUID]) -> tuple[int, int] | None:
    """First pages of the embedding feed with the store's approximate pre-score vs the exact one (None: the
    store is small enough to be exact)."""
    with store.lock:
        st = store.synced(db)
    if st.basis is None:
        return None
    same = 0
    for pid in picks:
        project = db.get(Project, pid)
        pages = []
        for basis in (st.basis, None):
            saved, st.basis = st.basis, basis
            try:
                page = service.feed_page(db, settings, client, project, limit=20, cursor=None, ranker="embedding")
            finally:
                st.basis = saved
            pages.append([(i.id, i.score) for i in page.items])
        same += pages[0] == pages[1]
    return same, len(picks)


def run(admin_url: str, *, freelancers: int = 10_000, calls: int = 100,
        log: Callable[[str], None] = print) -> MatchingBench:
    data = json.loads(EVAL_FILE.read_text())
    embed = embeddings.available()
    bench = MatchingBench(freelancers=max(freelancers, len(data["freelancers"])), calls=calls)
    grades: dict[int, dict[int, int]] = {}
    for job, person, grade in data["relevant"]:
        grades.setdefault(job, {})[person] = grade
    with scratch_database(admin_url, "matching") as database_url:
        upgrade(database_url)
        settings = ApiSettings(database_url=database_url, environment="test", matching_exploration_every=0,
                               _env_file=None)  # type: ignore[call-arg]
        engine = make_engine(database_url)
        try:
            started = time.perf_counter()
            vectors = encode_set(data, database_url) if embed else None
            eval_ids, projects = populate(database_url, data, 0, vectors)
            log(f"evaluation set loaded in {time.perf_counter() - started:.1f}s (embeddings: {embed})")
            with Session(engine) as db:
                for ranker in RANKERS:
                    if ranker == "embedding" and not embed:
                        bench.quality[ranker] = None
                        continue
                    ndcgs, recalls = [], []
                    for pid, job in projects.items():
                        used, ranked = service.rank_freelancers(db, settings, db.get(Project, pid), ranker=ranker)
                        assert used == ranker, (used, ranker)
                        top = [eval_ids[r.id] for r in feed.paginate(ranked, 0, 10, None)[0] if r.id in eval_ids]
                        ndcgs.append(ndcg_at_10(top, grades.get(job, {})))
                        recalls.append(recall_at_10(top, grades.get(job, {})))
                    bench.quality[ranker] = (statistics.fmean(ndcgs), statistics.fmean(recalls))
        finally:
            engine.dispose()
    # Latency on a second scratch database: the set plus synthetic freelancers up to the size asked for.
    extra = max(0, freelancers - len(data["freelancers"]))
    with scratch_database(admin_url, "matching_load") as database_url:
        upgrade(database_url)
        settings = ApiSettings(database_url=database_url, environment="test", _env_file=None)  # type: ignore[call-arg]
        engine = make_engine(database_url)
        try:
            started = time.perf_counter()
            people, projects = populate(database_url, data, extra, vectors)
            log(f"{bench.freelancers} freelancers loaded in {time.perf_counter() - started:.1f}s")
            rng = random.Random(3)
            picks = [rng.choice(list(projects)) for _ in range(calls)]
            who = [rng.choice(list(people)) for _ in range(calls)]
            bench.projects = len(projects)
            with Session(engine) as db:
                for ranker in RANKERS:
                    if ranker == "embedding" and not embed:
                        continue
                    client = db.get(Project, picks[0]).client_user_id  # type: ignore[union-attr]
                    service.feed_page(db, settings, client, db.get(Project, picks[0]), limit=20, cursor=None,
                                      ranker=ranker)  # warm-up: plans, caches
                    bench.latency[ranker], bench.cpu[ranker] = _timed(
                        lambda pid: service.feed_page(db, settings, client, db.get(Project, pid), limit=20,
                                                      cursor=None, ranker=ranker), picks)
                    if ranker == "embedding":
                        bench.agreement = _agreement(db, settings, client, picks)
                    bench.projects_latency[ranker], bench.projects_cpu[ranker] = _timed(
                        lambda user: service.feed_page(db, settings, user, None, limit=20, cursor=None,
                                                       ranker=ranker), who)
            bench.load = os.getloadavg()
        finally:
            engine.dispose()
    return bench
