"""Skill verification routes: start/submit/status for the candidate; queue/review for reviewers."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.orm import Session as Db
from starlette.concurrency import run_in_threadpool

from api.attestations.service import is_verifier
from api.auth import Principal, user
from api.kit.deps import get_db
from api.kit.pagination import Cursor, Limit
from api.kit.problems import Problem
from api.kit.queue import get_queue
from api.verification import schemas as s
from api.verification import service
from api.verification.storage import scanner_for, storage_for

FEATURE = "enable_skill_verification"
router = APIRouter(tags=["skill verification"])
DbDep = Annotated[Db, Depends(get_db)]
Candidate = Annotated[Principal, user(feature=FEATURE)]
# Reviewers are verifiers or admins who signed in with TOTP, like skill attestations (api.attestations).
Reviewer = Annotated[Principal, user(mfa=True, feature=FEATURE)]
BASE = "/v1/skills/verification"


def _reviewer(db: Db, request: Request, principal: Principal) -> uuid.UUID:
    assert principal.user_id is not None
    if not is_verifier(db, request.app.state.settings, principal.user_id, principal.is_admin):
        raise Problem(403, "only verifiers (VERIFIER_ADDRESSES) and admins review verifications",
                      type_="not-a-verifier")
    return principal.user_id


@router.post(f"{BASE}/start", response_model=s.VerificationOut, status_code=201,
             summary="Start verifying one of my skills by quiz, code challenge or evidence upload",
             responses={404: {"description": "Unknown skill"}, 409: {"description": "An attempt is open"},
                        422: {"description": "No such method for this skill"},
                        429: {"description": "Cooling down after a failed attempt"}})
def start(body: s.StartIn, principal: Candidate, request: Request, db: DbDep) -> s.VerificationOut:
    assert principal.user_id is not None
    return service.start(db, request.app.state.settings, principal.user_id, body)


@router.put(f"{BASE}/{{vid}}/evidence", response_model=s.VerificationOut,
            summary="Upload the evidence file of an evidence verification (raw bytes, declared type and size)",
            responses={404: {"description": "Not my verification"}, 413: {"description": "Too large"},
                       415: {"description": "Not the declared type"}})
async def upload(vid: uuid.UUID, principal: Candidate, request: Request, db: DbDep) -> s.VerificationOut:
    assert principal.user_id is not None
    settings = request.app.state.settings
    limit = settings.verification_evidence_max_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise Problem(413, f"evidence is at most {limit} bytes", type_="evidence-too-large")
    data = bytearray()
    async for chunk in request.stream():  # stop reading at the limit, whatever Content-Length said
        data += chunk
        if len(data) > limit:
            raise Problem(413, f"evidence is at most {limit} bytes", type_="evidence-too-large")
    content_type = request.headers.get("content-type", "").split(";")[0].strip()
    # Database, scan and storage are blocking: off the event loop.
    return await run_in_threadpool(service.upload, db, settings, storage_for(settings), scanner_for(settings),
                                   principal.user_id, vid, content_type, bytes(data))


@router.post(f"{BASE}/{{vid}}/submit", response_model=s.VerificationOut,
             summary="Submit answers, code, a repository link or the uploaded evidence",
             responses={404: {"description": "Not my verification"}, 409: {"description": "Not open"}})
def submit(vid: uuid.UUID, body: s.SubmitIn, principal: Candidate, request: Request, db: DbDep) -> s.VerificationOut:
    assert principal.user_id is not None
    state = request.app.state

    def enqueue(verification_id: uuid.UUID) -> None:
        get_queue(state.settings, state.redis).enqueue("api.verification.jobs.grade_challenge", str(verification_id),
                                                       job_timeout=int(state.settings.verification_sandbox_wall_seconds) + 60)

    return service.submit(db, state.redis, state.settings, principal.user_id, vid, body, enqueue)


@router.get(f"{BASE}/queue", response_model=s.QueuePage,
            summary="Verifications waiting for a human decision, oldest first (verifiers and admins, with 2FA)",
            responses={403: {"description": "Not a verifier"}})
def queue(principal: Reviewer, request: Request, db: DbDep, limit: Limit = 50, cursor: Cursor = None) -> s.QueuePage:
    _reviewer(db, request, principal)
    return service.queue(db, request.app.state.settings, limit, cursor)


@router.post(f"{BASE}/{{vid}}/review", response_model=s.VerificationOut,
             summary="Pass or fail a verification waiting for review (verifiers and admins, with 2FA)",
             responses={403: {"description": "Not a verifier, or own verification"},
                        409: {"description": "Not waiting for review"}})
def review(vid: uuid.UUID, body: s.ReviewIn, principal: Reviewer, request: Request, db: DbDep) -> s.VerificationOut:
    reviewer = _reviewer(db, request, principal)
    state = request.app.state
    return service.review(db, state.redis, state.settings, reviewer, vid, body)


@router.get(f"{BASE}/{{vid}}/evidence", summary="Download the evidence file (verifiers and admins, with 2FA)",
            response_class=Response, responses={200: {"content": {"application/octet-stream": {}}},
                                                 403: {"description": "Not a verifier"}})
def download(vid: uuid.UUID, principal: Reviewer, request: Request, db: DbDep) -> Response:
    _reviewer(db, request, principal)
    data, content_type = service.evidence_file(db, storage_for(request.app.state.settings), vid)
    # attachment + nosniff: an uploaded file is never rendered as a page of ours.
    return Response(data, media_type=content_type, headers={"Content-Disposition": "attachment",
                                                            "X-Content-Type-Options": "nosniff"})


@router.get(f"{BASE}/{{vid}}", response_model=s.VerificationOut, summary="One of my verifications",
            responses={404: {"description": "Not my verification"}})
def get(vid: uuid.UUID, principal: Candidate, request: Request, db: DbDep) -> s.VerificationOut:
    assert principal.user_id is not None
    return service.get(db, request.app.state.settings, principal.user_id, vid)
