"""Change feeds of app tables for per-process in-memory copies (the matching store, the project search index).

A table with a feed carries ``xid``, the id of the transaction that last wrote each row (a ``BEFORE INSERT
OR UPDATE`` trigger), and a deletions log written by an ``AFTER DELETE`` trigger (migrations a0021, a0028).
A reader remembers the snapshot its last read used: its ``xmax`` (the first transaction id not yet started)
and the ids then in progress. The rows written since are exactly ``xid >= xmax OR xid = ANY(in progress)``:
index lookups, and a transaction that commits late is never missed. Transaction ids are cluster-wide, so
the in-progress list, not the snapshot's xmin, keeps other databases' long transactions from making every
read fetch everything again.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

# The deletions logs are pruned after this long (scheduler jobs); a reader that has not read its feed for
# half that long loads everything again instead of trusting the log.
DELETIONS_KEEP_HOURS = 24

_SINCE = "xid >= :x OR xid = ANY(CAST(:running AS bigint[]))"


class Snapshot(NamedTuple):
    xmax: int
    running: list[int]

    def params(self) -> dict[str, Any]:
        return {"x": self.xmax, "running": self.running}


def snapshot(db: Connection | Session) -> Snapshot:
    """The current snapshot's xmax and in-progress ids: read it *before* a full load, and every
    transaction below xmax and not in progress had ended, so the load sees its writes."""
    row = db.execute(text("SELECT pg_snapshot_xmax(s)::text::bigint, "
                          "ARRAY(SELECT x::text::bigint FROM pg_snapshot_xip(s) x) FROM pg_current_snapshot() s")).one()
    return Snapshot(int(row[0]), list(row[1]))


def changes_sql(table: str, columns: str, deletions: str, key: str) -> str:
    """One round trip: this statement's snapshot (``snap_xmax``, ``snap_running``), the keys deleted since
    (``gone``) and the rows written since (at least one row: its columns are NULL when none changed)."""
    return (f"WITH s AS (SELECT pg_snapshot_xmax(c)::text::bigint AS snap_xmax, "
            f"ARRAY(SELECT x::text::bigint FROM pg_snapshot_xip(c) x) AS snap_running FROM pg_current_snapshot() c), "
            f"d AS (SELECT ARRAY(SELECT {key} FROM {deletions} WHERE {_SINCE}) AS gone) "
            f"SELECT s.snap_xmax, s.snap_running, d.gone, f.* FROM s CROSS JOIN d LEFT JOIN LATERAL "
            f"(SELECT {columns} FROM {table} WHERE {_SINCE}) f ON true")


class Changes(NamedTuple):
    snapshot: Snapshot
    gone: list[Any]
    rows: list[Any]


def changes(db: Connection | Session, statement: str, since: Snapshot, present: str) -> Changes:
    """Run a ``changes_sql`` statement; ``present`` names a column that is never NULL in a changed row."""
    found = db.execute(text(statement), since.params()).all()
    head = found[0]
    return Changes(Snapshot(int(head.snap_xmax), list(head.snap_running)), list(head.gone),
                   [r for r in found if getattr(r, present) is not None])


def prune(db: Connection | Session, deletions: str, keep_hours: int = DELETIONS_KEEP_HOURS) -> int:
    """Drop a deletions log's rows older than ``keep_hours``; returns how many went (the caller commits)."""
    gone = db.execute(text(f"DELETE FROM {deletions} WHERE deleted_at < now() - make_interval(hours => :h)"),
                      {"h": keep_hours}).rowcount
    return int(gone or 0)
