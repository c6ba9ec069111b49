"""Skill verification: start an attempt, submit it, grade it (quiz now, code challenge in an rq job,
evidence and repository links by a reviewer), and on a pass issue the verified_skill attestation and
mark ``UserSkill.verified_status``."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from redis import Redis
from sqlalchemy import select, text
from sqlalchemy.orm import Session as Db
from sqlalchemy.orm import object_session

from api.attestations import service as attestations
from api.identity.models import Wallet
from api.kit import outbox
from api.kit.pagination import decode_cursor, encode_cursor
from api.kit.problems import Problem
from api.settings import ApiSettings
from api.skills.models import Skill, UserSkill
from api.skills.service import skill_by_slug
from api.verification import banks, github, sandbox
from api.verification import schemas as s
from api.verification.models import OPEN_STATUSES, SkillVerification
from api.verification.storage import Scanner, Storage

log = structlog.get_logger(__name__)
GRACE = timedelta(seconds=5)  # network latency between the last answer and the request arriving
HUMAN_LEVEL = 3  # level asked for by default in reviewed methods


def _now() -> datetime:
    return datetime.now(UTC)


def _cooldown(settings: ApiSettings, method: str) -> int:
    return {"quiz": settings.verification_quiz_cooldown_seconds,
            "code_challenge": settings.verification_challenge_cooldown_seconds}.get(method, 0)


def _retry_after(settings: ApiSettings, row: SkillVerification) -> datetime | None:
    wait = _cooldown(settings, row.method)
    if row.status not in ("failed", "expired") or not wait or row.decided_at is None:
        return None
    return row.decided_at + timedelta(seconds=wait)


def start(db: Db, settings: ApiSettings, user_id: uuid.UUID, body: s.StartIn) -> s.VerificationOut:
    skill = skill_by_slug(db, body.skill)
    lock = text("SELECT pg_advisory_xact_lock(hashtext(:k))")
    key = {"k": f"verify:{user_id}:{skill.id}:{body.method}"}
    # Two starts racing for one (user, skill, method) would both see no open attempt: serialise them.
    db.execute(lock, key)
    previous = list(db.scalars(select(SkillVerification).where(
        SkillVerification.user_id == user_id, SkillVerification.skill_id == skill.id,
        SkillVerification.method == body.method).order_by(SkillVerification.created_at.desc())))
    now = _now()
    abandoned = [p for p in previous if p.status == "started" and p.expires_at is not None and p.expires_at + GRACE < now]
    for p in abandoned:  # a timed attempt never submitted: expired when its time ran out (the cooldown counts from then)
        _decide(p, "expired", 0.0)
        p.decided_at = p.expires_at
    if abandoned:
        db.commit()  # kept even if this start is refused below
        db.execute(lock, key)
    if any(p.status in OPEN_STATUSES for p in previous):
        raise Problem(409, f"you have an open {body.method} verification of {body.skill!r}; finish it first",
                      type_="verification-open", id=str(next(p.id for p in previous if p.status in OPEN_STATUSES)))
    if any(p.status == "passed" for p in previous):
        raise Problem(409, f"{body.skill!r} is already verified by {body.method}", type_="already-verified")
    last = previous[0] if previous else None
    retry = _retry_after(settings, last) if last else None
    if retry is not None and retry > now:
        raise Problem(429, f"wait until {retry.isoformat()} before another {body.method} attempt",
                      type_="verification-cooldown", retry_after=retry.isoformat())
    row = SkillVerification(id=uuid.uuid4(), user_id=user_id, skill_id=skill.id, method=body.method, status="started",
                            attempt=len(previous) + 1, level=body.level or HUMAN_LEVEL, details={})
    if body.method == "quiz":
        bank = banks.quiz_for(skill.slug)
        row.level = int(bank["level"])
        row.details = {"questions": banks.draw_quiz(bank)}
        row.expires_at = now + timedelta(seconds=int(bank["time_limit_seconds"]))
    elif body.method == "code_challenge":
        task = banks.challenge_for(skill.slug)
        row.level, row.details = body.level or int(task["level"]), {"challenge": task["id"]}
    elif body.method == "evidence":
        if body.evidence is None:
            raise Problem(422, "method evidence needs {evidence: {content_type, size}}", type_="upload-intent-missing")
        _check_intent(settings, body.evidence.content_type, body.evidence.size)
        row.details = {"upload": {"content_type": body.evidence.content_type, "size": body.evidence.size}}
    else:  # github: the user grants read access, the web app posts the code back to submit
        url, kept = github.begin(settings)
        row.details = {"oauth": kept, "authorize_url": url}
    db.add(row)
    db.commit()
    return out(db, settings, row)


def _check_intent(settings: ApiSettings, content_type: str, size: int) -> None:
    if content_type not in settings.verification_evidence_types:
        raise Problem(415, f"evidence must be one of: {', '.join(settings.verification_evidence_types)}",
                      type_="evidence-type")
    if size > settings.verification_evidence_max_bytes:
        raise Problem(413, f"evidence is at most {settings.verification_evidence_max_bytes} bytes",
                      type_="evidence-too-large")


def mine(db: Db, user_id: uuid.UUID, vid: uuid.UUID, *, lock: bool = False) -> SkillVerification:
    q = select(SkillVerification).where(SkillVerification.id == vid, SkillVerification.user_id == user_id)
    row = db.scalar(q.with_for_update() if lock else q)
    if row is None:  # someone else's attempt is as unknown as a missing one
        raise Problem(404, "no such verification of yours", type_="not-found")
    return row


def upload(db: Db, settings: ApiSettings, storage: Storage, scanner: Scanner, user_id: uuid.UUID,
           vid: uuid.UUID, content_type: str, data: bytes) -> s.VerificationOut:
    row = mine(db, user_id, vid, lock=True)
    if row.method != "evidence" or row.status != "started":
        raise Problem(409, "this verification takes no upload now", type_="verification-state")
    intent = row.details["upload"]
    if content_type != intent["content_type"]:
        raise Problem(415, f"declared Content-Type was {intent['content_type']}", type_="evidence-type")
    if len(data) != intent["size"]:
        raise Problem(422, f"declared size was {intent['size']} bytes, got {len(data)}", type_="evidence-size")
    if not scanner.clean(data):
        raise Problem(422, "the file was refused by the malware scan", type_="evidence-refused")
    row.evidence_sha256 = storage.put(data)
    row.evidence_type, row.evidence_size = content_type, len(data)
    db.commit()
    return out(db, settings, row)


def submit(db: Db, redis: Redis, settings: ApiSettings, user_id: uuid.UUID, vid: uuid.UUID,
           body: s.SubmitIn, enqueue: Any) -> s.VerificationOut:
    row = mine(db, user_id, vid, lock=True)
    if row.status != "started":
        raise Problem(409, f"this verification is {row.status}, not open for answers", type_="verification-state")
    now = _now()
    row.submitted_at = now
    skill = db.get(Skill, row.skill_id)
    assert skill is not None
    if row.method == "quiz":
        if body.answers is None:
            raise Problem(422, "a quiz submission needs answers", type_="answers-missing")
        assert row.expires_at is not None
        if now > row.expires_at + GRACE:
            _decide(row, "expired", 0.0)
        else:
            bank = banks.quiz_for(skill.slug)
            score = banks.grade_quiz(bank, row.details["questions"], body.answers)
            if score >= float(bank["pass_mark"]):
                return _pass(db, redis, settings, row, score, None)
            _decide(row, "failed", score)
    elif row.method == "code_challenge":
        if (body.code is None) == (body.repository_url is None):
            raise Problem(422, "send either code or repository_url", type_="submission-invalid")
        if body.repository_url is not None:
            row.details = {**row.details, "repository_url": str(body.repository_url)}
            row.status = "in_review"
        else:
            row.details = {**row.details, "code": body.code}
            row.status = "grading"
            db.commit()
            enqueue(row.id)
            return out(db, settings, row)
    elif row.method == "github":
        if body.oauth_code is None or body.oauth_state is None:
            raise Problem(422, "a GitHub submission needs oauth_code and oauth_state", type_="submission-invalid")
        evidence = github.finish(settings, row.details["oauth"], body.oauth_code, body.oauth_state)
        evidence["matching_repos"] = github.matching_repos(skill.slug, evidence)
        _github_account_free(db, row, evidence)
        row.details = {"github": evidence}  # the OAuth state and verifier are spent
        row.status = "in_review"
    else:  # evidence
        if row.evidence_sha256 is None:
            raise Problem(409, "upload the file first (PUT the upload url)", type_="evidence-missing")
        row.details = {**row.details, "note": body.note}
        row.status = "in_review"
    db.commit()
    return out(db, settings, row)


def _github_account_free(db: Db, row: SkillVerification, evidence: dict[str, Any]) -> None:
    """One GitHub account proves skills for one Lancer user only."""
    taken = db.scalar(select(SkillVerification.id).where(
        SkillVerification.method == "github", SkillVerification.user_id != row.user_id,
        SkillVerification.status.in_(("in_review", "passed")),
        SkillVerification.details["github"]["id"].astext == str(evidence["id"])).limit(1))
    if taken is not None:
        raise Problem(409, "this GitHub account already backs another user's verification",
                      type_="github-account-used")


def grade_challenge(db: Db, redis: Redis, settings: ApiSettings, vid: uuid.UUID) -> str:
    """The rq job's body: run the hidden cases in the sandbox; idempotent (a graded row is left alone)."""
    row = db.scalar(select(SkillVerification).where(SkillVerification.id == vid).with_for_update())
    if row is None or row.status != "grading":
        return "skipped"
    skill = db.get(Skill, row.skill_id)
    assert skill is not None
    task = banks.challenge_for(skill.slug)
    cases = [sandbox.Case(c["args"], c["expected"]) for c in task["hidden"]]
    limits = sandbox.Limits(settings.verification_sandbox_cpu_seconds,
                            settings.verification_sandbox_memory_mb * 1024 * 1024,
                            settings.verification_sandbox_wall_seconds)
    result = sandbox.run(str(row.details.get("code", "")), task["function"], cases, limits)
    details = {k: v for k, v in row.details.items() if k != "code"}  # the code is not kept once graded
    details["result"] = {"outcome": result.outcome, "passed_cases": result.passed_cases,
                         "total_cases": result.total_cases}
    row.details = details
    score = result.passed_cases / result.total_cases if result.total_cases else 0.0
    if result.passed:
        _pass(db, redis, settings, row, score, None)
    else:
        _decide(row, "failed", score)
        db.commit()
    return result.outcome


