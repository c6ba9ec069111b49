"""Routes of the issue trackers and document stores (Jira, Trello, Notion, Google Drive): a user's
credential per provider (step-up to set or remove: a provider token change), and linked items."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy.orm import Session as Db

from api.auth import Principal, user
from api.integrations import schemas as s
from api.integrations.trackers import service
from api.kit.deps import get_db, get_settings_dep
from api.settings import ApiSettings

FEATURE = "enable_integrations"
router = APIRouter(tags=["integrations"])
DbDep = Annotated[Db, Depends(get_db)]
SettingsDep = Annotated[ApiSettings, Depends(get_settings_dep)]
Me = Annotated[Principal, user(feature=FEATURE)]
StepUp = Annotated[Principal, user(step_up=True, feature=FEATURE)]
NOT_YOURS = {404: {"description": "No such project or link, or not yours"}}
PROVIDER_ERRORS = {409: {"description": "Provider not connected, token refused, or already linked"},
                   422: {"description": "No such item at the provider"}, 502: {"description": "Provider unreachable"}}


def _uid(principal: Principal) -> uuid.UUID:
    assert principal.user_id is not None
    return principal.user_id


@router.put("/v1/integrations/trackers/{provider}/credential", response_model=s.TrackerCredentialOut,
            summary="Connect a tracker with my API token (stored encrypted, never shown); needs step-up")
def put_credential(principal: StepUp, provider: s.TrackerProvider, body: s.TrackerCredentialIn,
                   settings: SettingsDep, db: DbDep) -> s.TrackerCredentialOut:
    row = service.put_credential(db, settings, _uid(principal), provider, body)
    return s.TrackerCredentialOut(provider=provider, account=row.account, connected_at=row.created_at)


@router.delete("/v1/integrations/trackers/{provider}/credential", status_code=204,
               summary="Disconnect a tracker (forget my token); needs step-up")
def delete_credential(principal: StepUp, provider: s.TrackerProvider, db: DbDep) -> Response:
    service.delete_credential(db, _uid(principal), provider)
    return Response(status_code=204)


@router.post("/v1/integrations/trackers/links", response_model=s.TrackerLinkOut, status_code=201,
             responses={**NOT_YOURS, **PROVIDER_ERRORS},
             summary="Link an issue, card, page or file to a project or milestone (its title and status are read now)")
def add_link(principal: Me, body: s.TrackerLinkIn, db: DbDep) -> s.TrackerLinkOut:
    return service.link_out(service.add_link(db, _uid(principal), body))


@router.get("/v1/integrations/trackers/links", response_model=list[s.TrackerLinkOut], responses=NOT_YOURS,
            summary="A project's linked items with their last known title and status")
def list_links(principal: Me, project_id: Annotated[uuid.UUID, Query()], db: DbDep) -> list[s.TrackerLinkOut]:
    return [service.link_out(r) for r in service.links_of(db, _uid(principal), project_id)]


@router.post("/v1/integrations/trackers/links/{link_id}/refresh", response_model=s.TrackerLinkOut,
             responses={**NOT_YOURS, **PROVIDER_ERRORS}, summary="Read the item's title and status again")
def refresh_link(principal: Me, link_id: uuid.UUID, db: DbDep) -> s.TrackerLinkOut:
    return service.link_out(service.refresh(db, _uid(principal), link_id))


@router.delete("/v1/integrations/trackers/links/{link_id}", status_code=204, responses=NOT_YOURS,
               summary="Unlink an item")
def delete_link(principal: Me, link_id: uuid.UUID, db: DbDep) -> Response:
    service.unlink(db, _uid(principal), link_id)
    return Response(status_code=204)
