"""Project routes: post, edit and move (client), read and search (anyone, within visibility)."""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import ValidationError
from sqlalchemy import Connection
from sqlalchemy.orm import Session as Db

from api.auth import Principal, Scope, public_read, user
from api.kit.cache import cached_read, read_cache
from api.kit.versions import data_version
from api.kit.deps import get_db
from api.matching import service as matching
from api.kit import idempotency
from api.kit.idempotency import IdemKey
from api.projects import schemas as s
from api.projects import service
from api.projects.search_index import ProjectIndex
from api.kit.tokens import TokenResolver

router = APIRouter(tags=["marketplace"])
DbDep = Annotated[Db, Depends(get_db)]


def tokens(request: Request) -> TokenResolver:
    return TokenResolver(request.app.state.registry, request.app.state.deployments)


async def _tokens_dep(request: Request) -> TokenResolver:  # no I/O: on the event loop, not a thread-pool hop
    return tokens(request)


TokensDep = Annotated[TokenResolver, Depends(_tokens_dep)]


@router.post("/v1/projects", response_model=s.ProjectOut, status_code=201, summary="Post a project (as a draft)",
             responses={422: {"description": "Unknown chain, token or skill; milestones not summing to the budget"}})
def create_project(body: s.ProjectIn, principal: Annotated[Principal, user()], request: Request, db: DbDep,
                   resolver: TokensDep, idempotency_key: IdemKey = None) -> s.ProjectOut:
    assert principal.user_id is not None
    me = principal.user_id
    out = idempotency.run(db, principal.actor, idempotency_key, request, body, 201,
                          lambda: service.out(db, service.create(db, resolver, me, body), me))
    created = out.id if isinstance(out, s.ProjectOut) else None
    if created is not None:
        matching.request_recompute(request.app.state.settings, request.app.state.redis, "project", created)
    return out  # type: ignore[return-value]


# Declared once: the route's auth, and the direct path's (it runs this same dependency).
SEARCH_AUTH = public_read(Scope.READ_MARKETPLACE)


@router.get("/v1/projects", response_model=s.ProjectPage,
            summary="Search projects: full text (`q`), skills, budget range, chain, state; newest first")
async def search_projects(principal: Annotated[Principal, SEARCH_AUTH], request: Request,
                          ask: Annotated[s.SearchQuery, Query()]) -> Response:
    return await _search(request, principal, ask)


async def direct_search(request: Request) -> Response | None:
    """The route answered before routing (``api.kit.fastread``): the same parameters, auth and answer
    without FastAPI's per-request routing and parameter solving (14-16% of an uncached search's API CPU,
    README "Project search"). None, before anything is counted, for a query the route must refuse: it
    answers that with its 422."""
    try:
        ask = s.SearchQuery.from_query(request.query_params)
    except ValidationError:
        return None
    principal: Principal = await SEARCH_AUTH.dependency(request)
    return await _search(request, principal, ask)


