"""Notification routes: the signed-in user's own notifications and channel preferences (user JWT only:
API keys read no one's inbox)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Query
from sqlalchemy.orm import Session as Db

from api.auth import Principal, user
from api.kit.deps import get_db
from api.kit.pagination import Cursor, Limit
from api.notifications import schemas as s
from api.notifications import service

FEATURE = "enable_notifications"
router = APIRouter(tags=["notifications"])
Me = Annotated[Principal, user(feature=FEATURE)]
DbDep = Annotated[Db, Depends(get_db)]
NotificationId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.get("/v1/notifications", response_model=s.NotificationPage, summary="My notifications, newest first")
def list_notifications(principal: Me, db: DbDep,
                       unread: Annotated[bool, Query(description="Only unread ones")] = False,
                       kind: Annotated[s.Kind | None, Query(description="Only this kind")] = None,
                       limit: Limit = 50, cursor: Cursor = None) -> s.NotificationPage:
    assert principal.user_id is not None
    return service.page(db, principal.user_id, unread_only=unread, kind=kind, limit=limit, cursor=cursor)


@router.get("/v1/notifications/unread-count", response_model=s.UnreadCount, summary="How many are unread")
def unread_count(principal: Me, db: DbDep) -> s.UnreadCount:
    assert principal.user_id is not None
    return s.UnreadCount(unread=service.unread_count(db, principal.user_id))


@router.post("/v1/notifications/{notification_id}/read", response_model=s.NotificationOut,
             summary="Mark one notification read", responses={404: {"description": "No such notification of yours"}})
def mark_read(notification_id: NotificationId, principal: Me, db: DbDep) -> s.NotificationOut:
    assert principal.user_id is not None
    return service.mark_read(db, principal.user_id, notification_id)


@router.post("/v1/notifications/read-all", response_model=s.ReadAllOut,
             summary="Mark all (or all up to an id) read")
def mark_all_read(principal: Me, db: DbDep, body: Annotated[s.ReadAllIn | None, Body()] = None) -> s.ReadAllOut:
    assert principal.user_id is not None
    return s.ReadAllOut(updated=service.mark_all_read(db, principal.user_id, body.up_to if body else None))


@router.get("/v1/notifications/preferences", response_model=s.PreferencesOut,
            summary="My channels (in-app, email, webhook) per kind, and my email address")
def get_preferences(principal: Me, db: DbDep) -> s.PreferencesOut:
    assert principal.user_id is not None
    return service.preferences(db, principal.user_id)


@router.put("/v1/notifications/preferences", response_model=s.PreferencesOut,
            summary="Set channels per kind and/or the email address")
def put_preferences(body: s.PreferencesIn, principal: Me, db: DbDep) -> s.PreferencesOut:
    assert principal.user_id is not None
    return service.set_preferences(db, principal.user_id, body)
