"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from redis import Redis
from sqlalchemy import Engine, text

from api.auth import public
from api.kit.deps import get_engine, get_redis
from indexer import read_models
from indexer.core.migrate import is_current

router = APIRouter(tags=["health"])
# Served by the API only when METRICS_PORT is unset (development); in production Prometheus scrapes a
# separate port that is not exposed to the internet (`lancer api` starts it).
metrics_router = APIRouter(tags=["health"])


@router.get("/health/liveness", summary="The process is up", dependencies=[public(rate="none")])
async def liveness() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/health/readiness", summary="Database, Redis, migrations current and every indexer within the lag threshold",
    # It runs several queries: throttled per IP like any read, so it cannot be used to load the database.
    dependencies=[public()]
)
def readiness(
    request: Request, engine: Annotated[Engine, Depends(get_engine)], redis: Annotated[Redis, Depends(get_redis)]
) -> JSONResponse:
    settings = request.app.state.settings
    checks: dict[str, str] = {}
    lag: dict[str, dict[str, float | int | None]] = {}
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
            checks["migrations"] = "ok" if is_current(engine) else "pending"
            if checks["migrations"] == "ok":
                checks["indexer_lag"] = "ok"
                now = datetime.now(UTC)
                for s in read_models.chain_status(conn):
                    age = (now - s.updated_at).total_seconds() if s.updated_at else None
                    lag[s.name] = {"lag_blocks": s.lag_blocks, "seconds_since_update": age}
                    too_far = s.lag_blocks is not None and s.lag_blocks > settings.readiness_max_lag_blocks
                    stale = (settings.readiness_max_lag_seconds > 0 and age is not None
                             and age > settings.readiness_max_lag_seconds)
                    if too_far or stale:
                        checks["indexer_lag"] = f"{s.name} behind"
    except Exception:
        checks.setdefault("database", "unreachable")
        if checks["database"] == "ok":
            checks["migrations"] = "unknown"
    try:
        redis.ping()
        checks["redis"] = "ok"
    except Exception:
        checks["redis"] = "unreachable"
    # WebSocket push: this process's hub holds a confirmed subscription (it resubscribes by itself; while it
    # doesn't, new sockets are refused with 1013 and should go to another process).
    hub = getattr(request.app.state, "hub", None)
    checks["push"] = "ok" if hub is not None and hub.live else "unsubscribed"
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse({"status": "ok" if ready else "unavailable", "checks": checks, "indexers": lag,
                         "thresholds": {"lag_blocks": settings.readiness_max_lag_blocks,
                                        "seconds_since_update": settings.readiness_max_lag_seconds}},
                        status_code=200 if ready else 503)


@metrics_router.get("/metrics", summary="Prometheus metrics", response_class=Response, dependencies=[public(rate="none")])
def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
