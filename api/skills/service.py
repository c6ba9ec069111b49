"""The taxonomy (read-only; seeded by the migration) and users' claimed skills, verified against
Lancer's verified_skill attestations of the user's wallets."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session as Db

from api.kit.problems import Problem
from api.skills import schemas as s
from api.skills.models import Skill, UserSkill

# slug/name (lower case) -> highest attested level, for one user; the router wires the attestation service.
VerifiedLevels = Callable[[], dict[str, int]]


def taxonomy(db: Db, category: str | None) -> list[s.SkillOut]:
    q = select(Skill).where(Skill.is_active).order_by(Skill.category, Skill.name)
    if category:
        q = q.where(Skill.category == category)
    return [s.SkillOut(slug=k.slug, name=k.name, category=k.category) for k in db.scalars(q)]


def skill_by_slug(db: Db, slug: str) -> Skill:
    skill = db.scalar(select(Skill).where(Skill.slug == slug, Skill.is_active))
    if skill is None:
        raise Problem(404, f"unknown skill {slug!r}; see /v1/skills", type_="unknown-skill")
    return skill


def put(db: Db, user_id: uuid.UUID, slug: str, body: s.UserSkillIn) -> None:
    skill = skill_by_slug(db, slug)
    row = db.get(UserSkill, (user_id, skill.id)) or UserSkill(user_id=user_id, skill_id=skill.id)
    row.level, row.years = body.level, body.years
    row.evidence_url = None if body.evidence_url is None else str(body.evidence_url)
    db.add(row)
    db.commit()


def delete(db: Db, user_id: uuid.UUID, slug: str) -> None:
    skill = skill_by_slug(db, slug)
    row = db.get(UserSkill, (user_id, skill.id))
    if row is None:
        raise Problem(404, f"you have not listed {slug!r}", type_="not-found")
    db.delete(row)
    db.commit()


def of_user(db: Db, user_id: uuid.UUID, verified: VerifiedLevels) -> list[s.UserSkillOut]:
    rows = db.execute(select(UserSkill, Skill).join(Skill, Skill.id == UserSkill.skill_id)
                      .where(UserSkill.user_id == user_id).order_by(Skill.slug)).all()
    levels = verified() if rows else {}
    out = []
    for us, sk in rows:
        level = levels.get(sk.slug) or levels.get(sk.name.lower())
        out.append(s.UserSkillOut(skill=s.SkillOut(slug=sk.slug, name=sk.name, category=sk.category),
                                  level=us.level, years=us.years, evidence_url=us.evidence_url,
                                  verified_status="verified" if level or us.verified_status == "verified" else "unverified",
                                  verified_level=level))
    return out
