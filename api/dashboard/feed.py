"""The dashboards' door to matching: "matched projects" and "recommended freelancers".

Both come from the matching feed (``api.matching.service``: its ranker, weights and cold-start slots).
Until matching has computed the user's or the candidates' features (an rq job after each profile or
project change), the feed has nothing to say; the screen then shows a skill-overlap ranking (shared
skill count, then newest), one query each, rather than an empty list.
"""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.orm import Session as Db

from api.dashboard import schemas as s
from api.matching.service import top_freelancers_for_project, top_projects_for_freelancer
from api.settings import ApiSettings


def matched_projects(db: Db, settings: ApiSettings, user_id: uuid.UUID, limit: int) -> list[s.MatchedProject]:
    items = top_projects_for_freelancer(db, user_id, limit, settings=settings)
    if not items:
        return _top_projects_for_freelancer(db, user_id, limit)
    return [s.MatchedProject(id=i.id, title=i.project.title, chain_id=i.project.chain_id, token=i.project.token,
                             budget=str(int(i.project.budget)), score=i.score) for i in items if i.project]


def recommended_freelancers(db: Db, settings: ApiSettings, project_id: uuid.UUID,
                            limit: int) -> list[s.RecommendedFreelancer]:
    items = top_freelancers_for_project(db, project_id, limit, settings=settings)
    if not items:
        return _top_freelancers_for_project(db, project_id, limit)
    return [s.RecommendedFreelancer(user_id=i.id, handle=i.freelancer.handle or "",
                                    display_name=i.freelancer.display_name or "", score=i.score)
            for i in items if i.freelancer]


def _top_projects_for_freelancer(db: Db, user_id: uuid.UUID, limit: int) -> list[s.MatchedProject]:
    # Ranked inside ``ix_projects_open_skills`` (an index-only scan: creation time, skills, client), then
    # only the ``limit`` winners' rows are read. The overlap test is written so the GIN index on skill_ids
    # cannot serve it: through GIN, every matching project's wide row was read (~5,800 pages at 100k
    # projects for a freelancer with three common skills), where the narrow index is ~800.
    rows = db.execute(text("""
        WITH mine AS (SELECT coalesce(array_agg(skill_id), '{}') AS ids FROM user_skills WHERE user_id = :u),
             top AS (
                SELECT p.id, p.created_at, (SELECT count(*) FROM unnest(p.skill_ids) s WHERE s = ANY(mine.ids)) AS score
                  FROM projects p, mine
                 WHERE p.state = 'open' AND p.visibility = 'public' AND p.client_user_id <> :u
                   AND (p.skill_ids || CAST('{}' AS integer[])) && mine.ids
                 ORDER BY score DESC, p.created_at DESC, p.id LIMIT :n)
        SELECT p.id, p.title, p.chain_id, p.token, p.budget, top.score
          FROM top JOIN projects p ON p.id = top.id
         ORDER BY top.score DESC, top.created_at DESC, top.id"""), {"u": user_id, "n": limit}).all()
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
