"""Profile routes: mine (read, create/update) and anyone's by handle."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from sqlalchemy.orm import Session as Db

from api.auth import Principal, Scope, public_read, user
from api.kit.deps import get_db
from api.matching import service as matching
from api.profiles import schemas as s
from api.profiles import service
from api.kit.tokens import TokenResolver

router = APIRouter(tags=["marketplace"])
DbDep = Annotated[Db, Depends(get_db)]
HandlePath = Annotated[str, Path(min_length=1, max_length=32)]


@router.get("/v1/me/profile", response_model=s.ProfileOut, summary="My profile",
            responses={404: {"description": "No profile yet"}})
def my_profile(principal: Annotated[Principal, user()], db: DbDep) -> s.ProfileOut:
    assert principal.user_id is not None
    return service.out(service.get_mine(db, principal.user_id))


@router.patch("/v1/me/profile", response_model=s.ProfileOut,
              summary="Create (first call: handle and display_name required) or update my profile",
              responses={409: {"description": "Handle taken"}})
def patch_profile(body: s.ProfilePatch, principal: Annotated[Principal, user()], request: Request,
                  db: DbDep) -> s.ProfileOut:
    assert principal.user_id is not None
    resolver = TokenResolver(request.app.state.registry, request.app.state.deployments)
    out = service.out(service.patch(db, resolver, principal.user_id, body))
    matching.request_recompute(request.app.state.settings, request.app.state.redis, "freelancer", principal.user_id)
    return out


@router.get("/v1/profiles/{handle}", response_model=s.ProfileOut, summary="A public profile by handle",
            responses={404: {"description": "No such handle"}})
def get_profile(handle: HandlePath, _: Annotated[Principal, public_read(Scope.READ_MARKETPLACE)],
                db: DbDep) -> s.ProfileOut:
    return service.out(service.by_handle(db, handle))
