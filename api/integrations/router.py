"""Integration routes: webhook endpoints (Standard Webhooks), Slack/Discord channels, the delivery log,
and the developer API keys (``/v1/integrations/api-keys``, on the identity domain's key service)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from redis import Redis
from sqlalchemy.orm import Session as Db

from api.audit import service as audit
from api.auth import Principal, Scope, public, require_step_up, scope, user
from api.identity import service as identity
from api.integrations import delivery, providers, service, usage
from api.integrations import schemas as s
from api.kit.client import client_context
from api.kit.deps import get_db, get_redis, get_settings_dep
from api.kit.pagination import DEFAULT_LIMIT, Cursor, Limit
from api.settings import ApiSettings

FEATURE = "enable_integrations"
router = APIRouter(tags=["integrations"])
DbDep = Annotated[Db, Depends(get_db)]
SettingsDep = Annotated[ApiSettings, Depends(get_settings_dep)]
RedisDep = Annotated[Redis, Depends(get_redis)]
Manager = Annotated[Principal, scope(Scope.WRITE_WEBHOOKS, feature=FEATURE)]
Me = Annotated[Principal, user(feature=FEATURE)]
StepUp = Annotated[Principal, user(step_up=True, feature=FEATURE)]
DeliveryId = Annotated[int, Path(ge=1, le=2**63 - 1)]
NOT_YOURS = {404: {"description": "No such object, or it is not yours to manage"}}


def _uid(principal: Principal) -> uuid.UUID:
    assert principal.user_id is not None
    return principal.user_id


@router.get("/v1/integrations/event-types", response_model=list[s.EventTypeOut],
            dependencies=[public(feature=FEATURE)], summary="The event types webhooks can subscribe to")
def event_types() -> list[s.EventTypeOut]:
    return [s.EventTypeOut(name=k, description=v) for k, v in providers.EVENT_TYPES.items()]


# --- developer API keys (the identity domain's keys) -------------------------------------------------

def _key_out(key: object) -> dict:
    return {c: getattr(key, c) for c in ("id", "name", "prefix", "scopes", "created_at", "expires_at",
                                         "revoked_at", "last_used_at")}


@router.post("/v1/integrations/api-keys", response_model=s.ApiKeyCreatedOut, status_code=201,
             summary="Create an API key (shown once); needs step-up")
def create_api_key(principal: StepUp, body: s.ApiKeyIn, request: Request, settings: SettingsDep,
                   db: DbDep) -> s.ApiKeyCreatedOut:
    key, full = identity.create_api_key(db, settings, _uid(principal), body.name, body.scopes, body.expires_at)
    audit.record(db, client_context(request), "apikey.create", actor_user_id=principal.user_id,
                 target=f"apikey:{key.prefix}", details={"scopes": key.scopes, "name": key.name})
    db.commit()
    return s.ApiKeyCreatedOut(**_key_out(key), key=full)


@router.get("/v1/integrations/api-keys", response_model=list[s.ApiKeyOut], summary="My API keys (never the secrets)")
def list_api_keys(principal: Me, db: DbDep) -> list[s.ApiKeyOut]:
    return [s.ApiKeyOut(**_key_out(k)) for k in identity.list_api_keys(db, _uid(principal))]


@router.delete("/v1/integrations/api-keys/{key_id}", status_code=204, responses=NOT_YOURS, summary="Revoke an API key")
def revoke_api_key(principal: Me, key_id: uuid.UUID, request: Request, db: DbDep) -> Response:
    key = identity.revoke_api_key(db, _uid(principal), key_id)
    if key is not None:
        audit.record(db, client_context(request), "apikey.revoke", actor_user_id=principal.user_id,
                     target=f"apikey:{key.prefix}")
        db.commit()
    return Response(status_code=204)


@router.post("/v1/integrations/api-keys/{key_id}/rotate", response_model=s.RotatedKeyOut, status_code=201,
             responses=NOT_YOURS, summary="Rotate an API key: a new key now, the old one works for a grace period")
def rotate_api_key(principal: StepUp, key_id: uuid.UUID, body: s.RotateKeyIn, request: Request,
                   settings: SettingsDep, db: DbDep) -> s.RotatedKeyOut:
    grace = settings.api_key_rotation_grace_seconds if body.grace_seconds is None else body.grace_seconds
    key, full, old_ends = identity.rotate_api_key(db, settings, _uid(principal), key_id, grace)
    audit.record(db, client_context(request), "apikey.rotate", actor_user_id=principal.user_id,
                 target=f"apikey:{key.prefix}", details={"replaces": str(key_id), "grace_seconds": grace})
    db.commit()
    return s.RotatedKeyOut(**_key_out(key), key=full, old_key_expires_at=old_ends)


@router.get("/v1/integrations/api-keys/{key_id}/usage", response_model=list[s.RouteUsageOut], responses=NOT_YOURS,
            summary="Usage of one of my keys per route and UTC day: requests, errors, p50/p99 latency")
def api_key_route_usage(principal: Me, key_id: uuid.UUID, db: DbDep,
                        days: Annotated[int, Query(ge=1, le=90)] = 7) -> list[s.RouteUsageOut]:
    key = identity.own_api_key(db, principal.user_id, key_id)
    return [s.RouteUsageOut(**row) for row in usage.route_usage(db, key.id, days)]


# --- webhook endpoints (before /{integration_id}: static paths first) --------------------------------

@router.get("/v1/integrations/webhooks/{webhook_id}", response_model=s.WebhookOut, responses=NOT_YOURS,
            summary="One webhook endpoint (never its secret)")
def get_webhook(principal: Manager, webhook_id: uuid.UUID, db: DbDep) -> s.WebhookOut:
    return service.webhook_out(service.webhook_for(db, _uid(principal), webhook_id)[0])


@router.patch("/v1/integrations/webhooks/{webhook_id}", response_model=s.WebhookOut, responses=NOT_YOURS,
              summary="Change an endpoint: URL (needs step-up), event filters, description, status (re-enable)")
def update_webhook(principal: Manager, webhook_id: uuid.UUID, body: s.WebhookPatch, request: Request,
                   settings: SettingsDep, db: DbDep) -> s.WebhookOut:
    if body.url is not None:
        # Moving an endpoint redirects every future event (and its data) elsewhere: a fresh proof first.
        require_step_up(request, principal)
    hook = service.update_webhook(db, settings, _uid(principal), webhook_id, body)
    if body.url is not None:
        audit.record(db, client_context(request), "webhook.change_url", actor_user_id=principal.user_id,
                     target=f"webhook:{hook.id}")
        db.commit()
    return service.webhook_out(hook)


@router.delete("/v1/integrations/webhooks/{webhook_id}", status_code=204, responses=NOT_YOURS,
               summary="Delete an endpoint and its delivery log")
def delete_webhook(principal: Manager, webhook_id: uuid.UUID, db: DbDep) -> Response:
    service.delete_webhook(db, _uid(principal), webhook_id)
    return Response(status_code=204)


@router.post("/v1/integrations/webhooks/{webhook_id}/rotate-secret", response_model=s.WebhookSecretOut,
             responses=NOT_YOURS, summary="New signing secret (shown once); the old one also signs for a grace period; needs step-up")
def rotate_secret(principal: StepUp, webhook_id: uuid.UUID, request: Request, settings: SettingsDep,
                  db: DbDep) -> s.WebhookOut:
    hook, secret = service.rotate_secret(db, settings, _uid(principal), webhook_id)
    audit.record(db, client_context(request), "webhook.rotate_secret", actor_user_id=principal.user_id,
                 target=f"webhook:{hook.id}")
    db.commit()
    return service.webhook_out(hook, secret)


@router.post("/v1/integrations/webhooks/{webhook_id}/test", response_model=s.DeliveryOut, status_code=202,
             responses=NOT_YOURS, summary="Queue a `webhook.test` message to the endpoint")
def test_webhook(principal: Manager, webhook_id: uuid.UUID, settings: SettingsDep, redis: RedisDep,
                 db: DbDep) -> s.DeliveryOut:
    row = service.test_ping(db, _uid(principal), webhook_id)
    delivery.kick(redis, settings, row.webhook_id)
    return service.delivery_out(row)


@router.get("/v1/integrations/webhooks/{webhook_id}/deliveries", response_model=s.DeliveryPage,
            responses=NOT_YOURS, summary="The endpoint's delivery log, newest first")
def list_deliveries(principal: Manager, webhook_id: uuid.UUID, db: DbDep, limit: Limit = DEFAULT_LIMIT,
                    cursor: Cursor = None,
                    status: Annotated[Literal["pending", "succeeded", "failed"] | None, Query()] = None
                    ) -> s.DeliveryPage:
    return service.list_deliveries(db, _uid(principal), webhook_id, limit, cursor, status)


@router.get("/v1/integrations/webhooks/{webhook_id}/deliveries/{delivery_id}", response_model=s.DeliveryDetailOut,
            responses=NOT_YOURS, summary="One delivery: the body sent and every attempt")
def get_delivery(principal: Manager, webhook_id: uuid.UUID, delivery_id: DeliveryId,
                 db: DbDep) -> s.DeliveryDetailOut:
    return service.delivery_detail(db, _uid(principal), webhook_id, delivery_id)


@router.post("/v1/integrations/webhooks/{webhook_id}/deliveries/{delivery_id}/replay", response_model=s.DeliveryOut,
             status_code=202, responses=NOT_YOURS,
             summary="Send a finished message again (same body and webhook-id), after the queued ones")
def replay_delivery(principal: Manager, webhook_id: uuid.UUID, delivery_id: DeliveryId, settings: SettingsDep,
                    redis: RedisDep, db: DbDep) -> s.DeliveryOut:
    row = service.replay(db, _uid(principal), webhook_id, delivery_id)
    delivery.kick(redis, settings, row.webhook_id)
    return service.delivery_out(row)


# --- integrations ------------------------------------------------------------------------------------

@router.post("/v1/integrations", response_model=s.IntegrationOut, status_code=201,
             summary="Create an integration (mine, or an organization's I own or administer)")
def create_integration(principal: Manager, body: s.IntegrationIn, db: DbDep) -> s.IntegrationOut:
    return service.integration_out(service.create_integration(db, _uid(principal), body))


@router.get("/v1/integrations", response_model=list[s.IntegrationOut], summary="Integrations I can manage")
def list_integrations(principal: Manager, db: DbDep) -> list[s.IntegrationOut]:
    return [service.integration_out(r) for r in service.list_integrations(db, _uid(principal))]


@router.get("/v1/integrations/{integration_id}", response_model=s.IntegrationOut, responses=NOT_YOURS,
            summary="One integration")
def get_integration(principal: Manager, integration_id: uuid.UUID, db: DbDep) -> s.IntegrationOut:
    return service.integration_out(service.integration_for(db, _uid(principal), integration_id))


@router.patch("/v1/integrations/{integration_id}", response_model=s.IntegrationOut, responses=NOT_YOURS,
              summary="Rename, pause (status) or reconfigure an integration (a config change needs step-up)")
def update_integration(principal: Manager, integration_id: uuid.UUID, body: s.IntegrationPatch, request: Request,
                       db: DbDep) -> s.IntegrationOut:
    if body.config is not None:
        require_step_up(request, principal)  # the config holds provider tokens and channels
    return service.integration_out(service.update_integration(db, _uid(principal), integration_id, body))


@router.delete("/v1/integrations/{integration_id}", status_code=204, responses=NOT_YOURS,
               summary="Delete an integration with its endpoints")
def delete_integration(principal: Manager, integration_id: uuid.UUID, db: DbDep) -> Response:
    service.delete_integration(db, _uid(principal), integration_id)
    return Response(status_code=204)


@router.post("/v1/integrations/{integration_id}/webhooks", response_model=s.WebhookSecretOut, status_code=201,
             responses=NOT_YOURS, summary="Add an endpoint; the answer carries its signing secret, once")
def create_webhook(principal: Manager, integration_id: uuid.UUID, body: s.WebhookIn, request: Request,
                   settings: SettingsDep, db: DbDep) -> s.WebhookOut:
    hook, secret = service.create_webhook(db, settings, _uid(principal), integration_id, body)
    audit.record(db, client_context(request), "webhook.create", actor_user_id=principal.user_id,
                 target=f"webhook:{hook.id}", details={"events": hook.events})
    db.commit()
    return service.webhook_out(hook, secret)


@router.get("/v1/integrations/{integration_id}/webhooks", response_model=list[s.WebhookOut], responses=NOT_YOURS,
            summary="The integration's endpoints")
def list_webhooks(principal: Manager, integration_id: uuid.UUID, db: DbDep) -> list[s.WebhookOut]:
    return [service.webhook_out(h) for h in service.list_webhooks(db, _uid(principal), integration_id)]
