"""The FastAPI application factory."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI, Request, Response
from redis import Redis

from api.health.router import router as health_router
from api.problems import install_problem_handlers
from api.settings import ApiSettings, get_settings
from indexer.db import make_engine


def create_app(settings: ApiSettings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.engine = make_engine(settings.database_url, pool_size=10, max_overflow=20)
        app.state.redis = Redis.from_url(settings.redis_url or "redis://127.0.0.1:6379/0")
        try:
            yield
        finally:
            app.state.redis.close()
            app.state.engine.dispose()

    app = FastAPI(
        title="Lancer API",
        version="1.0.0",
        description="Read API over Lancer's multichain index, identity (SIWE + TOTP), reputation.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    install_problem_handlers(app)

    @app.middleware("http")
    async def request_id(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        rid = request.headers.get("x-request-id", "")[:64] or uuid.uuid4().hex
        request.state.request_id = rid
        with structlog.contextvars.bound_contextvars(request_id=rid):
            response = await call_next(request)
        response.headers["X-Request-ID"] = rid
        return response

    app.include_router(health_router)
    return app
