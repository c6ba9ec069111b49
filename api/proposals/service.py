"""Proposals: a freelancer applies (one active proposal per project), the client shortlists or declines,
the freelancer withdraws. Accepting is the engagements domain's (it creates the engagement)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as Db

from api.identity.models import Wallet
from api.kit import outbox
from api.kit.db import commit_unique
from api.kit.params import address as parse_address
from api.kit.problems import Problem
from api.profiles.models import Profile
from api.projects import service as projects
from api.projects.models import Project
from api.proposals import schemas as s
from api.proposals import templates
from api.proposals.models import Proposal

DEFAULT_REVIEW_SECONDS = 7 * 86400
# Who may move a proposal from which states, and to what.
CLIENT_MOVES = {"shortlist": ({"submitted"}, "shortlisted"), "decline": ({"submitted", "shortlisted"}, "declined")}
FREELANCER_MOVES = {"withdraw": ({"submitted", "shortlisted"}, "withdrawn")}


def wallet_of(db: Db, user_id: uuid.UUID, wanted: str | None, field: str) -> str:
    """``wanted`` if it is one of the user's linked wallets (else a 422), or their first linked wallet."""
    wallets = list(db.scalars(select(Wallet.address).where(Wallet.user_id == user_id).order_by(Wallet.linked_at)))
    if wanted is not None:
        address = parse_address(wanted, field)
        if address not in wallets:
            raise Problem(422, f"{field}: not one of your linked wallets", type_="not-your-wallet")
        return address
    if not wallets:
        raise Problem(422, "link a wallet first: the escrow pays a wallet", type_="no-wallet")
    return wallets[0]


def create(db: Db, project_id: uuid.UUID, freelancer: uuid.UUID, body: s.ProposalIn) -> Proposal:
    project = projects.get_visible(db, project_id, freelancer)
    if project.client_user_id == freelancer:
        raise Problem(403, "you cannot propose on your own project", type_="forbidden")
    if project.state != "open":
        raise Problem(409, f"the project is {project.state!r}, not open for proposals", type_="invalid-state")
    if (body.milestones is None) == (body.template is None):
        raise Problem(422, "give either milestones or template, not both", type_="validation-error")
    review = body.review_period_seconds
    if body.template is not None:
        milestones, template_review = templates.apply(templates.get(db, body.template.template_id, freelancer),
                                                      body.template.price)
        review = review or template_review
    else:
        assert body.milestones is not None
        if any(m.amount == 0 for m in body.milestones):
            raise Problem(422, "milestones: every amount must be > 0", type_="validation-error")
        milestones = [m.model_dump(mode="json") for m in body.milestones]
    price = sum(int(m["amount"]) for m in milestones)
    if price >= 2**256:
        raise Problem(422, "milestones: the price does not fit a uint256", type_="validation-error")
    proposal = Proposal(project_id=project.id, freelancer_user_id=freelancer, cover_letter=body.cover_letter,
                        freelancer_address=wallet_of(db, freelancer, body.wallet, "wallet"), price=Decimal(price),
                        milestones=milestones, review_period_seconds=review or DEFAULT_REVIEW_SECONDS,
                        state="submitted")
    db.add(proposal)
    commit_unique(db, Problem(409, "you already have an active proposal on this project; withdraw it first",
                              type_="duplicate-proposal"), flush_only=True)
    outbox.record(db, "proposal.submitted", f"proposal:{proposal.id}", {"project": str(project.id)},
                  audience=[project.client_user_id, freelancer])
    db.flush()  # the router commits (with the idempotency record)
    return proposal


def get_for_party(db: Db, proposal_id: uuid.UUID, user_id: uuid.UUID) -> tuple[Proposal, Project]:
    """The proposal and its project, for its freelancer or the project's client (or its organization's
    owners/admins); 404 for anyone else."""
    proposal = db.get(Proposal, proposal_id)
    project = None if proposal is None else db.get(Project, proposal.project_id)
    if proposal is None or project is None or not (
            user_id == proposal.freelancer_user_id or projects.is_manager(db, project, user_id)):
        raise Problem(404, "no such proposal", type_="not-found")
    return proposal, project


def move(db: Db, proposal_id: uuid.UUID, user_id: uuid.UUID, action: str) -> Proposal:
    proposal, project = get_for_party(db, proposal_id, user_id)
    if action in CLIENT_MOVES:
        allowed, target = CLIENT_MOVES[action]
        if not projects.is_manager(db, project, user_id):
            raise Problem(403, f"only the project's client may {action} a proposal", type_="forbidden")
    else:
        allowed, target = FREELANCER_MOVES[action]
        if user_id != proposal.freelancer_user_id:
            raise Problem(403, f"only the freelancer may {action} their proposal", type_="forbidden")
    if proposal.state not in allowed:
        raise Problem(409, f"cannot {action} a proposal that is {proposal.state!r}", type_="invalid-transition")
    proposal.state = target
    outbox.record(db, f"proposal.{target}", f"proposal:{proposal.id}", {"project": str(project.id)},
                  audience=[project.client_user_id, proposal.freelancer_user_id])
    db.commit()
    return proposal


def for_project(db: Db, project_id: uuid.UUID, user_id: uuid.UUID) -> list[Proposal]:
    """The client sees every proposal; anyone else who can see the project sees only their own."""
    project = projects.get_visible(db, project_id, user_id)
    q = select(Proposal).where(Proposal.project_id == project.id).order_by(Proposal.created_at, Proposal.id)
    if not projects.is_manager(db, project, user_id):
        q = q.where(Proposal.freelancer_user_id == user_id)
    return list(db.scalars(q))


def out(db: Db, p: Proposal, handles: dict[uuid.UUID, str] | None = None) -> s.ProposalOut:
    if handles is None:
        handles = dict(db.execute(select(Profile.user_id, Profile.handle)
                                  .where(Profile.user_id == p.freelancer_user_id)).all())
    ms: list[Any] = [s.MilestoneOut(title=m["title"], amount=int(m["amount"]), due_date=m.get("due_date"))
                     for m in p.milestones]
    return s.ProposalOut(id=p.id, project_id=p.project_id, freelancer=handles.get(p.freelancer_user_id),
                         freelancer_address=p.freelancer_address, cover_letter=p.cover_letter, price=int(p.price),
                         milestones=ms, review_period_seconds=p.review_period_seconds,
                         state=p.state, created_at=p.created_at, updated_at=p.updated_at)  # type: ignore[arg-type]
