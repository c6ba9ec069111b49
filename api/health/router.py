"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from redis import Redis
from sqlalchemy import Engine, text

from api.auth import public
from api.deps import get_engine, get_redis
from indexer.migrate import is_current

router = APIRouter(tags=["health"])


@router.get("/health/liveness", summary="The process is up", dependencies=[public(rate="none")])
def liveness() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/health/readiness", summary="Database, Redis and migrations are usable", dependencies=[public(rate="none")]
)
def readiness(
    engine: Annotated[Engine, Depends(get_engine)], redis: Annotated[Redis, Depends(get_redis)]
) -> JSONResponse:
    checks: dict[str, str] = {}
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
        checks["migrations"] = "ok" if is_current(engine) else "pending"
    except Exception:
        checks["database"] = "unreachable"
    try:
        redis.ping()
        checks["redis"] = "ok"
    except Exception:
        checks["redis"] = "unreachable"
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status_code=200 if ready else 503)


@router.get("/metrics", summary="Prometheus metrics", response_class=Response, dependencies=[public(rate="none")])
def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
