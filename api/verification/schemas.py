"""Skill verification bodies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

Method = Literal["quiz", "code_challenge", "evidence", "github"]


class EvidenceIntentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    content_type: str = Field(min_length=3, max_length=100, description="MIME type of the file to upload")
    size: int = Field(ge=1, description="Exact size in bytes")


class StartIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    skill: str = Field(min_length=1, max_length=64, description="Skill slug (GET /v1/skills)")
    method: Method
    level: int | None = Field(None, ge=1, le=5, description="Level to verify for human-reviewed methods")
    evidence: EvidenceIntentIn | None = Field(None, description="Required for method=evidence: the upload intent")


class SubmitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answers: dict[str, int] | None = Field(None, description="quiz: question id -> index of the choice, as shown")
    code: str | None = Field(None, min_length=1, max_length=20_000, description="code_challenge: the solution")
    repository_url: HttpUrl | None = Field(None, max_length=300,
                                           description="code_challenge: a repository for a reviewer instead of code")
    note: str | None = Field(None, max_length=2000, description="evidence: what the file shows")
    oauth_code: str | None = Field(None, min_length=1, max_length=512,
                                   description="github: the code GitHub sent to the redirect page")
    oauth_state: str | None = Field(None, min_length=1, max_length=128, description="github: the state it sent back")


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: Literal["pass", "fail"]
    level: int | None = Field(None, ge=1, le=5, description="Level attested on pass (default: the one asked)")
    note: str = Field(min_length=1, max_length=2000)


class QuestionOut(BaseModel):
    id: str
    text: str
    choices: list[str]


class UploadIntentOut(BaseModel):
    url: str = Field(description="PUT the file's bytes here with the declared Content-Type")
    method: Literal["PUT"] = "PUT"
    content_type: str
    size: int
    max_bytes: int


class VerificationOut(BaseModel):
    id: uuid.UUID
    skill: str
    method: Method
    status: Literal["started", "grading", "in_review", "passed", "failed", "expired"]
    score: float | None
    level: int
    attempt: int
    created_at: datetime
    expires_at: datetime | None = Field(description="quiz: answers after this time are not graded")
    submitted_at: datetime | None
    decided_at: datetime | None
    attestation_uid: str | None = Field(description="verified_skill attestation issued on pass")
    questions: list[QuestionOut] | None = Field(None, description="quiz, while started")
    pass_mark: float | None = None
    challenge: dict[str, Any] | None = Field(None, description="code_challenge: prompt, function, example")
    upload: UploadIntentOut | None = Field(None, description="evidence: where to upload, while started")
    evidence_sha256: str | None = None
    result: dict[str, Any] | None = Field(None, description="code_challenge: outcome and cases passed")
    review_note: str | None = None
    authorize_url: str | None = Field(None, description="github: open this to grant read access")
    retry_after: datetime | None = Field(None, description="Earliest next attempt after a failure")


class QueueItem(BaseModel):
    verification: VerificationOut
    user_id: uuid.UUID
    evidence: dict[str, Any] | None = Field(description="What the reviewer checks (file, link, GitHub summary)")


class QueuePage(BaseModel):
    items: list[QueueItem]
    next_cursor: str | None