def _decide(row: SkillVerification, status: str, score: float | None) -> None:
    row.status, row.score, row.decided_at = status, score, _now()
    # In the same transaction as the decision (api.kit.outbox): webhooks and notifications read it there.
    outbox.record(object_session(row), "skill_verification.decided", f"skill_verification:{row.id}",  # type: ignore[arg-type]
                  {"status": status, "method": row.method, "skill_id": row.skill_id}, audience=[row.user_id])


def _pass(db: Db, redis: Redis, settings: ApiSettings, row: SkillVerification, score: float | None,
          reviewer: uuid.UUID | None) -> s.VerificationOut:
    _decide(row, "passed", score)
    skill = db.get(Skill, row.skill_id)
    assert skill is not None
    claim = db.get(UserSkill, (row.user_id, row.skill_id))
    if claim is None:
        claim = UserSkill(user_id=row.user_id, skill_id=row.skill_id, level=row.level, years=0)
        db.add(claim)
    claim.verified_status = "verified"
    db.commit()
    wallet = db.scalar(select(Wallet.address).where(Wallet.user_id == row.user_id).order_by(Wallet.linked_at))
    if wallet is not None:
        try:
            issued = attestations.issue_verified_skill(
                db, redis, settings, recipient=wallet, skill=skill.slug, level=row.level,
                evidence=f"lancer-verification:{row.id}:{row.method}", created_by=reviewer,
                details={"verification_id": str(row.id), "method": row.method})
            row.attestation_uid = issued.uid
            db.commit()
        except Problem as exc:
            # No EAS configured: the pass stands (verified_status), the attestation can be issued later.
            log.warning("verification.attestation_skipped", verification=str(row.id), problem=exc.type_)
    return out(db, settings, row)


