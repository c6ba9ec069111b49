"""Integrations and webhook endpoints: who may manage them, CRUD, secret rotation, test pings, the
delivery log and replays. Delivery itself is in ``delivery`` (the dispatcher and the rq job)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, func, or_, select
from sqlalchemy.orm import Session as Db

from api.integrations import providers, signing, urls
from api.integrations import schemas as s
from api.integrations.models import Integration, Webhook, WebhookAttempt, WebhookDelivery
from api.kit.db import utcnow
from api.kit.pagination import decode_cursor, encode_cursor
from api.kit.problems import Problem
from api.orgs import service as orgs
from api.settings import ApiSettings

MAX_INTEGRATIONS_PER_OWNER = 50
MAX_WEBHOOKS_PER_INTEGRATION = 20
MANAGERS = ("owner", "admin")


def _not_found(what: str) -> Problem:
    return Problem(404, f"no such {what}", type_="not-found")


# --- integrations ----------------------------------------------------------------------------------

def _manageable(db: Db, integration: Integration | None, user_id: uuid.UUID) -> bool:
    if integration is None:
        return False
    if integration.owner_user_id is not None:
        return integration.owner_user_id == user_id
    return orgs.role_of(db, integration.owner_org_id, user_id) in MANAGERS


def integration_for(db: Db, user_id: uuid.UUID, integration_id: uuid.UUID) -> Integration:
    """The integration if the caller may manage it (its owner, or an owner/admin of its organization); a
    404 otherwise, whether it exists or not."""
    row = db.get(Integration, integration_id)
    if not _manageable(db, row, user_id):
        raise _not_found("integration")
    assert row is not None
    return row


def integration_out(row: Integration) -> s.IntegrationOut:
    return s.IntegrationOut(id=row.id, provider=row.provider, name=row.name, status=row.status,
                            owner_user_id=row.owner_user_id, owner_org_id=row.owner_org_id,
                            config=row.config or {}, created_at=row.created_at)


def create_integration(db: Db, user_id: uuid.UUID, body: s.IntegrationIn) -> Integration:
    owner_user, owner_org = user_id, None
    if body.org is not None:
        org, _ = orgs.for_member(db, body.org, user_id, roles=MANAGERS)
        owner_user, owner_org = None, org.id
    owned = Integration.owner_user_id == owner_user if owner_org is None else Integration.owner_org_id == owner_org
    if (db.scalar(select(func.count()).select_from(Integration).where(owned)) or 0) >= MAX_INTEGRATIONS_PER_OWNER:
        raise Problem(409, f"at most {MAX_INTEGRATIONS_PER_OWNER} integrations per owner", type_="quota")
    row = Integration(owner_user_id=owner_user, owner_org_id=owner_org, provider=body.provider, name=body.name,
                      status="active", config=_config(body.config), created_by=user_id)
    db.add(row)
    db.commit()
    return row


def _config(config: dict[str, Any]) -> dict[str, Any]:
    if len(str(config)) > 4000:
        raise Problem(422, "config is too large (4,000 characters at most)", type_="validation-error")
    return config


def list_integrations(db: Db, user_id: uuid.UUID) -> list[Integration]:
    managed_orgs = [oid for oid in orgs.org_ids_of(db, user_id) if orgs.role_of(db, oid, user_id) in MANAGERS]
    return list(db.scalars(select(Integration).where(or_(
        Integration.owner_user_id == user_id, Integration.owner_org_id.in_(managed_orgs)))
        .order_by(Integration.created_at.desc())))


def update_integration(db: Db, user_id: uuid.UUID, integration_id: uuid.UUID, body: s.IntegrationPatch) -> Integration:
    row = integration_for(db, user_id, integration_id)
    if body.name is not None:
        row.name = body.name
    if body.status is not None:
        row.status = body.status
    if body.config is not None:
        row.config = _config(body.config)
    row.updated_at = utcnow()
    db.commit()
    return row


def delete_integration(db: Db, user_id: uuid.UUID, integration_id: uuid.UUID) -> None:
    db.delete(integration_for(db, user_id, integration_id))
    db.commit()


# --- webhook endpoints -----------------------------------------------------------------------------

def _check_url(settings: ApiSettings, url: str, provider: str) -> None:
    try:
        urls.check(url, provider, settings.webhook_private_urls_allowed)
    except urls.UrlRefused as exc:
        raise Problem(422, str(exc), type_="webhook-url-refused") from None


def webhook_for(db: Db, user_id: uuid.UUID, webhook_id: uuid.UUID) -> tuple[Webhook, Integration]:
    hook = db.get(Webhook, webhook_id)
    integration = None if hook is None else db.get(Integration, hook.integration_id)
    if hook is None or not _manageable(db, integration, user_id):
        raise _not_found("webhook")
    assert integration is not None
    return hook, integration


def webhook_out(hook: Webhook, secret: str | None = None) -> s.WebhookOut:
    fields = {c: getattr(hook, c) for c in ("id", "integration_id", "url", "description", "events", "status",
                                             "disabled_reason", "consecutive_failures",
                                             "previous_secret_expires_at", "created_at")}
    return s.WebhookSecretOut(**fields, secret=secret) if secret is not None else s.WebhookOut(**fields)


def create_webhook(db: Db, settings: ApiSettings, user_id: uuid.UUID, integration_id: uuid.UUID,
                   body: s.WebhookIn) -> tuple[Webhook, str]:
    integration = integration_for(db, user_id, integration_id)
    _check_url(settings, body.url, integration.provider)
    count = db.scalar(select(func.count()).select_from(Webhook).where(Webhook.integration_id == integration.id)) or 0
    if count >= MAX_WEBHOOKS_PER_INTEGRATION:
        raise Problem(409, f"at most {MAX_WEBHOOKS_PER_INTEGRATION} endpoints per integration", type_="quota")
    secret = signing.new_secret()
    hook = Webhook(id=uuid.uuid4(), integration_id=integration.id, url=body.url, description=body.description,
                   events=sorted(set(body.events)), status="active", consecutive_failures=0)
    hook.secret_kid, hook.secret_blob = signing.seal(settings, hook.id, secret)
    db.add(hook)
    db.commit()
    return hook, secret


def list_webhooks(db: Db, user_id: uuid.UUID, integration_id: uuid.UUID) -> list[Webhook]:
    integration = integration_for(db, user_id, integration_id)
    return list(db.scalars(select(Webhook).where(Webhook.integration_id == integration.id)
                           .order_by(Webhook.created_at)))


def update_webhook(db: Db, settings: ApiSettings, user_id: uuid.UUID, webhook_id: uuid.UUID,
                   body: s.WebhookPatch) -> Webhook:
    hook, integration = webhook_for(db, user_id, webhook_id)
    if body.url is not None:
        _check_url(settings, body.url, integration.provider)
        hook.url = body.url
    if body.events is not None:
        hook.events = sorted(set(body.events))
    if body.description is not None:
        hook.description = body.description
    if body.status is not None and body.status != hook.status:
        hook.status = body.status
        hook.disabled_reason = "manual" if body.status == "disabled" else None
        hook.consecutive_failures = 0
    hook.updated_at = utcnow()
    db.commit()
    return hook


def delete_webhook(db: Db, user_id: uuid.UUID, webhook_id: uuid.UUID) -> None:
    hook, _ = webhook_for(db, user_id, webhook_id)
    db.delete(hook)
    db.commit()


def rotate_secret(db: Db, settings: ApiSettings, user_id: uuid.UUID, webhook_id: uuid.UUID) -> tuple[Webhook, str]:
    """A new secret signs from now on; the current one keeps signing too for WEBHOOK_SECRET_GRACE_SECONDS
    (messages carry both signatures), so receivers can switch without losing a message."""
    hook, _ = webhook_for(db, user_id, webhook_id)
    secret = signing.new_secret()
    hook.previous_secret_kid, hook.previous_secret_blob = hook.secret_kid, hook.secret_blob
    hook.previous_secret_expires_at = utcnow() + timedelta(seconds=settings.webhook_secret_grace_seconds)
    hook.secret_kid, hook.secret_blob = signing.seal(settings, hook.id, secret)
    hook.updated_at = utcnow()
    db.commit()
    return hook, secret


def signing_secrets(settings: ApiSettings, hook: Webhook, now: datetime | None = None) -> list[str]:
    """The current secret, and the previous one while its grace period lasts."""
    out = [signing.unseal(settings, hook.id, hook.secret_kid, hook.secret_blob)]
    if (hook.previous_secret_blob is not None and hook.previous_secret_kid is not None
            and hook.previous_secret_expires_at is not None and hook.previous_secret_expires_at > (now or utcnow())):
        out.append(signing.unseal(settings, hook.id, hook.previous_secret_kid, hook.previous_secret_blob))
    return out


# --- deliveries ------------------------------------------------------------------------------------

def purge_delivery_log(engine: Engine, redis: object, settings: ApiSettings) -> int:
    """Scheduler sweep: delete finished deliveries (and their attempts) older than
    WEBHOOK_LOG_RETENTION_DAYS. Pending ones stay whatever their age."""
    cutoff = utcnow() - timedelta(days=settings.webhook_log_retention_days)
    with Db(engine) as db:
        result = db.execute(delete(WebhookDelivery).where(WebhookDelivery.status != "pending",
                                                          WebhookDelivery.finished_at < cutoff))
        db.commit()
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


def test_ping(db: Db, user_id: uuid.UUID, webhook_id: uuid.UUID) -> WebhookDelivery:
    """Queue a ``webhook.test`` message behind the endpoint's other messages."""
    hook, integration = webhook_for(db, user_id, webhook_id)
    if hook.status != "active":
        raise Problem(409, "the endpoint is disabled; enable it first (PATCH status=active)", type_="webhook-disabled")
    now = datetime.now(UTC)
    body = providers.render(integration.provider, "webhook.test", f"webhook:{hook.id}",
                            {"message": "Test ping from Lancer"}, now, None, integration.config or {})
    row = WebhookDelivery(webhook_id=hook.id, event_id=None, msg_id=f"msg_test_{uuid.uuid4().hex}",
                          event_type="webhook.test", body=body, status="pending", attempts=0, next_attempt_at=now)
    db.add(row)
    db.commit()
    return row


