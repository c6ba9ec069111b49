"""The team view: an organization's projects, its contracts (state derived from the index) and its spend."""

from __future__ import annotations

import uuid
from collections import defaultdict

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session as Db

from api.engagements import service as engagements
from api.engagements.models import Engagement
from api.orgs import schemas as s
from api.orgs import service
from api.projects import service as projects
from api.projects.models import Project

FUNDED_STATES = ("funded", "active", "disputed", "completed")


def team(db: Db, engine: Engine, slug: str, user_id: uuid.UUID) -> s.TeamOut:
    org, role = service.for_member(db, slug, user_id)
    rows = list(db.scalars(select(Project).where(Project.org_id == org.id)
                           .order_by(Project.created_at.desc(), Project.id.desc()).limit(200)))
    contracts = [engagements.out(db, engine, e, e.client_user_id) for e in db.scalars(
        select(Engagement).join(Project, Project.id == Engagement.project_id).where(Project.org_id == org.id)
        .order_by(Engagement.created_at.desc()).limit(200))]
    committed: dict[tuple[int, str], int] = defaultdict(int)
    released: dict[tuple[int, str], int] = defaultdict(int)
    for c in contracts:
        key = (c.chain_id, c.token)
        if c.state in FUNDED_STATES:
            committed[key] += c.total
        released[key] += sum(m.amount for m in c.milestones if m.state == "released")
    spend = [s.SpendOut(chain_id=k[0], token=k[1], committed=committed[k], released=released[k])
             for k in sorted(set(committed) | set(released))]
    return s.TeamOut(org=service.out(db, org, role), projects=[projects.out(db, p, user_id) for p in rows],
                     contracts=contracts, spend=spend)
