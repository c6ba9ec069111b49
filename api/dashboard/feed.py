"""The dashboards' door to matching: "matched projects" and "recommended freelancers".

STAND-IN: until ``api.matching`` lands, both are a skill-overlap ranking (shared skill count, then
newest), one query each. The integrator switches :func:`matched_projects` and
:func:`recommended_freelancers` to ``api.matching.service.top_projects_for_freelancer(session, user_id,
limit)`` and ``top_freelancers_for_project(session, project_id, limit)``; nothing else calls matching.
"""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.orm import Session as Db

from api.dashboard import schemas as s


def matched_projects(db: Db, user_id: uuid.UUID, limit: int) -> list[s.MatchedProject]:
    return _top_projects_for_freelancer(db, user_id, limit)


def recommended_freelancers(db: Db, project_id: uuid.UUID, limit: int) -> list[s.RecommendedFreelancer]:
    return _top_freelancers_for_project(db, project_id, limit)


def _top_projects_for_freelancer(db: Db, user_id: uuid.UUID, limit: int) -> list[s.MatchedProject]:
    rows = db.execute(text("""
        WITH mine AS (SELECT coalesce(array_agg(skill_id), '{}') AS ids FROM user_skills WHERE user_id = :u)
        SELECT p.id, p.title, p.chain_id, p.token, p.budget,
               cardinality(ARRAY(SELECT unnest(p.skill_ids) INTERSECT SELECT unnest(mine.ids))) AS score
          FROM projects p, mine
         WHERE p.state = 'open' AND p.visibility = 'public' AND p.client_user_id <> :u AND p.skill_ids && mine.ids
         ORDER BY score DESC, p.created_at DESC, p.id LIMIT :n"""), {"u": user_id, "n": limit}).all()
    return [s.MatchedProject(id=r.id, title=r.title, chain_id=r.chain_id, token=r.token, budget=str(int(r.budget)),
                             score=float(r.score)) for r in rows]


def _top_freelancers_for_project(db: Db, project_id: uuid.UUID, limit: int) -> list[s.RecommendedFreelancer]:
    rows = db.execute(text("""
        SELECT pr.user_id, pr.handle, pr.display_name, count(*) AS score
          FROM projects p
          JOIN user_skills us ON us.skill_id = ANY(p.skill_ids)
          JOIN profiles pr ON pr.user_id = us.user_id
         WHERE p.id = :p AND pr.is_freelancer AND pr.user_id <> p.client_user_id
         GROUP BY pr.user_id, pr.handle, pr.display_name
         ORDER BY score DESC, pr.handle LIMIT :n"""), {"p": project_id, "n": limit}).all()
    return [s.RecommendedFreelancer(user_id=r.user_id, handle=r.handle, display_name=r.display_name,
                                    score=float(r.score)) for r in rows]
