"""PostgreSQL advisory locks, keyed (class, key): the class keeps Lancer's locks apart from any other
user of the database and from each other, the key names what is locked (a chain, an attestation...).

Keys are ints (a chain id) or text (hashed by PostgreSQL's ``hashtext``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text

CHAIN_LOCK_CLASS = 0x4C4E43  # "LNC": one indexer writer per chain
ATTEST_LOCK_CLASS = 0x4C4E41  # "LNA": one on-chain attest job per offchain UID


def _key_sql(key: int | str) -> str:
    return "hashtext(:c)" if isinstance(key, str) else ":c"


def _key(key: int | str) -> int | str:
    return key if isinstance(key, str) else key & 0x7FFFFFFF  # the two-key form takes int4 keys


def try_lock(conn: Connection, lock_class: int, key: int | str) -> bool:
    """Session lock, without waiting: held until released or the connection closes (so a dead
    worker frees it)."""
    sql = f"SELECT pg_try_advisory_lock(:k, {_key_sql(key)})"
    return bool(conn.execute(text(sql), {"k": lock_class, "c": _key(key)}).scalar())


def try_xact_lock(conn: Connection, lock_class: int, key: int | str) -> bool:
    """Transaction lock, without waiting: released at commit or rollback of the caller's transaction."""
    sql = f"SELECT pg_try_advisory_xact_lock(:k, {_key_sql(key)})"
    return bool(conn.execute(text(sql), {"k": lock_class, "c": _key(key)}).scalar())


@contextmanager
def held(conn: Connection, lock_class: int, key: int | str) -> Iterator[None]:
    """Session lock for the ``with`` block, waiting for it; ``conn`` is committed around it."""
    params = {"k": lock_class, "c": _key(key)}
    conn.execute(text(f"SELECT pg_advisory_lock(:k, {_key_sql(key)})"), params)
    conn.commit()
    try:
        yield
    finally:
        conn.execute(text(f"SELECT pg_advisory_unlock(:k, {_key_sql(key)})"), params)
        conn.commit()
