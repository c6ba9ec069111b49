"""Audit log views: a user's own events, and the admin view of everyone's."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from api.audit import service
from api.audit.schemas import AuditEventOut, AuditPage
from api.auth import Principal, admin, user
from api.kit.deps import get_db

router = APIRouter(tags=["audit"])

Limit = Annotated[int, Query(ge=1, le=200, description="Page size")]
Cursor = Annotated[str | None, Query(pattern=r"^[0-9]{1,18}$", description="next_cursor of the previous page")]


def _page(events: list, limit: int) -> AuditPage:
    items = [AuditEventOut.model_validate(e, from_attributes=True) for e in events]
    return AuditPage(items=items, next_cursor=str(items[-1].id) if len(items) == limit else None)


@router.get("/v1/me/audit", summary="My audit events, newest first (keyset pagination)", response_model=AuditPage)
def my_audit(principal: Annotated[Principal, user()], db: Annotated[Session, Depends(get_db)],
             limit: Limit = 50, cursor: Cursor = None) -> AuditPage:
    events = service.list_events(db, user_id=principal.user_id, action=None,
                                 before=int(cursor) if cursor else None, limit=limit)
    return _page(events, limit)


@router.get("/v1/admin/audit", summary="All audit events (admin), newest first", response_model=AuditPage)
def admin_audit(principal: Annotated[Principal, admin()], db: Annotated[Session, Depends(get_db)],
                limit: Limit = 50, cursor: Cursor = None,
                user_id: Annotated[uuid.UUID | None, Query(description="Only this actor")] = None,
                action: Annotated[str | None, Query(max_length=64, pattern=r"^[a-z_.]+$")] = None) -> AuditPage:
    events = service.list_events(db, user_id=user_id, action=action,
                                 before=int(cursor) if cursor else None, limit=limit)
    return _page(events, limit)
