"""Privacy (GDPR) routes: data export and account deletion with a cancellable grace period."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session as Db

from api.audit import service as audit
from api.auth import Principal, user
from api.kit.deps import get_db
from api.kit.queue import get_queue
from api.privacy import service
from api.privacy.models import DataExport, DeletionRequest
from api.privacy.schemas import ConsentIn, ConsentOut, DeletionOut, ExportOut
from api.kit.client import client_context
from api.kit.problems import Problem

router = APIRouter(tags=["privacy"])
Me = Annotated[Principal, user()]
StepUp = Annotated[Principal, user(step_up=True)]
DbDep = Annotated[Db, Depends(get_db)]


def _export_out(e: DataExport) -> ExportOut:
    return ExportOut(id=e.id, status=e.status, created_at=e.created_at, completed_at=e.completed_at,
                     expires_at=e.expires_at,
                     download_url=f"/v1/me/export/{e.id}/download" if e.status == "ready" else None)


@router.post("/v1/me/export", response_model=ExportOut, status_code=202,
             summary="Request a JSON archive of all my data (built in the background); needs step-up")
def request_export(principal: StepUp, request: Request, db: DbDep) -> ExportOut:
    assert principal.user_id
    pending = db.scalar(select(DataExport).where(DataExport.user_id == principal.user_id,
                                                 DataExport.status == "pending"))
    if pending is not None:
        return _export_out(pending)
    export = DataExport(user_id=principal.user_id, created_at=service._now())
    db.add(export)
    db.flush()
    audit.record(db, client_context(request), "privacy.export", actor_user_id=principal.user_id, target=f"export:{export.id}")
    db.commit()
    get_queue(request.app.state.settings, request.app.state.redis).enqueue(
        "api.privacy.jobs.build_export", str(export.id), job_timeout=600, result_ttl=3600)
    return _export_out(export)


def _own_export(db: Db, principal: Principal, export_id: uuid.UUID) -> DataExport:
    export = db.get(DataExport, export_id)
    if export is None or export.user_id != principal.user_id:
        raise Problem(404, "no such export", type_="not-found")
    return export


@router.get("/v1/me/export/{export_id}", response_model=ExportOut, summary="Status of a data export")
def export_status(principal: Me, export_id: uuid.UUID, db: DbDep) -> ExportOut:
    return _export_out(_own_export(db, principal, export_id))


@router.get("/v1/me/export/{export_id}/download", summary="Download a ready export (JSON)",
            response_class=Response, responses={200: {"content": {"application/json": {}}},
                                                409: {"description": "Not ready yet"}})
def export_download(principal: Me, export_id: uuid.UUID, db: DbDep) -> Response:
    export = _own_export(db, principal, export_id)
    if export.status != "ready" or export.archive is None:
        raise Problem(409, f"export is {export.status}, not ready", type_="export-not-ready")
    if export.expires_at is not None and export.expires_at <= service._now():
        raise Problem(410, "export has expired; request a new one", type_="export-expired")
    return Response(export.archive, media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="lancer-export-{export.id}.json"'})


@router.delete("/v1/me", response_model=DeletionOut, status_code=202,
               summary="Schedule erasure of my account after a grace period (cancellable); needs step-up")
def request_deletion(principal: StepUp, request: Request, db: DbDep) -> DeletionOut:
    assert principal.user_id
    settings = request.app.state.settings
    existing = service.pending_deletion(db, principal.user_id)
    if existing is None:
        existing = DeletionRequest(user_id=principal.user_id, requested_at=service._now(),
                                   scheduled_for=service._now() + timedelta(seconds=settings.deletion_grace_seconds))
        db.add(existing)
        db.flush()
        audit.record(db, client_context(request), "privacy.delete_request", actor_user_id=principal.user_id,
                     target=f"user:{principal.user_id}", details={"scheduled_for": existing.scheduled_for.isoformat()})
        db.commit()
        queue = get_queue(settings, request.app.state.redis)
        queue.enqueue_in(timedelta(seconds=settings.deletion_grace_seconds), "api.privacy.jobs.process_deletion",
                         str(existing.id), job_timeout=600)
    return DeletionOut(status="scheduled", scheduled_for=existing.scheduled_for, erased=service.ERASED,
                       retained=service.RETAINED)


@router.post("/v1/me/deletion/cancel", response_model=DeletionOut, summary="Cancel a scheduled erasure")
def cancel_deletion(principal: Me, request: Request, db: DbDep) -> DeletionOut:
    assert principal.user_id
    existing = service.pending_deletion(db, principal.user_id)
    if existing is None:
        raise Problem(404, "no deletion is scheduled", type_="not-found")
    existing.status = "cancelled"
    audit.record(db, client_context(request), "privacy.delete_cancel", actor_user_id=principal.user_id,
                 target=f"user:{principal.user_id}")
    db.commit()
    return DeletionOut(status="cancelled", scheduled_for=None, erased=[], retained=[], cancel_with="")


# --- consents (which Terms / Privacy version a user accepted, when, from where) -------------------------

@router.post("/v1/me/consents", response_model=ConsentOut, status_code=201,
             summary="Record that I accepted a version of the terms or the privacy policy")
def give_consent(principal: Me, body: ConsentIn, request: Request, db: DbDep) -> ConsentOut:
    assert principal.user_id
    client = client_context(request)
    row = service.record_consent(db, principal.user_id, body.document, body.version, client)
    audit.record(db, client, "privacy.consent", actor_user_id=principal.user_id,
                 target=f"{body.document}:{body.version}")
    db.commit()
    return ConsentOut.model_validate(row, from_attributes=True)


@router.get("/v1/me/consents", response_model=list[ConsentOut], summary="The consents I gave, newest first")
def list_consents(principal: Me, db: DbDep) -> list[ConsentOut]:
    assert principal.user_id
    return [ConsentOut.model_validate(r, from_attributes=True) for r in service.consents(db, principal.user_id)]
