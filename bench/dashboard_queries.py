"""Per-query profile of the dashboards (``python -m bench.dashboard_queries DATABASE_URL WHO.json``, on a database
filled by ``bench.dashboards.prepare``; WHO.json: its result as {screen: [user ids], "admin_wallet": ...}): each summary is built cold
through the real route (in process, TestClient) for every measured user, every SQL statement it sends is
captured with its parameters and replayed under ``EXPLAIN (ANALYZE, BUFFERS)``. The server-side execution
time and the shared buffers touched per statement are far less sensitive to the machine's load than a
request's wall time (buffers not at all), so before/after comparisons hold on a shared machine.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import psycopg
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.engine import make_url

from api.app import create_app
from api.settings import ApiSettings

SCREENS = ("freelancer", "client", "admin")


@dataclass
class Statement:
    sql: str
    runs: list[tuple[float, int]] = field(default_factory=list)  # (execution ms, shared buffers hit + read)


def _label(sql: str) -> str:
    """A short, stable name for a statement: its first table after FROM (or the first line)."""
    flat = " ".join(sql.split())
    m = re.search(r"\bFROM\s+([a-z_]+)", flat, re.I)
    return (m.group(1) if m else flat[:40]) + " | " + flat[:70]


def profile(database_url: str, who: dict[str, list[uuid.UUID]], tokens: dict[uuid.UUID, str],
            settings: ApiSettings, rounds: int = 1) -> dict[str, list[Statement]]:
    url = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    out: dict[str, list[Statement]] = {}
    app = create_app(settings)
    with TestClient(app) as client, psycopg.connect(url, autocommit=True) as explain:
        captured: list[tuple[str, Any]] = []

        def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
            captured.append((statement, parameters))

        event.listen(app.state.engine, "before_cursor_execute", capture)
        for screen in SCREENS:
            by_sql: dict[str, Statement] = {}
            for _ in range(rounds):
                # One admin: its screen is built ten times (the first also builds the volume rollup).
                for user in who[screen] * (10 if len(who[screen]) == 1 else 1):
                    explain.execute("INSERT INTO outbox_events (kind, subject, payload, audience, created_at) "
                                    "VALUES ('bench.bump', 'bench', '{}', %s, now())", ([user],))
                    captured.clear()
                    r = client.get(f"/v1/dashboard/{screen}", headers={"Authorization": f"Bearer {tokens[user]}"})
                    assert r.status_code == 200, (screen, r.status_code, r.text[:300])
                    for sql, params in list(captured):
                        if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                            continue
                        plan = explain.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, params).fetchone()
                        top = plan[0][0] if isinstance(plan[0], list) else json.loads(plan[0])[0]
                        buffers = top["Plan"].get("Shared Hit Blocks", 0) + top["Plan"].get("Shared Read Blocks", 0)
                        by_sql.setdefault(sql, Statement(sql)).runs.append((top["Execution Time"], buffers))
            out[screen] = list(by_sql.values())
        event.remove(app.state.engine, "before_cursor_execute", capture)
    return out


def report(result: dict[str, list[Statement]]) -> str:
    lines = ["per statement, EXPLAIN ANALYZE over the measured users (cold build): "
             "median / max execution ms, median shared buffers"]
    for screen, statements in result.items():
        total = 0.0
        lines.append(f"  {screen}:")
        for st in sorted(statements, key=lambda s: -statistics.median(r[0] for r in s.runs)):
            ms = [r[0] for r in st.runs]
            total += statistics.median(ms)
            lines.append(f"    {statistics.median(ms):8.2f} {max(ms):8.2f} ms {int(statistics.median(r[1] for r in st.runs)):8d} buf"
                         f"  x{len(ms):<3} {_label(st.sql)}")
        lines.append(f"    {total:8.2f} ms  sum of medians ({len(statements)} distinct statements)")
    return "\n".join(lines)


def main() -> None:  # python -m bench.dashboard_queries DATABASE_URL WHO_JSON
    import sys

    from bench.dashboards import tokens_for

    database_url, who_path = sys.argv[1], sys.argv[2]
    raw = json.load(open(who_path))
    who = {k: [uuid.UUID(u) for u in raw[k]] for k in SCREENS}
    settings, tokens = tokens_for(database_url, who, raw["admin_wallet"])
    print(report(profile(database_url, who, tokens, settings, rounds=int(os.environ.get("ROUNDS", "1")))))


if __name__ == "__main__":
    main()
