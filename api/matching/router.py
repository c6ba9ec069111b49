"""Matching routes: the feed (a freelancer's projects, or a managed project's freelancers) and recompute
runs (admin)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session as Db

from api.auth import Principal, admin, user
from api.kit.deps import get_db, get_engine
from api.kit.pagination import Cursor
from api.kit.problems import Problem
from api.kit.tokens import TokenResolver
from api.matching import schemas as s
from api.matching import service
from api.projects import service as projects

router = APIRouter(tags=["matching"])
DbDep = Annotated[Db, Depends(get_db)]
FLAG = "enable_matching"
Amount = Annotated[str | None, Query(pattern=r"^[0-9]{1,78}$", description="Base units, decimal string")]
CLIENT_ONLY = ("availability", "verified_only", "min_reputation")
FREELANCER_ONLY = ("min_budget", "max_budget", "chain")


@router.get("/v1/matching/feed", response_model=s.FeedPage,
            summary="Matches: open projects for me (freelancer), or freelancers for `project_id` (its client)",
            responses={403: {"description": "Not the project's client (or its organization's owner/admin)"},
                       409: {"description": "Not a freelancer (no project_id): set is_freelancer on the profile"},
                       404: {"description": "No such project, or not visible to you"},
                       422: {"description": "Unknown skill or chain; a filter that does not apply to this feed"}})
def matching_feed(  # noqa: PLR0913
        principal: Annotated[Principal, user(feature=FLAG)], request: Request, db: DbDep,
        engine: Annotated[Engine, Depends(get_engine)],
        project_id: Annotated[uuid.UUID | None, Query(description="A project you manage: its freelancers")] = None,
        ranker: Annotated[Literal["lexical", "embedding"] | None, Query(
            description="Ask for a ranker; the answer's `ranker` says which one answered")] = None,
        skills: Annotated[list[str], Query(max_length=20, description="Skill slugs (any of)")] = [],  # noqa: B006
        min_budget: Amount = None, max_budget: Amount = None,
        chain: Annotated[str | None, Query(max_length=64, description="Projects on this chain")] = None,
        availability: Annotated[Literal["available", "limited", "unavailable"] | None, Query()] = None,
        verified_only: Annotated[bool, Query(description="Freelancers verified in a skill of the project")] = False,
        min_reputation: Annotated[float | None, Query(ge=0, le=100)] = None,
        limit: Annotated[int, Query(ge=1, le=100, description="Page size (1-100)")] = 20,
        cursor: Cursor = None) -> s.FeedPage:
    assert principal.user_id is not None
    settings = request.app.state.settings
    given = {k for k, v in (("availability", availability), ("verified_only", verified_only or None),
                            ("min_reputation", min_reputation), ("min_budget", min_budget),
                            ("max_budget", max_budget), ("chain", chain)) if v is not None}
    skill_ids = service.skill_ids(db, skills)
    if project_id is None:
        wrong = sorted(given & set(CLIENT_ONLY))
        if wrong:
            raise Problem(422, f"{', '.join(wrong)}: only with project_id (a client's feed of freelancers)",
                          type_="validation-error")
        if min_budget is not None and max_budget is not None and int(min_budget) > int(max_budget):
            raise Problem(422, "min_budget is above max_budget", type_="validation-error")
        chain_id = None if chain is None else TokenResolver(request.app.state.registry,
                                                            request.app.state.deployments).chain(chain).chain_id
        service.ensure_freelancer(db, engine, request.app.state.redis, settings, principal.user_id)
        return service.feed_page(db, settings, principal.user_id, None, limit=limit, cursor=cursor, ranker=ranker,
                                 skills=skill_ids, chain_id=chain_id,
                                 min_budget=None if min_budget is None else int(min_budget),
                                 max_budget=None if max_budget is None else int(max_budget))
    wrong = sorted(given & set(FREELANCER_ONLY))
    if wrong:
        raise Problem(422, f"{', '.join(wrong)}: only without project_id (a freelancer's feed of projects)",
                      type_="validation-error")
    project = projects.get_owned(db, project_id, principal.user_id)
    return service.feed_page(db, settings, principal.user_id, project, limit=limit, cursor=cursor, ranker=ranker,
                             skills=skill_ids, availability=availability, verified_only=verified_only,
                             min_reputation=min_reputation)


@router.post("/v1/matching/recompute", response_model=s.RunOut, status_code=202,
             summary="Recompute every freelancer's matching features and embeddings (an rq job)")
def recompute(principal: Annotated[Principal, admin(feature=FLAG)], request: Request, db: DbDep) -> s.RunOut:
    run = service.start_run(db, request.app.state.redis, request.app.state.settings, principal.user_id)
    return service.run_out(run)


@router.get("/v1/matching/recompute/{run_id}", response_model=s.RunOut, summary="A recompute run and its progress",
            responses={404: {"description": "No such run"}})
def recompute_status(run_id: Annotated[uuid.UUID, Path()], _: Annotated[Principal, admin(feature=FLAG)],
                     db: DbDep) -> s.RunOut:
    return service.run_out(service.get_run(db, run_id))
