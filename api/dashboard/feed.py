"""The dashboards' door to matching: "matched projects" and "recommended freelancers".

Both come from the matching feed (``api.matching.service``: its ranker, weights and cold-start slots).
Until matching has computed the user's or the candidates' features (an rq job after each profile or
project change), the feed has nothing to say; the screen then shows a skill-overlap ranking (shared
skill count, then newest), one query each, rather than an empty list.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select, text
from sqlalchemy.orm import Session as Db

from api.dashboard import schemas as s
from api.matching.service import top_freelancers_for_project, top_projects_for_freelancer
from api.settings import ApiSettings
from api.skills.models import UserSkill


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


PAIRWISE_MAX_SKILLS = 8  # up to 28 skill pairs: beyond, one pass over the open projects' index instead


def _top_projects_for_freelancer(db: Db, user_id: uuid.UUID, limit: int) -> list[s.MatchedProject]:
    """Open public projects sharing the most of the user's skills, newest first among equals (ties: id
    descending), never their own. Exact, without scoring every project that shares one skill (~5,600 of
    66k at the goal size: ~50 ms of CPU): (1) the projects sharing at least two skills, through the GIN
    index (containment of each pair of skills: few rows), best ``limit``; (2) the newest projects sharing
    any skill, walking ``ix_projects_open_skills`` back from the newest (index-only, stops after
    ``2 * limit``). When (1) is short of ``limit`` it holds every project with two or more shared skills,
    so the rest of the list is (2)'s single-skill projects in order. Two statements."""
    mine = sorted(db.scalars(select(UserSkill.skill_id).where(UserSkill.user_id == user_id)))
    if not mine:
        return []
    ids = "ARRAY[" + ", ".join(str(int(i)) for i in mine) + "]::integer[]"  # ints from the database
    score = f"(SELECT count(*) FROM unnest(p.skill_ids) k WHERE k = ANY({ids}))"
    visible = "p.visibility = 'public' AND p.client_user_id <> :u"
    if len(mine) <= PAIRWISE_MAX_SKILLS:
        pairs = " OR ".join(f"p.skill_ids @> ARRAY[{int(x)}, {int(y)}]"
                            for i, x in enumerate(mine) for y in mine[i + 1:])
        # ``IS TRUE`` keeps the planner from intersecting the GIN bitmaps with the whole ``state`` index.
        best = (f"SELECT p.id, p.created_at, {score} AS score, 1 AS part FROM projects p "
                f"WHERE ({pairs or 'false'}) AND (p.state = 'open') IS TRUE AND {visible} "
                "ORDER BY score DESC, p.created_at DESC, p.id DESC LIMIT :n")
        # The overlap written so the GIN index cannot serve it: the narrow index is walked newest first.
        newest = (f"SELECT p.id, p.created_at, {score} AS score, 2 AS part FROM projects p "
                  f"WHERE p.state = 'open' AND {visible} AND (p.skill_ids || CAST('{{}}' AS integer[])) && {ids} "
                  "ORDER BY p.created_at DESC, p.id DESC LIMIT :n2")
        found = f"({best}) UNION ALL ({newest})"
    else:
        found = (f"SELECT p.id, p.created_at, {score} AS score, 1 AS part FROM projects p "
                 f"WHERE p.state = 'open' AND {visible} AND (p.skill_ids || CAST('{{}}' AS integer[])) && {ids} "
                 "ORDER BY score DESC, p.created_at DESC, p.id DESC LIMIT :n")
    rows = db.execute(text(f"""
        SELECT c.part, c.score, p.id, p.title, p.chain_id, p.token, p.budget
          FROM ({found}) c JOIN projects p ON p.id = c.id
         ORDER BY c.part, c.score DESC, c.created_at DESC, c.id DESC"""),
        {"u": user_id, "n": limit, "n2": 2 * limit}).all()
    first = [r for r in rows if r.part == 1]
    seen = {r.id for r in first}
    chosen = (first + [r for r in rows if r.part == 2 and r.id not in seen])[:limit]
    return [s.MatchedProject(id=r.id, title=r.title, chain_id=r.chain_id, token=r.token, budget=str(int(r.budget)),
                             score=float(r.score)) for r in chosen]


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
