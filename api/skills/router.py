"""Skill routes: the taxonomy, my skills, a profile's skills."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session as Db

from api.attestations import service as attestations
from api.auth import Principal, Scope, public_read, user
from api.identity.models import Wallet
from api.kit.deps import get_db, get_engine
from api.matching import service as matching
from api.profiles import service as profiles
from api.skills import schemas as s
from api.skills import service

router = APIRouter(tags=["marketplace"])
DbDep = Annotated[Db, Depends(get_db)]
EngineDep = Annotated[Engine, Depends(get_engine)]
SlugPath = Annotated[str, Path(min_length=1, max_length=64)]


def _verified(request: Request, db: Db, engine: Engine, user_id: uuid.UUID) -> service.VerifiedLevels:
    def levels() -> dict[str, int]:
        wallets = list(db.scalars(select(Wallet.address).where(Wallet.user_id == user_id)))
        found = attestations.list_skills(db, engine, request.app.state.settings, wallets) if wallets else []
        return {a.skill.lower(): a.level for a in found}
    return levels


@router.get("/v1/skills", response_model=list[s.SkillOut], summary="The skill taxonomy")
def list_skills(_: Annotated[Principal, public_read(Scope.READ_MARKETPLACE)], db: DbDep,
                category: Annotated[str | None, Query(max_length=32)] = None) -> list[s.SkillOut]:
    return service.taxonomy(db, category)


@router.get("/v1/me/profile/skills", response_model=list[s.UserSkillOut], summary="My skills")
def my_skills(principal: Annotated[Principal, user()], request: Request, db: DbDep,
              engine: EngineDep) -> list[s.UserSkillOut]:
    assert principal.user_id is not None
    return service.of_user(db, principal.user_id, _verified(request, db, engine, principal.user_id))


@router.put("/v1/me/profile/skills/{slug}", status_code=204, summary="Add or update one of my skills",
            responses={404: {"description": "Unknown skill"}})
def put_skill(slug: SlugPath, body: s.UserSkillIn, principal: Annotated[Principal, user()], request: Request,
              db: DbDep) -> None:
    assert principal.user_id is not None
    service.put(db, principal.user_id, slug, body)
    matching.request_recompute(request.app.state.settings, request.app.state.redis, "freelancer", principal.user_id)


@router.delete("/v1/me/profile/skills/{slug}", status_code=204, summary="Remove one of my skills",
               responses={404: {"description": "Not listed"}})
def delete_skill(slug: SlugPath, principal: Annotated[Principal, user()], request: Request, db: DbDep) -> None:
    assert principal.user_id is not None
    service.delete(db, principal.user_id, slug)
    matching.request_recompute(request.app.state.settings, request.app.state.redis, "freelancer", principal.user_id)


@router.get("/v1/profiles/{handle}/skills", response_model=list[s.UserSkillOut], summary="A profile's skills",
            responses={404: {"description": "No such handle"}})
def profile_skills(handle: Annotated[str, Path(min_length=1, max_length=32)],
                   _: Annotated[Principal, public_read(Scope.READ_MARKETPLACE)], request: Request, db: DbDep,
                   engine: EngineDep) -> list[s.UserSkillOut]:
    owner = profiles.by_handle(db, handle).user_id
    return service.of_user(db, owner, _verified(request, db, engine, owner))
