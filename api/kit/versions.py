"""Data versions of the app tables behind cached public reads.

``data_versions`` holds one counter per kind of data (``projects``: what the project search shows;
``reputation``: linked wallets and Lancer's offchain attestations; ``api_keys`` and ``sessions``: whether
a credential is still good, see ``CREDENTIAL_VERSIONS``), bumped by statement-level triggers
in the writing transaction (migration a0024_read_versions): every write path is covered (ORM, SQL,
COPY, cascades) and a reader that takes the version before the data never files new data under an old
version. ``api.kit.cache.ReadCache`` folds these counters (but the credential ones) into its version with the
index version, so every cached read is keyed by both.

A process learns of its own writes at once: :func:`watch_commits` marks the read cache's version stale
when a connection of this process commits (and again when that connection is back in the pool, after the
commit is done), so the next read takes the version from the database. Other processes see a change
within ``CACHE_VERSION_TTL_SECONDS``, as for the index.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import BigInteger, Connection, Engine, String, event, text
from sqlalchemy.orm import Mapped, mapped_column

from api.kit.db import Base

_WROTE = "lancer_committed"
# Execution option of a connection whose writes touch no table behind a data version or the index (API
# key usage rows, ``last_used_at``): its commits leave the read cache's version as it is. Under load such
# writers commit several times a second, and each commit would send every cached read to the database.
UNVERSIONED = "lancer_unversioned_writes"
# Counters that only say whether a credential is still good (migrations a0025, a0027): read with the
# others for the caches of verified API keys and live sessions, but no cached answer is built from them,
# so they stay out of the read cache's version: a sign-out or a revoked key must not drop every cached
# search page and reputation answer of every process.
CREDENTIAL_VERSIONS = frozenset({"api_keys", "sessions"})


class DataVersion(Base):
    __tablename__ = "data_versions"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)


def data_versions(conn: Connection) -> str:
    """Every counter, as one token (``projects:12,reputation:3``)."""
    value = conn.execute(text("SELECT coalesce(string_agg(name || ':' || version, ',' ORDER BY name), '') "
                              "FROM data_versions")).scalar_one()
    return str(value)


def data_version(conn: Connection, name: str) -> int:
    """One counter (0 when it does not exist)."""
    value = conn.execute(text("SELECT version FROM data_versions WHERE name = :n"), {"n": name}).scalar()
    return int(value or 0)


def watch_commits(engine: Engine, stale: Callable[[], None]) -> None:
    """Call ``stale`` when a connection of ``engine`` commits, and again when it is checked in after."""

    def on_commit(conn: Connection) -> None:
        if conn.get_execution_options().get(UNVERSIONED):
            return
        conn.info[_WROTE] = True
        stale()  # before the commit: a read meanwhile may still see the old data, hence the second call

    def on_checkin(_dbapi: Any, record: Any) -> None:
        if record is not None and record.info.pop(_WROTE, False):
            stale()  # the commit is done: the next read takes the new version

    event.listen(engine, "commit", on_commit)
    event.listen(engine.pool, "checkin", on_checkin)
