"""GitHub: repositories linked to projects, and the signed webhook (``X-Hub-Signature-256``, the
HMAC-SHA256 of the raw body with GITHUB_WEBHOOK_SECRET). A merged pull request whose title or body names
a milestone ("milestone 2", "milestone #2", or the milestone's title after "milestone:") becomes a
``github.milestone_submit_suggested`` event for the freelancer: a suggestion only, the freelancer still
submits (and signs) on chain."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as Db

from api.engagements.models import Engagement
from api.integrations import schemas as s
from api.integrations.models import GithubDelivery, GithubRepoLink
from api.kit import outbox
from api.kit.db import utcnow
from api.kit.problems import Problem
from api.projects import service as projects
from api.settings import ApiSettings

MAX_LINKS_PER_PROJECT = 20
_BY_NUMBER = re.compile(r"\bmilestone\s*#?\s*(\d{1,3})\b", re.IGNORECASE)
_BY_TITLE = re.compile(r"\bmilestone\s*:\s*(.+)$", re.IGNORECASE | re.MULTILINE)


# --- repository links ------------------------------------------------------------------------------

def may_link(db: Db, project_id: uuid.UUID, user_id: uuid.UUID) -> uuid.UUID:
    """The project's client/managers or one of its hired freelancers; a 404 for anyone else."""
    project = projects.get_visible(db, project_id, user_id)
    hired = db.scalar(select(Engagement.id).where(Engagement.project_id == project.id,
                                                  Engagement.freelancer_user_id == user_id).limit(1))
    if not projects.is_manager(db, project, user_id) and hired is None:
        raise Problem(404, "no such project", type_="not-found")
    return project.id


def link_out(row: GithubRepoLink) -> s.GithubLinkOut:
    return s.GithubLinkOut(id=row.id, project_id=row.project_id, repo=row.repo, created_at=row.created_at)


def link_repo(db: Db, user_id: uuid.UUID, body: s.GithubLinkIn) -> GithubRepoLink:
    project_id = may_link(db, body.project_id, user_id)
    count = len(list(db.scalars(select(GithubRepoLink.id).where(GithubRepoLink.project_id == project_id))))
    if count >= MAX_LINKS_PER_PROJECT:
        raise Problem(409, f"at most {MAX_LINKS_PER_PROJECT} repositories per project", type_="quota")
    row = GithubRepoLink(project_id=project_id, repo=body.repo.lower(), created_by=user_id)
    db.add(row)
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        raise Problem(409, "this repository is already linked to the project", type_="conflict") from None
    return row


def links_of(db: Db, user_id: uuid.UUID, project_id: uuid.UUID) -> list[GithubRepoLink]:
    project_id = may_link(db, project_id, user_id)
    return list(db.scalars(select(GithubRepoLink).where(GithubRepoLink.project_id == project_id)
                           .order_by(GithubRepoLink.created_at)))


def unlink(db: Db, user_id: uuid.UUID, link_id: uuid.UUID) -> None:
    row = db.get(GithubRepoLink, link_id)
    if row is None:
        raise Problem(404, "no such link", type_="not-found")
    may_link(db, row.project_id, user_id)
    db.delete(row)
    db.commit()


# --- the webhook -----------------------------------------------------------------------------------

def verify(settings: ApiSettings, payload: bytes, signature: str | None) -> None:
    if settings.github_webhook_secret is None:
        raise Problem(404, "GitHub is not configured on this deployment", type_="not-configured")
    expected = "sha256=" + hmac.new(settings.github_webhook_secret.get_secret_value().encode(), payload,
                                    hashlib.sha256).hexdigest()
    if not signature or not hmac.compare_digest(expected, signature):
        raise Problem(400, "X-Hub-Signature-256 does not match this body", type_="invalid-signature")


def milestone_named(text: str, milestones: list[dict[str, Any]]) -> int | None:
    """The 0-based index of the milestone the text names, if any (a number is 1-based, as users count)."""
    for match in _BY_NUMBER.finditer(text):
        number = int(match.group(1))
        if 1 <= number <= len(milestones):
            return number - 1
    for match in _BY_TITLE.finditer(text):
        named = match.group(1).strip().lower()
        for index, milestone in enumerate(milestones):
            title = str(milestone.get("title") or "").strip().lower()
            if title and named.startswith(title):
                return index
    return None


def handle(db: Db, event: str, delivery_id: str, payload: bytes) -> tuple[bool, int]:
    """(first time this delivery was seen, suggestions made)."""
    try:
        body = json.loads(payload)
    except ValueError:
        raise Problem(400, "the body is not JSON", type_="invalid-event") from None
    if not isinstance(body, dict):
        raise Problem(400, "the body is not a GitHub event", type_="invalid-event")
    fresh = db.execute(pg_insert(GithubDelivery).values(delivery_id=delivery_id, event=event[:32],
                                                        received_at=utcnow())
                       .on_conflict_do_nothing().returning(GithubDelivery.delivery_id)).first()
    if fresh is None:
        return False, 0
    made = _merged_pull_request(db, body) if event == "pull_request" else 0
    db.commit()
    return True, made


def _merged_pull_request(db: Db, body: dict[str, Any]) -> int:
    pr = body.get("pull_request")
    repo = str((body.get("repository") or {}).get("full_name") or "").lower()
    if body.get("action") != "closed" or not isinstance(pr, dict) or pr.get("merged") is not True or not repo:
        return 0
    text = f"{pr.get('title') or ''}\n{pr.get('body') or ''}"[:20_000]
    project_ids = list(db.scalars(select(GithubRepoLink.project_id).where(GithubRepoLink.repo == repo)))
    made = 0
    for engagement in db.scalars(select(Engagement).where(Engagement.project_id.in_(project_ids))):
        index = milestone_named(text, engagement.milestones or [])
        if index is None:
            continue
        outbox.record(db, "github.milestone_submit_suggested", f"engagement:{engagement.id}",
                      {"engagement_id": str(engagement.id), "project_id": str(engagement.project_id),
                       "milestone_index": index, "repo": repo, "pull_request": int(pr.get("number") or 0),
                       "title": str(pr.get("title") or "")[:200], "url": str(pr.get("html_url") or "")[:500]},
                      audience=[engagement.freelancer_user_id])
        made += 1
    return made