async def _search(request: Request, principal: Principal, query: s.SearchQuery) -> Response:
    mine = query.mine
    low = None if query.min_budget is None else int(query.min_budget)
    high = None if query.max_budget is None else int(query.max_budget)
    ask: dict[str, Any] = {"q": query.q, "skills": query.skills, "min_budget": low, "max_budget": high,
                           "chain": query.chain, "state": query.state, "limit": query.limit, "cursor": query.cursor}
    if principal.user_id is None and not mine:
        # Anonymous: the same page for everyone, cached under the index and projects data versions (a
        # write to projects, handles, organization or skill slugs moves the latter: api.kit.versions); a
        # repeated URL is then answered before routing (api.kit.fastread). The key is a pure function of
        # the parsed query, as the fast path requires.
        key = "projects:" + json.dumps([query.q, sorted(set(query.skills)), low, high, query.chain, query.state,
                                        query.limit, query.cursor])

        def build(conn: Connection) -> bytes:
            # Autocommit (set before the first statement): no BEGIN and ROLLBACK round trips around the query.
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            return service.search(conn, tokens(request), None, mine=False, **ask, **_index_at(request, conn))

        def inline(versions: dict[str, int]) -> bytes | None:
            return _search_inline(request, None, versions, mine=False, **ask)

        return await cached_read(request, key, build, confirmed=False, limiter=request.app.state.search_threads,
                                 inline=inline)

    # Signed in (own, organization and invited projects): from memory on the event loop when it can be, else
    # one thread-pool hop for the connection, the query and the JSON (the service writes the page's JSON
    # itself). A plain connection in autocommit: no BEGIN/ROLLBACK, no ORM session.
    def page() -> bytes:
        with request.app.state.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            return service.search(conn, tokens(request), principal.user_id, mine=mine, **ask,
                                  **_index_at(request, conn))

    fresh = read_cache(request).fresh()
    body = None if fresh is None else _search_inline(request, principal.user_id, fresh[1], mine=mine, **ask)
    if body is None:
        body = await anyio.to_thread.run_sync(page, limiter=request.app.state.search_threads)
    return Response(body, media_type="application/json")


def _ready_index(request: Request) -> ProjectIndex | None:
    index: ProjectIndex | None = getattr(request.app.state, "project_index", None)
    return index if index is not None and index.ready else None


def _search_inline(request: Request, viewer: uuid.UUID | None, versions: dict[str, int], **ask: Any) -> bytes | None:
    """The page from memory alone, on the event loop, or None (see ``service.search_inline``)."""
    index = _ready_index(request)
    if index is None:
        return None
    return service.search_inline(tokens(request), viewer, index=index, version=versions.get("projects", 0), **ask)


def _index_at(request: Request, conn: Connection) -> dict[str, Any]:
    """The process's search index with the ``projects`` data version to sync it to (taken now, before the
    page's data): the read cache's, kept fresh in the background, or read here when that one is stale."""
    index = _ready_index(request)
    if index is None:
        return {}
    version = read_cache(request).counter("projects")
    if version is None:
        version = data_version(conn, "projects")
    return {"index": index, "version": version}


@router.get("/v1/projects/{project_id}", response_model=s.ProjectOut, summary="One project",
            responses={404: {"description": "No such project, or not visible to you"}})
def get_project(project_id: uuid.UUID, principal: Annotated[Principal, public_read(Scope.READ_MARKETPLACE)],
                db: DbDep) -> s.ProjectOut:
    return service.out(db, service.get_visible(db, project_id, principal.user_id), principal.user_id)


@router.patch("/v1/projects/{project_id}", response_model=s.ProjectOut, summary="Edit a project (its client)",
              responses={403: {"description": "Not the client"}, 409: {"description": "No longer editable"}})
def patch_project(project_id: uuid.UUID, body: s.ProjectPatch, principal: Annotated[Principal, user()],
                  request: Request, db: DbDep, resolver: TokensDep) -> s.ProjectOut:
    assert principal.user_id is not None
    project = service.get_owned(db, project_id, principal.user_id)
    out = service.out(db, service.update(db, resolver, project, body), principal.user_id)
    matching.request_recompute(request.app.state.settings, request.app.state.redis, "project", project_id)
    return out


@router.post("/v1/projects/{project_id}/transition", response_model=s.ProjectOut,
             summary="Publish (draft → open), cancel, or complete a project (its client)",
             responses={403: {"description": "Not the client"}, 409: {"description": "Transition not allowed"}})
def transition_project(project_id: uuid.UUID, body: s.TransitionIn, principal: Annotated[Principal, user()],
                       request: Request, db: DbDep) -> s.ProjectOut:
    assert principal.user_id is not None
    project = service.get_owned(db, project_id, principal.user_id)
    out = service.out(db, service.transition(db, project, body.to), principal.user_id)
    matching.request_recompute(request.app.state.settings, request.app.state.redis, "project", project_id)
    return out
