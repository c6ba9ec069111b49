"""Tracker credentials (one per user and provider, token encrypted) and the links of issues, cards, pages
and files to projects and milestones. Who may link: the same people as GitHub repositories (the project's
client/managers or a hired freelancer)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as Db

from api.integrations import schemas as s
from api.integrations import urls
from api.integrations.github import may_link
from api.integrations.models import TrackerCredential, TrackerLink
from api.integrations.trackers import clients
from api.kit.db import utcnow
from api.kit.problems import Problem
from api.settings import ApiSettings

MAX_LINKS_PER_PROJECT = 200


def _base_url(settings: ApiSettings, provider: str, site: str | None) -> str:
    fixed = {"trello": settings.trello_api_base, "notion": settings.notion_api_base,
             "gdrive": settings.gdrive_api_base}
    if provider in fixed:
        return fixed[provider].get_secret_value().rstrip("/")
    if not site:
        raise Problem(422, "Jira needs base_url: your site, e.g. https://acme.atlassian.net", type_="validation-error")
    try:
        urls.check(site, "webhook", settings.webhook_private_urls_allowed)  # same SSRF policy as webhooks
    except urls.UrlRefused as exc:
        raise Problem(422, str(exc), type_="tracker-url-refused") from None
    return site.rstrip("/")


def put_credential(db: Db, settings: ApiSettings, user_id: uuid.UUID, provider: str,
                   body: s.TrackerCredentialIn) -> TrackerCredential:
    base = _base_url(settings, provider, body.base_url)
    row = db.scalar(select(TrackerCredential).where(TrackerCredential.user_id == user_id,
                                                    TrackerCredential.provider == provider))
    row = row or TrackerCredential(id=uuid.uuid4(), user_id=user_id, provider=provider)
    row.base_url, row.account, row.token, row.created_at = base, body.account, body.token, utcnow()
    db.add(row)
    db.commit()
    return row


def delete_credential(db: Db, user_id: uuid.UUID, provider: str) -> None:
    row = db.scalar(select(TrackerCredential).where(TrackerCredential.user_id == user_id,
                                                    TrackerCredential.provider == provider))
    if row is not None:
        db.delete(row)
        db.commit()


def _fetch(db: Db, user_id: uuid.UUID, provider: str, ref: str) -> clients.Item:
    cred = db.scalar(select(TrackerCredential).where(TrackerCredential.user_id == user_id,
                                                     TrackerCredential.provider == provider))
    if cred is None:
        raise Problem(409, f"connect {provider} first (PUT /v1/integrations/trackers/{provider}/credential)",
                      type_="tracker-not-connected")
    try:
        return clients.fetch(provider, clients.Credential(cred.token, cred.base_url, cred.account), ref)
    except clients.TrackerError as exc:
        if exc.kind == "not_found":
            raise Problem(422, f"{provider} has no such item, or your token cannot see it",
                          type_="tracker-item-not-found") from None
        if exc.kind == "unauthorized":
            raise Problem(409, f"{provider} refused your token: connect it again", type_="tracker-unauthorized") from None
        raise Problem(502, f"{provider} could not be reached; try again later", type_="tracker-unavailable") from None


def link_out(row: TrackerLink) -> s.TrackerLinkOut:
    return s.TrackerLinkOut(id=row.id, project_id=row.project_id, milestone_index=row.milestone_index,
                            provider=row.provider, ref=row.ref, title=row.title,  # type: ignore[arg-type]
                            status=row.status, url=row.url, fetched_at=row.fetched_at)


def add_link(db: Db, user_id: uuid.UUID, body: s.TrackerLinkIn) -> TrackerLink:
    project_id = may_link(db, body.project_id, user_id)
    count = len(list(db.scalars(select(TrackerLink.id).where(TrackerLink.project_id == project_id))))
    if count >= MAX_LINKS_PER_PROJECT:
        raise Problem(409, f"at most {MAX_LINKS_PER_PROJECT} linked items per project", type_="quota")
    item = _fetch(db, user_id, body.provider, body.ref)
    row = TrackerLink(project_id=project_id, milestone_index=body.milestone_index, provider=body.provider,
                      ref=body.ref, title=item.title, status=item.status, url=item.url, created_by=user_id)
    db.add(row)
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        raise Problem(409, "this item is already linked to the project", type_="conflict") from None
    return row


def links_of(db: Db, user_id: uuid.UUID, project_id: uuid.UUID) -> list[TrackerLink]:
    project_id = may_link(db, project_id, user_id)
    return list(db.scalars(select(TrackerLink).where(TrackerLink.project_id == project_id)
                           .order_by(TrackerLink.milestone_index.nulls_first(), TrackerLink.created_at)))


def _link_for(db: Db, user_id: uuid.UUID, link_id: uuid.UUID) -> TrackerLink:
    row = db.get(TrackerLink, link_id)
    if row is None:
        raise Problem(404, "no such link", type_="not-found")
    may_link(db, row.project_id, user_id)
    return row


def refresh(db: Db, user_id: uuid.UUID, link_id: uuid.UUID) -> TrackerLink:
    """Read the title and status again, with the caller's own token (who can see it may differ)."""
    row = _link_for(db, user_id, link_id)
    item = _fetch(db, user_id, row.provider, row.ref)
    row.title, row.status, row.url, row.fetched_at = item.title, item.status, item.url, utcnow()
    db.commit()
    return row


def unlink(db: Db, user_id: uuid.UUID, link_id: uuid.UUID) -> None:
    db.delete(_link_for(db, user_id, link_id))
    db.commit()
