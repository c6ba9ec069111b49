"""Projects: create, edit (client only), state transitions, visibility, full-text search with filters."""

from __future__ import annotations

import functools
import uuid
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from prometheus_client import Counter
from sqlalchemy import (BigInteger, Connection, DateTime, Integer, Numeric, Select, String, Text, and_, bindparam,
                        func, or_, select, tuple_)
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Session as Db

from api.kit import outbox
from api.kit.pagination import decode_cursor
from api.kit.problems import Problem
from api.profiles.models import Profile
from api.projects import schemas as s
from api.projects import pages, textquery
from api.projects.models import Project
from api.projects.search_index import Ask, ProjectIndex, micros
from api.kit.tokens import TokenResolver
from api.orgs import service as orgs
from api.orgs.models import Organization, OrgMember
from api.skills.models import Skill

# What a client may do by hand; open -> in_progress happens only by accepting a proposal.
CLIENT_TRANSITIONS: dict[str, set[str]] = {
    "draft": {"open", "cancelled"},
    "open": {"cancelled"},
    "in_progress": {"completed"},
}
EDITABLE_STATES = ("draft", "open")


def can_see(project: Project, viewer: uuid.UUID | None, org_role: str | None = None) -> bool:
    """The client and the project's organization see it always; others once published, if public or invited."""
    if (viewer is not None and viewer == project.client_user_id) or org_role is not None:
        return True
    if project.state == "draft":
        return False
    return project.visibility == "public" or (viewer is not None and viewer in (project.invitees or []))


def get_visible(db: Db, project_id: uuid.UUID, viewer: uuid.UUID | None) -> Project:
    """The project, or a 404 for one that does not exist *or* that the viewer may not see (no hint)."""
    project = db.get(Project, project_id)
    if project is None or not can_see(project, viewer, orgs.role_of(db, project.org_id, viewer)):
        raise Problem(404, "no such project", type_="not-found")
    return project


def is_manager(db: Db, project: Project, user_id: uuid.UUID) -> bool:
    """The client, or an owner/admin of the project's organization."""
    return project.client_user_id == user_id or orgs.role_of(db, project.org_id, user_id) in orgs.MANAGERS


def get_owned(db: Db, project_id: uuid.UUID, user_id: uuid.UUID) -> Project:
    project = get_visible(db, project_id, user_id)
    if not is_manager(db, project, user_id):
        raise Problem(403, "only the project's client (or its organization's owners/admins) may do this",
                      type_="forbidden")
    return project


def _skill_ids(db: Db | Connection, slugs: list[str], known: dict[str, int] | None = None) -> list[int]:
    """Active skills' ids by slug (``known``: every active skill's, when the caller holds them), or a 422."""
    if not slugs:
        return []
    wanted = sorted(set(slugs))
    found = dict(db.execute(_SKILL_IDS, {"slugs": wanted}).all()) if known is None else \
        {slug: known[slug] for slug in wanted if slug in known}
    missing = [x for x in wanted if x not in found]
    if missing:
        raise Problem(422, f"unknown skill(s): {', '.join(missing)}; see /v1/skills", type_="unknown-skill")
    return sorted(found.values())


_SKILL_IDS = select(Skill.slug, Skill.id).where(Skill.slug.in_(bindparam("slugs", expanding=True)), Skill.is_active)


def _invitee_ids(db: Db, handles: list[str]) -> list[uuid.UUID]:
    wanted = sorted({h.lower() for h in handles})
    if not wanted:
        return []
    found = dict(db.execute(select(Profile.handle, Profile.user_id).where(Profile.handle.in_(wanted))).all())
    missing = [h for h in wanted if h not in found]
    if missing:
        raise Problem(422, f"unknown handle(s): {', '.join(missing)}", type_="unknown-handle")
    return list(found.values())


def _check_milestones(budget: int, milestones: list[dict[str, Any]]) -> None:
    if milestones and sum(int(m["amount"]) for m in milestones) != budget:
        raise Problem(422, "milestones: amounts must sum to the budget", type_="milestones-sum")
    if any(int(m["amount"]) == 0 for m in milestones):
        raise Problem(422, "milestones: every amount must be > 0 (the escrow refuses empty milestones)",
                      type_="validation-error")


