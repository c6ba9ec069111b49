"""`lancer bench auth` (not a test): the CPU an API process spends authenticating one request.

One app in this process (real PostgreSQL scratch database, real Redis, rate limiting on), driven through
its ASGI interface by Starlette's test client, one request at a time, on two trivial routes added for the
measure (their handlers do nothing): a public read (``public_read``, the project search's declaration) and
a signed-in user's route (``user()``). Each mode sends ``requests`` requests after a warm-up; the figure
is the process CPU (``time.process_time``: client, event loop and thread pool together) per request, so
the difference between a signed-in mode and the anonymous one is what the credentials cost; it also counts
the session checks sent to PostgreSQL (with remembered sessions: those made while the process's data
versions were not known fresh, e.g. its refresher delayed on a saturated machine).
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from api.auth import Principal, Scope, public_read, user
from bench.scratch import scratch_database
from indexer.core.migrate import upgrade


@dataclass
class AuthCost:
    requests: int
    cpu_us: dict[str, float]  # mode -> process CPU µs per request
    load: tuple[float, float, float]
    checks: dict[str, int]  # mode -> session checks sent to PostgreSQL during the measured requests

    def report(self) -> str:
        base = self.cpu_us["anonymous public read"]
        lines = [f"auth cost: {self.requests} requests per mode, one at a time, in-process (ASGI test client); "
                 f"load average before: {' '.join(f'{v:.2f}' for v in self.load)}"]
        for mode, us in self.cpu_us.items():
            extra = "" if us == base else f"  ({us - base:+.0f} µs vs anonymous)"
            lines.append(f"  {us:8.0f} µs CPU per request  {mode}{extra}; session checks in PostgreSQL: "
                         f"{self.checks[mode]}")
        return "\n".join(lines)


def _app(database_url: str) -> Any:
    from fastapi import FastAPI

    from api.app import create_app
    from api.settings import ApiSettings
    from devtools.signin import DOMAIN, URI

    settings = ApiSettings(
        database_url=database_url, redis_url=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0",
        redis_key_prefix=f"lancer-bench-auth-{uuid.uuid4().hex[:8]}:", environment="test",
        jwt_keys=json.dumps({"b1": uuid.uuid4().hex * 2}), jwt_active_kid="b1", siwe_domain=DOMAIN, siwe_uri=URI,
        # On, with budgets this run cannot exhaust: each request pays its Redis hits as in production.
        ratelimit_ip_per_window=1_000_000_000, ratelimit_principal_per_window=1_000_000_000,
        ratelimit_auth_ip_per_window=1_000_000_000, slow_query_ms=0,
        access_token_ttl_seconds=3600)  # the run outlasts the default 300 s on a loaded machine
    app: FastAPI = create_app(settings)

    @app.get("/_bench/read")
    async def read(principal: Annotated[Principal, public_read(Scope.READ_MARKETPLACE)]) -> dict[str, str]:
        return {"kind": principal.kind}

    @app.get("/_bench/me")
    async def me(principal: Annotated[Principal, user()]) -> dict[str, str]:
        return {"kind": principal.kind}

    return app


def _cpu_per_request(send: Callable[[], Any], requests: int, engine: Any) -> tuple[float, int]:
    """(process CPU µs per request, session checks sent to PostgreSQL) over ``requests`` calls of ``send``."""
    from sqlalchemy import event

    for _ in range(min(500, requests)):  # warm-up: pools, caches, the remembered credentials
        send()
    checks = 0

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        nonlocal checks
        checks += "FROM user_sessions JOIN users" in statement

    event.listen(engine, "before_cursor_execute", count)
    try:
        started = time.process_time()
        for _ in range(requests):
            send()
        return (time.process_time() - started) / requests * 1e6, checks
    finally:
        event.remove(engine, "before_cursor_execute", count)


def run(admin_url: str, *, requests: int = 10_000, log: Callable[[str], None] = print) -> AuthCost:
    from eth_account import Account
    from fastapi.testclient import TestClient

    from devtools.signin import bearer, login

    with scratch_database(admin_url, "auth") as database_url:
        upgrade(database_url)
        with TestClient(_app(database_url)) as client:
            token = login(client, Account.create())["tokens"]["access_token"]
            signed = bearer(token)
            log("signed in; measuring")
            load = os.getloadavg()

            def get(path: str, headers: dict[str, str] | None) -> Callable[[], Any]:
                def send() -> None:
                    r = client.get(path, headers=headers)
                    assert r.status_code == 200, r.text
                return send

            engine = client.app.state.engine  # type: ignore[attr-defined]
            modes = {"anonymous public read": ("/_bench/read", None), "signed-in public read": ("/_bench/read", signed),
                     "signed-in user route": ("/_bench/me", signed)}
            measured = {mode: _cpu_per_request(get(path, headers), requests, engine)
                        for mode, (path, headers) in modes.items()}
            return AuthCost(requests, {m: v[0] for m, v in measured.items()}, load,
                            {m: v[1] for m, v in measured.items()})