def delivery_out(row: WebhookDelivery) -> s.DeliveryOut:
    return s.DeliveryOut(id=row.id, webhook_id=row.webhook_id, event_id=row.event_id, replay_of=row.replay_of,
                         msg_id=row.msg_id, event_type=row.event_type,
                         status=row.status, attempts=row.attempts,  # type: ignore[arg-type]
                         next_attempt_at=row.next_attempt_at if row.status == "pending" else None,
                         last_status_code=row.last_status_code, last_error=row.last_error,
                         created_at=row.created_at, finished_at=row.finished_at)


def list_deliveries(db: Db, user_id: uuid.UUID, webhook_id: uuid.UUID, limit: int, cursor: str | None,
                    status: str | None) -> s.DeliveryPage:
    hook, _ = webhook_for(db, user_id, webhook_id)
    after = decode_cursor(cursor, (int,))
    query = select(WebhookDelivery).where(WebhookDelivery.webhook_id == hook.id)
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    if after is not None:
        query = query.where(WebhookDelivery.id < after[0])
    rows = list(db.scalars(query.order_by(WebhookDelivery.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return s.DeliveryPage(items=[delivery_out(r) for r in rows],
                          next_cursor=encode_cursor([rows[-1].id]) if more and rows else None)


def _delivery_for(db: Db, user_id: uuid.UUID, webhook_id: uuid.UUID, delivery_id: int) -> WebhookDelivery:
    hook, _ = webhook_for(db, user_id, webhook_id)
    row = db.get(WebhookDelivery, delivery_id)
    if row is None or row.webhook_id != hook.id:
        raise _not_found("delivery")
    return row


def delivery_detail(db: Db, user_id: uuid.UUID, webhook_id: uuid.UUID, delivery_id: int) -> s.DeliveryDetailOut:
    row = _delivery_for(db, user_id, webhook_id, delivery_id)
    attempts = db.scalars(select(WebhookAttempt).where(WebhookAttempt.delivery_id == row.id)
                          .order_by(WebhookAttempt.attempt))
    return s.DeliveryDetailOut(**delivery_out(row).model_dump(), body=row.body, attempts_log=[
        s.AttemptOut(attempt=a.attempt, outcome=a.outcome, status_code=a.status_code, latency_ms=a.latency_ms,
                     response_excerpt=a.response_excerpt, created_at=a.created_at) for a in attempts])


def replay(db: Db, user_id: uuid.UUID, webhook_id: uuid.UUID, delivery_id: int) -> WebhookDelivery:
    """Send a message again, as a new delivery at the end of the endpoint's queue, with the same body and
    the same ``webhook-id`` (a receiver that processed it already can recognise it)."""
    original = _delivery_for(db, user_id, webhook_id, delivery_id)
    hook = db.get(Webhook, original.webhook_id)
    assert hook is not None
    if hook.status != "active":
        raise Problem(409, "the endpoint is disabled; enable it first (PATCH status=active)", type_="webhook-disabled")
    if original.status == "pending":
        raise Problem(409, "this message is still being delivered", type_="delivery-pending")
    row = WebhookDelivery(webhook_id=hook.id, event_id=original.event_id, replay_of=original.id,
                          msg_id=original.msg_id, event_type=original.event_type, body=original.body,
                          status="pending", attempts=0, next_attempt_at=utcnow())
    db.add(row)
    db.commit()
    return row
