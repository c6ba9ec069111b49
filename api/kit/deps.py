"""FastAPI dependencies for the shared resources created at start-up (engine, Redis, settings)."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from redis import Redis
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from api.settings import ApiSettings


# Async on purpose: a plain ``def`` dependency runs in the thread pool (a hop per request for an
# attribute read); these do no I/O, so they run on the event loop.
async def get_settings_dep(request: Request) -> ApiSettings:
    return request.app.state.settings  # type: ignore[no-any-return]


async def get_engine(request: Request) -> Engine:
    return request.app.state.engine  # type: ignore[no-any-return]


async def get_redis(request: Request) -> Redis:
    return request.app.state.redis  # type: ignore[no-any-return]


def get_db(request: Request) -> Iterator[Session]:
    """A session per request; committed by the service code that writes, rolled back otherwise."""
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        yield session


def get_connection(request: Request) -> Iterator[Connection]:
    with request.app.state.engine.connect() as conn:
        yield conn
