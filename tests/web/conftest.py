"""The web app under test: a production build (`next build`, which typechecks), served by `next start`
in front of the real API (uvicorn) over the read-API stack (two anvil chains, Lancer deployed, the demo
played and indexed). Nothing is mocked; the browser is Debian's Chromium."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from pydantic import SecretStr

from api.app import create_app
from devtools.anvil import free_port
from tests.support.github_oauth import CLIENT_ID, CLIENT_SECRET, GithubOAuthServer
from tests.support.read_stack import Stack, build_stack
from tests.support.web_build import WebBuild

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
NEXT = WEB / "node_modules" / ".bin" / "next"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Screenshots and results of the browser run (gitignored), kept for CI to publish.
ARTIFACTS = WEB / "test-artifacts"
# The smallest step-up window the API accepts; web/e2e/run.mjs waits past it (PAST_STEP_UP_WINDOW_MS).
STEP_UP_MAX_AGE_SECONDS = 30
# Per-test timeout of the browser modules (their `pytestmark`): a module's first test also pays for the
# session's stack, the wait for `next build` and the whole browser run, many minutes on a loaded 2-core
# machine; the suite's 300 s default is there for hangs.
WEB_TEST_TIMEOUT = pytest.mark.timeout(1200)


@pytest.fixture(scope="session")
def web_build() -> Iterator[WebBuild]:
    """`next build` (compile + TypeScript check), once for all workers, started in the background by the first
    (tests/support/web_build.py); `.wait()` for it."""
    if not NEXT.exists():
        pytest.fail("web/node_modules is missing: run `npm ci` in web/ (make test does)")
    build = WebBuild(WEB, NEXT)
    yield build
    build.close()


@pytest.fixture(scope="session")
def web_stack(database_factory: Callable[[str], str], redis_url: str, redis_prefix: str,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The read API's stack (two anvils, Lancer deployed with its token economy, the demo played and indexed),
    on its own database."""
    yield from build_stack("web", database_factory, redis_url, redis_prefix, tmp_path_factory, economy=True)


@dataclass
class WebApp:
    url: str
    api_url: str
    stack: Stack


@pytest.fixture(scope="session")
def github_oauth() -> Iterator[GithubOAuthServer]:
    """GitHub's OAuth server and API for the GitHub skill proof (tests/support/github_oauth.py)."""
    with GithubOAuthServer() as gh:
        yield gh


@pytest.fixture(scope="session")
def web_app(web_build: WebBuild, web_stack: Stack, github_oauth: GithubOAuthServer,
            worker_id: str) -> Iterator[WebApp]:
    # In this order: the build runs (here or on another worker) while this worker builds its stack.
    web_build.wait()
    web_port, api_port = free_port(), free_port()
    web_url = f"http://127.0.0.1:{web_port}"
    # The API checks SIWE messages against the web app's origin, exactly as in production. The step-up
    # window is its minimum, so the browser run can wait past it and meet the "Confirm it's you" dialog.
    # The test wallets' accounts are minutes old: their first community posts are published, not held for
    # a moderator (tests/api covers the hold).
    settings = web_stack.settings.model_copy(update={"siwe_domain": f"127.0.0.1:{web_port}", "siwe_uri": web_url,
                                                     "step_up_max_age_seconds": STEP_UP_MAX_AGE_SECONDS,
                                                     # GitHub proof: the local OAuth server, back to the web app's page.
                                                     "github_client_id": CLIENT_ID, "github_client_secret": SecretStr(CLIENT_SECRET),
                                                     "github_oauth_base": SecretStr(github_oauth.url),
                                                     "github_api_base": SecretStr(github_oauth.url),
                                                     "github_verification_redirect_uri": f"{web_url}/skills/verify/github",
                                                     "community_hold_new_account_hours": 0})
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=api_port,
                                           log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True, name="web-e2e-api")
    thread.start()
    api_url = f"http://127.0.0.1:{api_port}"
    env = {**os.environ, "API_URL": api_url, "NEXT_TELEMETRY_DISABLED": "1"}
    log = open(WEB / ".next" / f"e2e-server-{worker_id}.log", "wb")
    web = subprocess.Popen([str(NEXT), "start", "--hostname", "127.0.0.1", "--port", str(web_port)], cwd=WEB, env=env,
                           stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if (httpx.get(f"{api_url}/health/liveness", timeout=2).status_code == 200
                        and httpx.get(f"{web_url}/v1/chains", timeout=5).status_code == 200):
                    break
            except httpx.HTTPError:
                pass
            assert web.poll() is None, f"next start exited; see {log.name}"
            time.sleep(0.3)
        else:
            raise AssertionError(f"the web app or the API did not come up; see {log.name}")
        yield WebApp(web_url, api_url, web_stack)
    finally:
        web.terminate()
        try:
            web.wait(timeout=10)
        except subprocess.TimeoutExpired:
            web.kill()
        log.close()
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def artifacts(testrun_uid: str) -> Path:
    """Emptied once per test run, by whichever worker comes first (the others' screenshots stay)."""
    with open(WEB / ".test-artifacts.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stamp = ARTIFACTS / ".run"
        if not stamp.exists() or stamp.read_text() != testrun_uid:
            shutil.rmtree(ARTIFACTS, ignore_errors=True)
            ARTIFACTS.mkdir(parents=True)
            stamp.write_text(testrun_uid)
    return ARTIFACTS
