"""Set-based writes: rows are COPYed into a session temp table shaped like the target, then moved
with one ``INSERT ... SELECT ... ON CONFLICT`` statement.

COPY is the fastest way into PostgreSQL but cannot skip or merge duplicates; the staging step keeps
the writes idempotent (``ON CONFLICT DO NOTHING`` / ``DO UPDATE``) at COPY speed. Everything runs on
the caller's connection, inside the caller's transaction: the staging tables are emptied at commit
(``ON COMMIT DELETE ROWS``) and vanish with the session.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from psycopg import errors as pg_errors
from sqlalchemy import Connection, Table


def _raw_cursor(conn: Connection) -> Any:
    driver = conn.connection.driver_connection
    if driver is None:
        raise RuntimeError("connection is closed")
    return driver.cursor()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


NULL = "\\N"  # COPY text form of NULL
# COPY text format: backslash escapes for the characters that delimit fields and rows.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value: str) -> str:
    """A string as a COPY text field: backslash, tab, newline and carriage return escaped, so a
    string from a node can never split a field or a row. (Four substring scans: ~4x faster than
    ``isalnum`` on a hash, which looks up every character's Unicode class.)"""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_COPY_ESCAPES)
    return value


class CopyTexts(dict[str, str]):
    """``copy_text`` of each distinct string, computed once: ``texts[value]``. A batch's rows name
    the same few thousand hashes and addresses again and again."""

    def __missing__(self, key: str) -> str:
        value = self[key] = copy_text(key)
        return value


def _copy_field(value: Any) -> str:
    if value is None:
        return NULL
    if isinstance(value, str):
        return copy_text(value)
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime: timestamptz columns need an aware one")
        return value.isoformat()
    if isinstance(value, int | Decimal):
        return str(value)
    raise TypeError(f"no COPY text form for {type(value).__name__}")


def encode(rows: Iterable[Sequence[Any]]) -> bytes:
    """Rows in COPY's text format (str, int, bool, aware datetime, None), ready for ``insert``.

    Lets the fetcher's threads prepare a batch's raw rows, so the writer (the pipeline's bottleneck)
    only ships bytes.
    """
    return "".join("\t".join([_copy_field(v) for v in row]) + "\n" for row in rows).encode()


def _staging_name(table: Table) -> str:
    return f"_stage_{table.name}"


def _create_staging(conn: Connection, table: Table) -> None:
    # Created from a query, not LIKE: no constraints, defaults or indexes, only the column types.
    conn.exec_driver_sql(
        f"CREATE TEMP TABLE IF NOT EXISTS {_staging_name(table)} ON COMMIT DELETE ROWS AS "
        f"SELECT * FROM {_quote(table.name)} WITH NO DATA")


def _prepared(conn: Connection) -> set[str]:
    """Staging tables known to exist for the whole session on this connection."""
    return conn.connection.info.setdefault("lancer_staging_tables", set())  # type: ignore[no-any-return]


def prepare(conn: Connection, tables: Iterable[Table]) -> None:
    """Create the staging tables of ``tables`` in a transaction of their own, so later batches skip
    that statement (a round trip each). Must be called outside a transaction."""
    wanted = [t for t in tables if _staging_name(t) not in _prepared(conn)]
    if not wanted:
        return
    with conn.begin():
        for table in wanted:
            _create_staging(conn, table)
    _prepared(conn).update(_staging_name(t) for t in wanted)


def stage(conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]] | bytes) -> str:
    """COPY ``rows`` (tuples in ``columns`` order, or their ``encode``d form) into the staging twin of
    ``table``; returns its name.

    Values go in COPY's text format, so any value PostgreSQL parses for the column type works
    (ints for NUMERIC, JSON text for JSONB, aware datetimes for timestamptz).
    """
    name = _staging_name(table)
    if name not in _prepared(conn):
        # Not remembered: created in the caller's transaction, which may still roll back.
        _create_staging(conn, table)
    _copy(conn, name, columns, rows)
    return name


def _copy(conn: Connection, target: str, columns: Sequence[str], rows: Iterable[Sequence[Any]] | bytes) -> None:
    cols = ", ".join(_quote(c) for c in columns)
    with _raw_cursor(conn) as cur, cur.copy(f"COPY {target} ({cols}) FROM STDIN") as copy:
        if isinstance(rows, bytes):
            copy.write(rows)
        else:
            for row in rows:
                copy.write_row(row)


def insert(conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]] | bytes, *,
           conflict: Sequence[str], update: Sequence[str] | dict[str, str] = (), order_by: str = "",
           expect_new: bool = False) -> None:
    """Insert ``rows`` into ``table``; rows whose ``conflict`` key exists are skipped, or, with
    ``update``, overwrite those columns (a dict maps a column to an SQL expression over ``t`` (the
    stored row) and ``excluded``).

    Rows sharing a conflict key within one call are not allowed with ``update`` (PostgreSQL refuses
    to update a row twice in one statement): merge them first.

    ``expect_new`` (skip-only inserts): the caller knows no row can exist yet (e.g. the sync engine
    writing above its cursor), so the rows are COPYed straight into ``table`` inside a savepoint,
    which costs PostgreSQL about half the staged path's work (no staging table written and read
    back, no sort). Should one exist after all, the savepoint is rolled back and the staged,
    conflict-skipping path runs: the result is the same either way.
    """
    if not rows:
        return
    if expect_new and not update:
        savepoint = conn.begin_nested()
        try:
            _copy(conn, _quote(table.name), columns, rows)
        except pg_errors.UniqueViolation:
            savepoint.rollback()
        else:
            savepoint.commit()
            return
    staged = stage(conn, table, columns, rows)
    cols = ", ".join(_quote(c) for c in columns)
    target = ", ".join(_quote(c) for c in conflict)
    if update:
        sets = update if isinstance(update, dict) else {c: f"excluded.{_quote(c)}" for c in update}
        action = "DO UPDATE SET " + ", ".join(f"{_quote(c)} = {expr}" for c, expr in sets.items())
    else:
        action = "DO NOTHING"
    order = f" ORDER BY {order_by}" if order_by else ""
    # The staged rows are consumed (DELETE ... RETURNING) so a second call in the same transaction
    # starts from an empty staging table.
    conn.exec_driver_sql(
        f"WITH moved AS (DELETE FROM {staged} RETURNING {cols}) "
        f"INSERT INTO {_quote(table.name)} AS t ({cols}) SELECT {cols} FROM moved{order} "
        f"ON CONFLICT ({target}) {action}")


def insert_dicts(conn: Connection, table: Table, rows: Sequence[dict[str, Any]], *, conflict: Sequence[str],
                 update: Sequence[str] | dict[str, str] = ()) -> None:
    """``insert`` for rows given as dicts, all with the same keys (in the same order)."""
    if not rows:
        return
    columns = tuple(rows[0])
    insert(conn, table, columns, [tuple(r.values()) for r in rows], conflict=conflict, update=update)