def create(db: Db, tokens: TokenResolver, client: uuid.UUID, body: s.ProjectIn) -> Project:
    chain_id, token = tokens.resolve(body.chain, body.token)
    milestones = [{"title": m.title, "amount": str(m.amount)} for m in body.milestones]
    _check_milestones(body.budget, milestones)
    org_id = None
    if body.org is not None:
        org, _ = orgs.for_member(db, body.org, client, orgs.MANAGERS)
        org_id = org.id
    project = Project(client_user_id=client, org_id=org_id, title=body.title, description=body.description,
                      skill_ids=_skill_ids(db, body.skills), budget=Decimal(body.budget), chain_id=chain_id,
                      token=token, milestones=milestones, visibility=body.visibility,
                      invitees=_invitee_ids(db, body.invite), deadline=body.deadline, state="draft",
                      attachments=[a.model_dump(mode="json") for a in body.attachments])
    db.add(project)
    db.flush()
    outbox.record(db, "project.created", f"project:{project.id}", {"state": project.state}, audience=[client])
    db.flush()  # the router commits (with the idempotency record)
    return project


def update(db: Db, tokens: TokenResolver, project: Project, body: s.ProjectPatch) -> Project:
    if project.state not in EDITABLE_STATES:
        raise Problem(409, f"a project in state {project.state!r} can no longer be edited", type_="invalid-state")
    given = body.model_fields_set
    for name in ("title", "description", "visibility", "deadline"):
        if name in given:
            value = getattr(body, name)
            if value is None and name != "deadline":
                raise Problem(422, f"{name}: cannot be null", type_="validation-error")
            setattr(project, name, value)
    if body.skills is not None:
        project.skill_ids = _skill_ids(db, body.skills)
    if body.invite is not None:
        project.invitees = _invitee_ids(db, body.invite)
    if body.attachments is not None:
        project.attachments = [a.model_dump(mode="json") for a in body.attachments]
    if body.chain is not None or body.token is not None:
        chain_id, token = tokens.resolve(body.chain or project.chain_id, body.token or project.token)
        project.chain_id, project.token = chain_id, token
    if body.budget is not None:
        project.budget = Decimal(body.budget)
    if body.milestones is not None:
        project.milestones = [{"title": m.title, "amount": str(m.amount)} for m in body.milestones]
    _check_milestones(int(project.budget), project.milestones)
    outbox.record(db, "project.updated", f"project:{project.id}", {}, audience=[project.client_user_id])
    db.commit()
    return project


def transition(db: Db, project: Project, to: str) -> Project:
    if to not in CLIENT_TRANSITIONS.get(project.state, set()):
        raise Problem(409, f"cannot move a project from {project.state!r} to {to!r}", type_="invalid-transition",
                      allowed=sorted(CLIENT_TRANSITIONS.get(project.state, set())))
    project.state = to
    outbox.record(db, "project.state_changed", f"project:{project.id}", {"state": to},
                  audience=[project.client_user_id])
    db.commit()
    return project


def out(db: Db, project: Project, viewer: uuid.UUID | None, handles: dict[uuid.UUID, str] | None = None,
        slugs: dict[int, str] | None = None) -> s.ProjectOut:
    org = None if project.org_id is None else db.get(Organization, project.org_id)
    if handles is None:
        handles = dict(db.execute(select(Profile.user_id, Profile.handle)
                                  .where(Profile.user_id == project.client_user_id)).all())
    if slugs is None:
        slugs = skill_slugs(db, project.skill_ids)
    return s.ProjectOut(
        id=project.id, client=handles.get(project.client_user_id), org=org.slug if org else None, title=project.title,
        description=project.description, skills=[slugs[i] for i in project.skill_ids if i in slugs],
        budget=int(project.budget), chain_id=project.chain_id, token=project.token,
        milestones=[s.PlannedMilestoneOut(title=m["title"], amount=int(m["amount"])) for m in project.milestones],
        visibility=project.visibility, deadline=project.deadline, state=project.state,  # type: ignore[arg-type]
        attachments=[s.Attachment.model_validate(a) for a in project.attachments],
        is_owner=viewer is not None and viewer == project.client_user_id, created_at=project.created_at, updated_at=project.updated_at)