def get(db: Db, settings: ApiSettings, user_id: uuid.UUID, vid: uuid.UUID) -> s.VerificationOut:
    return out(db, settings, mine(db, user_id, vid))


def queue(db: Db, settings: ApiSettings, limit: int, cursor: str | None) -> s.QueuePage:
    q = select(SkillVerification).where(SkillVerification.status == "in_review")
    key = decode_cursor(cursor, (str, str))
    if key is not None:
        at, vid = datetime.fromisoformat(key[0]), uuid.UUID(key[1])
        q = q.where((SkillVerification.submitted_at > at) |
                    ((SkillVerification.submitted_at == at) & (SkillVerification.id > vid)))
    rows = list(db.scalars(q.order_by(SkillVerification.submitted_at, SkillVerification.id).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    items = [s.QueueItem(verification=out(db, settings, r), user_id=r.user_id, evidence=_evidence(r)) for r in rows]
    nxt = encode_cursor([rows[-1].submitted_at.isoformat(), str(rows[-1].id)]) if more and rows and \
        rows[-1].submitted_at else None
    return s.QueuePage(items=items, next_cursor=nxt)


def _evidence(row: SkillVerification) -> dict[str, Any]:
    if row.method == "evidence":
        return {"sha256": row.evidence_sha256, "content_type": row.evidence_type, "size": row.evidence_size,
                "note": row.details.get("note"), "download": f"/v1/skills/verification/{row.id}/evidence"}
    return {k: row.details[k] for k in ("repository_url", "github") if k in row.details}


def review(db: Db, redis: Redis, settings: ApiSettings, reviewer: uuid.UUID, vid: uuid.UUID,
           body: s.ReviewIn) -> s.VerificationOut:
    row = db.scalar(select(SkillVerification).where(SkillVerification.id == vid).with_for_update())
    if row is None:
        raise Problem(404, "no such verification", type_="not-found")
    if row.user_id == reviewer:
        raise Problem(403, "reviewers cannot decide their own verification", type_="own-verification")
    if row.status != "in_review":
        raise Problem(409, f"this verification is {row.status}, not waiting for review", type_="verification-state")
    row.reviewer_id, row.review_note = reviewer, body.note
    if body.decision == "pass":
        row.level = body.level or row.level
        return _pass(db, redis, settings, row, None, reviewer)
    _decide(row, "failed", None)
    db.commit()
    return out(db, settings, row)


def evidence_file(db: Db, storage: Storage, vid: uuid.UUID) -> tuple[bytes, str]:
    row = db.get(SkillVerification, vid)
    if row is None or row.evidence_sha256 is None:
        raise Problem(404, "no evidence file for this verification", type_="not-found")
    data = storage.get(row.evidence_sha256)
    if data is None:
        raise Problem(404, "the evidence file is missing from storage", type_="not-found")
    return data, row.evidence_type or "application/octet-stream"


def out(db: Db, settings: ApiSettings, row: SkillVerification) -> s.VerificationOut:
    skill = db.get(Skill, row.skill_id)
    assert skill is not None
    open_ = row.status == "started"
    extra: dict[str, Any] = {}
    if row.method == "quiz" and open_:
        extra["questions"] = row.details.get("questions")
        extra["pass_mark"] = float(banks.quiz_for(skill.slug)["pass_mark"])
    if row.method == "code_challenge":
        task = banks.challenge_for(skill.slug)
        extra["challenge"] = {k: task[k] for k in ("id", "language", "function", "prompt", "example")}
        extra["result"] = row.details.get("result")
    if row.method == "evidence" and open_:
        intent = row.details["upload"]
        extra["upload"] = s.UploadIntentOut(url=f"/v1/skills/verification/{row.id}/evidence",
                                            content_type=intent["content_type"], size=intent["size"],
                                            max_bytes=settings.verification_evidence_max_bytes)
    if row.method == "github" and open_:
        extra["authorize_url"] = row.details.get("authorize_url")
    return s.VerificationOut(
        id=row.id, skill=skill.slug, method=row.method, status=row.status, score=row.score,  # type: ignore[arg-type]
        level=row.level, attempt=row.attempt, created_at=row.created_at, expires_at=row.expires_at,
        submitted_at=row.submitted_at, decided_at=row.decided_at, attestation_uid=row.attestation_uid,
        evidence_sha256=row.evidence_sha256, review_note=row.review_note,
        retry_after=_retry_after(settings, row), **extra)
