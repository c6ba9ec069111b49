"""Proposal and milestone template routes."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Request
from sqlalchemy.orm import Session as Db

from api.auth import Principal, user
from api.kit.deps import get_db
from api.kit import idempotency
from api.kit.idempotency import IdemKey
from api.proposals import schemas as s
from api.proposals import service, templates

router = APIRouter(tags=["marketplace"])
DbDep = Annotated[Db, Depends(get_db)]
Me = Annotated[Principal, user()]


@router.post("/v1/projects/{project_id}/proposals", response_model=s.ProposalOut, status_code=201,
             summary="Apply to an open project with a cover letter and a milestone plan",
             responses={404: {"description": "No such project (or not visible)"},
                        409: {"description": "Not open, or you already have an active proposal"}})
def create_proposal(project_id: uuid.UUID, body: s.ProposalIn, principal: Me, request: Request, db: DbDep,
                    idempotency_key: IdemKey = None) -> s.ProposalOut:
    assert principal.user_id is not None
    me = principal.user_id
    return idempotency.run(db, principal.actor, idempotency_key, request, body, 201,  # type: ignore[return-value]
                           lambda: service.out(db, service.create(db, project_id, me, body)))


@router.get("/v1/projects/{project_id}/proposals", response_model=list[s.ProposalOut],
            summary="Proposals on a project: all of them for its client, your own for anyone else")
def project_proposals(project_id: uuid.UUID, principal: Me, db: DbDep) -> list[s.ProposalOut]:
    assert principal.user_id is not None
    return [service.out(db, p) for p in service.for_project(db, project_id, principal.user_id)]


@router.get("/v1/proposals/{proposal_id}", response_model=s.ProposalOut,
            summary="One proposal (its freelancer or the project's client)",
            responses={404: {"description": "No such proposal, or not yours to see"}})
def get_proposal(proposal_id: uuid.UUID, principal: Me, db: DbDep) -> s.ProposalOut:
    assert principal.user_id is not None
    return service.out(db, service.get_for_party(db, proposal_id, principal.user_id)[0])


@router.post("/v1/proposals/{proposal_id}/{action}", response_model=s.ProposalOut,
             summary="shortlist / decline (the client) or withdraw (the freelancer) a proposal",
             responses={403: {"description": "Not your move"}, 409: {"description": "Not allowed in this state"}})
def move_proposal(proposal_id: uuid.UUID, action: Annotated[Literal["shortlist", "decline", "withdraw"], Path()],
                  principal: Me, db: DbDep) -> s.ProposalOut:
    assert principal.user_id is not None
    return service.out(db, service.move(db, proposal_id, principal.user_id, action))


@router.get("/v1/milestone-templates", response_model=list[s.TemplateOut],
            summary="Milestone templates: the platform's and mine")
def list_templates(principal: Me, db: DbDep) -> list[s.TemplateOut]:
    assert principal.user_id is not None
    return [templates.out(t) for t in templates.visible(db, principal.user_id)]


@router.post("/v1/milestone-templates", response_model=s.TemplateOut, status_code=201,
             summary="Save a milestone template of my own")
def create_template(body: s.TemplateIn, principal: Me, request: Request, db: DbDep,
                    idempotency_key: IdemKey = None) -> s.TemplateOut:
    assert principal.user_id is not None
    me = principal.user_id
    return idempotency.run(db, principal.actor, idempotency_key, request, body, 201,  # type: ignore[return-value]
                           lambda: templates.out(templates.create(db, me, body)))


@router.delete("/v1/milestone-templates/{template_id}", status_code=204, summary="Delete one of my templates",
               responses={403: {"description": "A platform template"}, 404: {"description": "No such template"}})
def delete_template(template_id: uuid.UUID, principal: Me, db: DbDep) -> None:
    assert principal.user_id is not None
    templates.delete(db, template_id, principal.user_id)


@router.post("/v1/milestone-templates/{template_id}/apply", response_model=s.AppliedOut,
             summary="Split a total by a template (exact: the remainder goes to the last milestone)")
def apply_template(template_id: uuid.UUID, body: s.ApplyIn, principal: Me, db: DbDep) -> s.AppliedOut:
    assert principal.user_id is not None
    milestones, review = templates.apply(templates.get(db, template_id, principal.user_id), body.total)
    return s.AppliedOut(milestones=[s.MilestoneOut(title=m["title"], amount=int(m["amount"])) for m in milestones],
                        review_period_seconds=review)
