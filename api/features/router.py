"""Feature flags: the caller's view of which product areas are on, and admin overrides per user/org."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Request, Response
from sqlalchemy.orm import Session

from api.auth import Principal, admin, user
from api.features import schemas as s
from api.features import service
from api.kit.client import client_context
from api.kit.deps import get_db

router = APIRouter(tags=["features"])

Area = Annotated[str, Path(max_length=32, pattern=r"^[a-z0-9_]+$", description="Product area, e.g. matching")]
SubjectKind = Annotated[Literal["user", "org"], Path(description="Whom the override applies to")]


def _store(request: Request) -> service.OverrideStore | None:
    return getattr(request.app.state, "feature_overrides", None)


@router.get("/v1/me/features", response_model=s.MyFlags,
            summary="Which product areas are on for me (configuration and my or my orgs' overrides)")
def my_features(request: Request, principal: Annotated[Principal, user()]) -> s.MyFlags:
    assert principal.user_id is not None
    return s.MyFlags(features=service.my_features(request.app.state.settings, _store(request), principal.user_id))


@router.get("/v1/admin/features", response_model=s.FlagList, summary="Every feature flag, its state and overrides")
def list_flags(request: Request, principal: Annotated[Principal, admin()],
               db: Annotated[Session, Depends(get_db)]) -> s.FlagList:
    flags = service.list_flags(db, request.app.state.settings)
    return s.FlagList(items=[s.FlagOut(area=f["area"], flag=f["flag"], enabled=f["enabled"],
                                       overrides=[s.OverrideOut.model_validate(o, from_attributes=True)
                                                  for o in f["overrides"]]) for f in flags])


@router.put("/v1/admin/features/{area}/overrides/{subject_kind}/{subject_id}", response_model=s.OverrideOut,
            summary="Turn a product area on or off for one user or org (audited)")
def set_override(request: Request, area: Area, subject_kind: SubjectKind, subject_id: uuid.UUID,
                 body: s.OverrideIn, principal: Annotated[Principal, admin()],
                 db: Annotated[Session, Depends(get_db)]) -> s.OverrideOut:
    assert principal.user_id is not None
    row = service.set_override(db, _store(request), client_context(request), principal.user_id, area,
                               subject_kind, subject_id, body.enabled, body.reason)
    return s.OverrideOut.model_validate(row, from_attributes=True)


@router.delete("/v1/admin/features/{area}/overrides/{subject_kind}/{subject_id}", status_code=204,
               summary="Remove an override: the user or org follows the configuration again (audited)")
def clear_override(request: Request, area: Area, subject_kind: SubjectKind, subject_id: uuid.UUID,
                   principal: Annotated[Principal, admin()], db: Annotated[Session, Depends(get_db)]) -> Response:
    assert principal.user_id is not None
    service.clear_override(db, _store(request), client_context(request), principal.user_id, area,
                           subject_kind, subject_id)
    return Response(status_code=204)
