"""Session-wide test resources: a private PostgreSQL database, a private Redis key prefix, anvil chains.

Every run creates its own database (dropped at the end) and its own Redis key prefix, so parallel
runs on one machine never see each other's data. Nothing here is mocked.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from redis import Redis
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from devtools.anvil import AnvilProcess
from indexer.core.db import make_engine
from indexer.core.migrate import upgrade
from indexer.core.registry import ChainRegistry, load_registry, with_rpc_urls

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
LOCAL_CHAIN_IDS = (31337, 31338)
ROOT = Path(__file__).resolve().parents[1]

# Folders whose tests share a session- or package-scoped stack (anvils with Lancer deployed and indexed):
# under pytest-xdist each stays on one worker, so the stack is built once. Every other test module is its
# own group, unless JOINS names its group.
SHARED_STACK_FOLDERS = (
    "tests/api/reads", "tests/api/integrations", "tests/api/transactions", "tests/api/economy",
    "tests/api/sustainability", "tests/contracts/src",
)
# The browser modules (a minute or two of browser each, after the stack and the build) run in two groups, on
# two workers at once: each worker builds its own stack and `next start` over the one `next build`
# (tests/web/conftest.py). Two, not one per module: each more costs a stack, and three browsers at once on
# two busy cores ran past the web app's 30 s proxy timeout.
WEB_A, WEB_B = "tests/web:market,community,verify", "tests/web:e2e,platform"
JOINS = {"tests/web/test_market_e2e.py": WEB_A, "tests/web/test_community_e2e.py": WEB_A,
         "tests/web/test_verify_e2e.py": WEB_A, "tests/web/test_e2e.py": WEB_B, "tests/web/test_platform_e2e.py": WEB_B}
# Modules whose tests share nothing costly (module fixtures are a login or a schema): each test function is
# its own group, so their minutes spread over the workers.
SPLIT_BY_TEST = ("tests/api/test_fuzz.py",)
# Groups that take longest go first, so no worker is left with a long one at the end (scripts/run_tests.sh
# passes --no-loadscope-reorder: xdist would otherwise start the groups with the most tests first).
LONG_FIRST = (WEB_A, WEB_B, "tests/contracts/src", "tests/api/test_fuzz_stateful.py", "tests/api/reads",
              "tests/scripts/test_lancer_dev.py", "tests/api/test_fuzz.py", "tests/indexer/sync", "tests/api/economy")


def _group_of(item: pytest.Item) -> str:
    path = Path(str(item.path)).resolve().relative_to(ROOT).as_posix()
    for folder in SHARED_STACK_FOLDERS:
        if path.startswith(folder + "/"):
            return folder
    if path in SPLIT_BY_TEST:
        return f"{path}::{getattr(item, 'originalname', item.name)}"
    return JOINS.get(path, path)


def _rank(group: str) -> int:
    for rank, prefix in enumerate(LONG_FIRST):
        if group == prefix or group.startswith((prefix + "/", prefix + "::")):
            return rank
    return len(LONG_FIRST)


# tryfirst: xdist's own hook reads the groups from the markers, so they must be there before it runs.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Marks each test with its xdist group (used by `--dist loadgroup`) and puts long groups first."""
    groups = {id(item): _group_of(item) for item in items}
    for item in items:
        item.add_marker(pytest.mark.xdist_group(groups[id(item)]))
    items.sort(key=lambda item: _rank(groups[id(item)]))  # stable: keeps the order within a group


@pytest.fixture(scope="session")
def run_id() -> str:
    return uuid.uuid4().hex[:10]


def _create_database(name: str, template: str | None = None) -> str:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    admin.dispose()
    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def _drop_database(name: str) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def database_factory(run_id: str) -> Iterator[Callable[[str], str]]:
    """Creates extra migrated databases (for tests that need a pristine one); all dropped at the end.

    The migrations run once per session, into a template database that nothing connects to afterwards; each
    database is a copy of it (`CREATE DATABASE ... TEMPLATE`, well under a second, where migrating from
    scratch takes seconds and dozens of tests ask for a pristine database)."""
    created: list[str] = []
    template = f"lancer_test_{run_id}_template"

    def make(label: str) -> str:
        if template not in created:
            upgrade(_create_database(template))  # alembic's engine uses NullPool: no connection is left open
            created.append(template)
        name = f"lancer_test_{run_id}_{label}"
        url = _create_database(name, template=template)
        created.append(name)
        return url

    yield make
    # Together: each DROP DATABASE waits for a checkpoint, and concurrent drops share one (one after the other
    # they took seconds each, all at the end of every worker's session).
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(_drop_database, created))


@pytest.fixture(scope="session")
def database_url(database_factory: Callable[[str], str]) -> str:
    return database_factory("main")


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def redis_prefix(run_id: str) -> Iterator[str]:
    prefix = f"lancer-test-{run_id}:"
    yield prefix
    client = Redis.from_url(REDIS_URL)
    for key in client.scan_iter(match=f"{prefix}*", count=1000):
        client.delete(key)
    client.close()


@pytest.fixture(scope="session")
def redis_url() -> str:
    return REDIS_URL


@pytest.fixture
def anvil_factory() -> Iterator[Callable[..., AnvilProcess]]:
    """Start throwaway anvil nodes (stopped after the test), e.g. for reorg and crash tests."""
    started: list[AnvilProcess] = []

    def start(chain_id: int = 31337, **kwargs: object) -> AnvilProcess:
        node = AnvilProcess(chain_id, **kwargs).start()  # type: ignore[arg-type]
        started.append(node)
        return node

    yield start
    for node in started:
        node.stop()


@pytest.fixture(scope="session")
def anvil_chains() -> Iterator[dict[int, AnvilProcess]]:
    """The two local chains of the default registry (31337, 31338), on free ports, for the session."""
    nodes = {cid: AnvilProcess(cid).start() for cid in LOCAL_CHAIN_IDS}
    yield nodes
    for node in nodes.values():
        node.stop()


@pytest.fixture(scope="session")
def local_registry(anvil_chains: dict[int, AnvilProcess]) -> ChainRegistry:
    return with_rpc_urls(load_registry(), {cid: [node.url] for cid, node in anvil_chains.items()})