def skill_slugs(db: Db, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(db.execute(select(Skill.id, Skill.slug).where(Skill.id.in_(ids))).all())


def search(db: Db | Connection, tokens: TokenResolver, viewer: uuid.UUID | None, *, q: str | None,
           skills: list[str], min_budget: int | None, max_budget: int | None, chain: str | None,
           state: str | None, mine: bool, limit: int, cursor: str | None,
           index: ProjectIndex | None = None, version: int | None = None) -> bytes:
    """The page (a ``ProjectPage`` as JSON): newest first, keyset on (created_at, id); full-text ``q``
    against the GIN-indexed tsvector.

    ``db`` may be a plain connection (Core rows only; the routes pass one in autocommit: no BEGIN and
    ROLLBACK round trips). The viewer's organizations are a subquery of the page's query, not a query
    of their own. With ``index`` (synced to the ``projects`` data ``version``, read before) the index
    picks the page's candidates and the same query reads only those: the same page, cheaper."""
    if mine and viewer is None:
        raise Problem(401, "mine=true needs a signed-in user", type_="unauthorized")
    indexed = index is not None and version is not None and index.sync(db, version)  # type: ignore[arg-type]
    params: dict[str, Any] = {"viewer": viewer, "page_limit": limit + 1}
    if q:
        params["q"] = q
    if skills:
        params["skill_ids"] = _skill_ids(db, skills, index.skill_ids(db, version) if indexed else None)  # type: ignore[union-attr, arg-type]
    if min_budget is not None:
        params["min_budget"] = Decimal(min_budget)  # NUMERIC: a wei budget passes 2**63
    if max_budget is not None:
        params["max_budget"] = Decimal(max_budget)
    if chain:
        params["chain_id"] = tokens.chain(chain).chain_id
    if state:
        params["state"] = state
    key = decode_cursor(cursor, (str, str))
    if key is not None:
        try:
            params["after_at"], params["after_id"] = datetime.fromisoformat(str(key[0])), uuid.UUID(str(key[1]))
        except ValueError:
            raise Problem(400, "cursor is not one this API issued; start again without it",
                          type_="invalid-cursor") from None
    items = _indexed_page(db, index, version, viewer, mine, params) if indexed else None  # type: ignore[arg-type]
    path = "index"
    if items is None:
        items = [pages.item(r) for r in db.execute(_page_statement(frozenset(params), viewer is not None, mine),
                                                   params).all()]
        path = "sql"
    SEARCHES.labels(path=path).inc()  # counted once it is answered (an inline attempt may stop before)
    return pages.page_json(items, limit, viewer)


class NeedsDatabase(Exception):
    """An inline search (``search_inline``) came to a statement."""


class _NoDatabase:
    def execute(self, *_: Any, **__: Any) -> Any:
        raise NeedsDatabase


def search_inline(tokens: TokenResolver, viewer: uuid.UUID | None, **ask: Any) -> bytes | None:
    """``search`` without I/O, on the event loop (no thread hop: a search is CPU-bound Python, and sixteen
    of them in threads queued for the interpreter lock): the page when the index, the words, the skills,
    the viewer's organizations and every row of the page are already in memory for this version, else
    None (then ``search`` runs in a thread; nothing was changed meanwhile)."""
    try:
        return search(_NoDatabase(), tokens, viewer, **ask)  # type: ignore[arg-type]
    except NeedsDatabase:
        return None


SEARCHES = Counter("lancer_project_searches_total", "Project searches by path: the in-memory index, SQL alone, "
                   "or the index with a candidate round refilled (rows changed since its sync)", ["path"])
_REFILLS = 3  # candidate rounds before a page whose candidates keep dropping out is left to SQL alone


def _indexed_page(db: Db | Connection, index: ProjectIndex, version: int, viewer: uuid.UUID | None, mine: bool,
                  params: dict[str, Any]) -> list[pages.Item] | None:
    """The page's rows (up to ``page_limit``) by the index's candidates, or None when
    the index cannot answer (a phrase query) or keeps proposing rows changed since it was synced.

    Rows the index remembers as of ``version`` are taken as they are, like a cached page; the others are
    read with the page's whole WHERE clause, so a row changed since the sync drops out (and the page is
    refilled from the next candidates)."""
    words = None
    if "q" in params:
        words = index.queries.compile(db, params["q"])  # type: ignore[arg-type]
        if words == textquery.UNSUPPORTED:
            return None
    after = (micros(params["after_at"]), params["after_id"]) if "after_at" in params else None
    ask = Ask(text=words, skill_ids=tuple(params.get("skill_ids", ())), chain_id=params.get("chain_id"),
              min_budget=None if "min_budget" not in params else int(params["min_budget"]),
              max_budget=None if "max_budget" not in params else int(params["max_budget"]),
              state=params.get("state"), viewer=viewer, mine=mine, after=after,
              orgs=() if viewer is None else index.orgs_of(db, viewer, version))  # type: ignore[arg-type]
    statement = _page_statement(frozenset(params) | {"ids"}, viewer is not None, mine)
    want, page = params["page_limit"], []
    for _ in range(_REFILLS):
        keys = index.first(ask, want - len(page))
        if not keys:
            return page
        ids = [pid for _, pid in keys]
        known = index.rendered(ids, version)
        missing = [pid for pid in ids if pid.int not in known]
        if missing:
            read = {r.id.int: pages.item(r) for r in db.execute(statement, {**params, "ids": missing}).all()}
            index.remember(version, read)
            known.update(read)
        page.extend(known[pid.int] for pid in ids if pid.int in known)
        if len(known) == len(ids):  # none changed since the sync: the page (or all there is)
            return page
        SEARCHES.labels(path="refill").inc()
        ask = replace(ask, after=keys[-1])
    return None


@functools.lru_cache(maxsize=512)
def _page_statement(given: frozenset[str], signed_in: bool, mine: bool) -> Select[Any]:
    """The page's query for one combination of filters, with every value a bound parameter, built once:
    building and cache-keying a fresh statement per request cost more API CPU than the query's rows
    (`lancer bench search`, uncached runs). Same SQL as a statement built with the values in place."""
    viewer = bindparam("viewer", type_=UUID(as_uuid=True))
    # = ANY(ARRAY(subquery)): an init plan, evaluated once, that an index scan of org_id can use (with the
    # client's index, a bitmap OR for mine=true); IN (subquery) would be a per-row hashed subplan.
    my_orgs = func.array(select(OrgMember.org_id).where(OrgMember.user_id == viewer).scalar_subquery())
    own = or_(Project.client_user_id == viewer, Project.org_id == func.any(my_orgs))
    visible = or_(Project.visibility == "public", Project.invitees.any(viewer)) if signed_in else \
        Project.visibility == "public"
    where: list[Any] = [own] if mine else \
        [or_(own, and_(Project.state != "draft", visible)) if signed_in else and_(Project.state != "draft", visible)]
    if "q" in given:
        where.append(Project.search.op("@@")(func.websearch_to_tsquery("english", bindparam("q", type_=Text))))
    if "skill_ids" in given:
        where.append(Project.skill_ids.overlap(bindparam("skill_ids", type_=ARRAY(Integer))))
    if "min_budget" in given:
        where.append(Project.budget >= bindparam("min_budget", type_=Numeric(78, 0)))
    if "max_budget" in given:
        where.append(Project.budget <= bindparam("max_budget", type_=Numeric(78, 0)))
    if "chain_id" in given:
        where.append(Project.chain_id == bindparam("chain_id", type_=BigInteger))
    if "state" in given:
        where.append(Project.state == bindparam("state", type_=String))
    if "ids" in given:  # the search index's candidates (the rest of the clause re-checks them)
        where.append(Project.id == func.any(bindparam("ids", type_=ARRAY(UUID(as_uuid=True)))))
    if "after_at" in given:
        where.append(tuple_(Project.created_at, Project.id) < tuple_(bindparam("after_at", type_=DateTime(timezone=True)),
                                                                     bindparam("after_id", type_=UUID(as_uuid=True))))
    # One round trip: the page with its client's handle, organization slug and skill slugs (in order).
    slugs = func.array(select(Skill.slug).where(Skill.id == func.any(Project.skill_ids))
                       .order_by(func.array_position(Project.skill_ids, Skill.id)).scalar_subquery())
    return (select(*_PAGE_COLUMNS, Profile.handle, Organization.slug.label("org_slug"), slugs.label("slugs"))
            .outerjoin(Profile, Profile.user_id == Project.client_user_id)
            .outerjoin(Organization, Organization.id == Project.org_id)
            .where(*where).order_by(Project.created_at.desc(), Project.id.desc())
            .limit(bindparam("page_limit", type_=Integer)))


_PAGE_COLUMNS = (Project.id, Project.client_user_id, Project.title, Project.description, Project.budget,
                 Project.chain_id, Project.token, Project.milestones, Project.visibility, Project.deadline,
                 Project.state, Project.attachments, Project.created_at, Project.updated_at)
