"""Dashboard routes: one request per screen, cached in Redis (and in process) under keys made of the
index version (``ReadCache``), the user's app-data version and the attestation version, so a change to
money, contracts, messages or skills is never answered from an older entry."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session as Db

from api.attestations import service as attestations
from api.auth import Principal, admin, user
from api.dashboard import schemas as s
from api.dashboard import service
from api.kit.cache import Cached, read_cache, respond
from api.kit.deps import get_db
from api.reputation import service as reputation

FEATURE = "enable_dashboards"
router = APIRouter(tags=["dashboards"])
DbDep = Annotated[Db, Depends(get_db)]


def _cached(request: Request, db: Db, screen: str, user_id: uuid.UUID | None,
            build: Callable[[], BaseModel]) -> Response:
    settings = request.app.state.settings
    # The index version read now, not ReadCache's (up to CACHE_VERSION_TTL_SECONDS old): money is never
    # answered from an entry older than the index.
    version = f"{service.index_version(db)}:{service.data_version(db, user_id)}"
    if user_id is not None:
        version += f".{attestations.attestation_version(request.app.state.redis, settings)}"
    key = f"dash:{screen}:{user_id or 'all'}:{version}"
    found = read_cache(request).get(key, lambda: Cached.of(build().model_dump_json().encode(), confirmed=False),
                                    shared=True)
    return respond(request, found)  # private data: Cache-Control no-cache, revalidated by ETag


@router.get("/v1/dashboard/freelancer", response_model=s.FreelancerDashboard,
            summary="Freelancer dashboard: matches, earnings, contracts, reputation, skills, messages, tasks")
def freelancer_dashboard(principal: Annotated[Principal, user(feature=FEATURE)], request: Request,
                         db: DbDep) -> Response:
    assert principal.user_id is not None
    me = principal.user_id
    state = request.app.state

    def score(address: str) -> float | None:
        return reputation.recent_score(db, state.engine, state.redis, state.settings, address)

    def levels(wallets: list[str]) -> dict[str, int]:
        return {a.skill.lower(): a.level for a in attestations.list_skills(db, state.engine, state.settings, wallets)}

    return _cached(request, db, "freelancer", me,
                   lambda: service.freelancer(db, me, state.settings, reputation=score,
                                            verified_levels=levels))


@router.get("/v1/dashboard/client", response_model=s.ClientDashboard,
            summary="Client dashboard: pipeline, recommended freelancers, escrows, invoices, organizations")
def client_dashboard(principal: Annotated[Principal, user(feature=FEATURE)], request: Request,
                     db: DbDep) -> Response:
    assert principal.user_id is not None
    me = principal.user_id
    return _cached(request, db, "client", me, lambda: service.client(db, me, request.app.state.settings))


@router.get("/v1/dashboard/admin", response_model=s.AdminDashboard,
            summary="Admin dashboard: GMV and fees, disputes, active users, indexer lag, carbon")
def admin_dashboard(principal: Annotated[Principal, admin(feature=FEATURE)], request: Request,
                    db: DbDep) -> Response:
    return _cached(request, db, "admin", None, lambda: service.admin(db))
