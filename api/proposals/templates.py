"""Milestone templates: platform ones (seeded) and users' own; applying one splits a total exactly."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session as Db

from api.kit.problems import Problem
from api.proposals import schemas as s
from api.proposals.models import MilestoneTemplate

MAX_TEMPLATES_PER_USER = 100


def split(total: int, bps: list[int]) -> list[int]:
    """Integer amounts in the template's proportions summing exactly to ``total``: each share rounds
    down and the remainder goes to the last milestone."""
    amounts = [total * b // 10_000 for b in bps]
    amounts[-1] += total - sum(amounts)
    return amounts


def out(t: MilestoneTemplate) -> s.TemplateOut:
    return s.TemplateOut(id=t.id, name=t.name, items=[s.TemplateItem.model_validate(i) for i in t.items],
                         platform=t.owner_user_id is None)


def visible(db: Db, user_id: uuid.UUID) -> list[MilestoneTemplate]:
    return list(db.scalars(select(MilestoneTemplate)
                           .where(or_(MilestoneTemplate.owner_user_id.is_(None),
                                      MilestoneTemplate.owner_user_id == user_id))
                           .order_by(MilestoneTemplate.owner_user_id.is_not(None), MilestoneTemplate.name)))


def get(db: Db, template_id: uuid.UUID, user_id: uuid.UUID) -> MilestoneTemplate:
    t = db.get(MilestoneTemplate, template_id)
    if t is None or (t.owner_user_id is not None and t.owner_user_id != user_id):
        raise Problem(404, "no such milestone template", type_="not-found")
    return t


def create(db: Db, user_id: uuid.UUID, body: s.TemplateIn) -> MilestoneTemplate:
    if sum(i.bps for i in body.items) != 10_000:
        raise Problem(422, "items: bps must sum to 10000", type_="validation-error")
    count = len([t for t in visible(db, user_id) if t.owner_user_id is not None])
    if count >= MAX_TEMPLATES_PER_USER:
        raise Problem(409, f"at most {MAX_TEMPLATES_PER_USER} templates per user", type_="quota")
    t = MilestoneTemplate(owner_user_id=user_id, name=body.name, items=[i.model_dump() for i in body.items])
    db.add(t)
    db.flush()  # the router commits (with the idempotency record)
    return t


def delete(db: Db, template_id: uuid.UUID, user_id: uuid.UUID) -> None:
    t = get(db, template_id, user_id)
    if t.owner_user_id is None:
        raise Problem(403, "platform templates cannot be deleted", type_="forbidden")
    db.delete(t)
    db.commit()


def apply(t: MilestoneTemplate, total: int) -> tuple[list[dict[str, Any]], int]:
    """Milestones ``[{title, amount}]`` and the review period (the longest of the template's)."""
    if total < len(t.items):
        raise Problem(422, f"total must be at least {len(t.items)} base units (one per milestone)",
                      type_="validation-error")
    amounts = split(total, [int(i["bps"]) for i in t.items])
    if any(a == 0 for a in amounts):
        raise Problem(422, "total too small: a milestone would be 0 (the escrow refuses empty milestones)",
                      type_="validation-error")
    return ([{"title": i["title"], "amount": str(a), "due_date": None} for i, a in zip(t.items, amounts)],
            max(int(i["review_period_seconds"]) for i in t.items))
