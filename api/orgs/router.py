"""Organization routes: create, list mine, members and roles, invitations, the team view."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session as Db

from api.auth import Principal, user
from api.kit.deps import get_db, get_engine
from api.kit import idempotency
from api.kit.idempotency import IdemKey
from api.orgs import schemas as s
from api.orgs import service, team

router = APIRouter(tags=["organizations"])
DbDep = Annotated[Db, Depends(get_db)]
Me = Annotated[Principal, user()]
Slug = Annotated[str, Path(min_length=1, max_length=40)]
Handle = Annotated[str, Path(min_length=1, max_length=32)]
NOT_MEMBER = {404: {"description": "No such organization, or you are not a member"}}


@router.post("/v1/orgs", response_model=s.OrgOut, status_code=201, summary="Create an organization (I own it)",
             responses={409: {"description": "Slug taken"}})
def create_org(body: s.OrgIn, principal: Me, request: Request, db: DbDep,
               idempotency_key: IdemKey = None) -> s.OrgOut:
    assert principal.user_id is not None
    me = principal.user_id
    return idempotency.run(db, principal.actor, idempotency_key, request, body, 201,  # type: ignore[return-value]
                           lambda: service.out(db, service.create(db, me, body), "owner"))


@router.get("/v1/orgs", response_model=list[s.OrgOut], summary="My organizations")
def my_orgs(principal: Me, db: DbDep) -> list[s.OrgOut]:
    assert principal.user_id is not None
    return service.mine(db, principal.user_id)


@router.get("/v1/orgs/{slug}", response_model=s.OrgOut, summary="One organization (members)", responses=NOT_MEMBER)
def get_org(slug: Slug, principal: Me, db: DbDep) -> s.OrgOut:
    assert principal.user_id is not None
    return service.out(db, *service.for_member(db, slug, principal.user_id))


@router.get("/v1/orgs/{slug}/team", response_model=s.TeamOut, responses=NOT_MEMBER,
            summary="The team view: the organization's projects, contracts (with their chain state) and spend")
def team_view(slug: Slug, principal: Me, db: DbDep, engine: Annotated[Engine, Depends(get_engine)]) -> s.TeamOut:
    assert principal.user_id is not None
    return team.team(db, engine, slug, principal.user_id)


@router.post("/v1/orgs/{slug}/invitations", response_model=s.InvitationOut, status_code=201,
             summary="Invite a user by handle (owners and admins; only owners invite owners)",
             responses={**NOT_MEMBER, 403: {"description": "Not an owner/admin"}})
def invite(slug: Slug, body: s.InviteIn, principal: Me, db: DbDep) -> s.InvitationOut:
    assert principal.user_id is not None
    inv = service.invite(db, slug, principal.user_id, body)
    return s.InvitationOut(id=inv.id, org=slug, invitee=body.handle.lower(), role=inv.role,  # type: ignore[arg-type]
                           created_at=inv.created_at, accepted_at=None)


@router.get("/v1/me/org-invitations", response_model=list[s.InvitationOut], summary="Invitations waiting for me")
def my_invitations(principal: Me, db: DbDep) -> list[s.InvitationOut]:
    assert principal.user_id is not None
    return service.my_invitations(db, principal.user_id)


@router.post("/v1/org-invitations/{invitation_id}/accept", response_model=s.OrgOut,
             summary="Accept an invitation (the invitee)", responses={404: {"description": "Not your invitation"}})
def accept_invitation(invitation_id: uuid.UUID, principal: Me, db: DbDep) -> s.OrgOut:
    assert principal.user_id is not None
    org = service.accept(db, invitation_id, principal.user_id)
    return service.out(db, org, service.role_of(db, org.id, principal.user_id) or "member")


@router.put("/v1/orgs/{slug}/members/{handle}", status_code=204, summary="Change a member's role (owners)",
            responses={**NOT_MEMBER, 403: {"description": "Not an owner"}, 409: {"description": "Last owner"}})
def set_role(slug: Slug, handle: Handle, body: s.RoleIn, principal: Me, db: DbDep) -> None:
    assert principal.user_id is not None
    service.set_role(db, slug, principal.user_id, handle, body.role)


@router.delete("/v1/orgs/{slug}/members/{handle}", status_code=204,
               summary="Remove a member (owners/admins; only owners remove owners) or leave (yourself)",
               responses={**NOT_MEMBER, 403: {"description": "Not allowed"}, 409: {"description": "Last owner"}})
def remove_member(slug: Slug, handle: Handle, principal: Me, db: DbDep) -> None:
    assert principal.user_id is not None
    service.remove(db, slug, principal.user_id, handle)
