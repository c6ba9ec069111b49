"""Feature flags: the effective state per area, and the overrides admins set (audited)."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from api.audit import service as audit
from api.features.models import FeatureOverride
from api.kit.client import ClientContext
from api.kit.features import AREAS, FEATURES, enabled_for, globally_enabled
from api.kit.problems import Problem
from api.identity.models import User
from api.orgs.models import Organization, OrgMember


class OverrideStore:
    """The overrides table, read whole (it is small) and reused for ``ttl`` seconds by this process.

    Implements ``api.kit.features.FeatureOverrides``; writes through :func:`set_override` call
    :meth:`invalidate` so this process sees them at once (other processes within ``ttl``)."""

    def __init__(self, engine: Engine, ttl: float) -> None:
        self._engine, self._ttl = engine, ttl
        self._lock = threading.Lock()
        self._loaded_at = float("-inf")
        self._rows: dict[str, dict[tuple[str, uuid.UUID], bool]] = {}

    def invalidate(self) -> None:
        self._loaded_at = float("-inf")

    def _snapshot(self) -> dict[str, dict[tuple[str, uuid.UUID], bool]]:
        if time.monotonic() - self._loaded_at < self._ttl:
            return self._rows
        with self._lock:
            with Session(self._engine) as db:
                rows: dict[str, dict[tuple[str, uuid.UUID], bool]] = {}
                for o in db.execute(select(FeatureOverride.flag, FeatureOverride.subject_kind,
                                           FeatureOverride.subject_id, FeatureOverride.enabled)):
                    rows.setdefault(o.flag, {})[(o.subject_kind, o.subject_id)] = o.enabled
            self._rows, self._loaded_at = rows, time.monotonic()
        return rows

    def has_any(self, flag: str) -> bool:
        return bool(self._snapshot().get(flag))

    def resolve(self, flag: str, user_id: uuid.UUID) -> bool | None:
        entries = self._snapshot().get(flag, {})
        own = entries.get(("user", user_id))
        if own is not None:
            return own
        org_ids = [subject for (kind, subject) in entries if kind == "org"]
        if not org_ids:
            return None
        with Session(self._engine) as db:
            member_of = set(db.scalars(select(OrgMember.org_id).where(OrgMember.user_id == user_id,
                                                                       OrgMember.org_id.in_(org_ids))))
        states = [entries[("org", org_id)] for org_id in member_of]
        return any(states) if states else None


def my_features(settings: Any, store: OverrideStore | None, user_id: uuid.UUID) -> dict[str, bool]:
    return {area: enabled_for(settings, store, flag, user_id) for area, flag in FEATURES.items()}


def flag_or_404(area: str) -> str:
    flag = FEATURES.get(area)
    if flag is None:
        raise Problem(404, f"no product area {area!r}; known areas: {', '.join(FEATURES)}", type_="not-found")
    return flag


def list_flags(db: Session, settings: Any) -> list[dict[str, Any]]:
    overrides: dict[str, list[FeatureOverride]] = {}
    for row in db.scalars(select(FeatureOverride).order_by(FeatureOverride.flag, FeatureOverride.updated_at)):
        overrides.setdefault(row.flag, []).append(row)
    return [{"area": area, "flag": flag, "enabled": globally_enabled(settings, flag),
             "overrides": overrides.get(flag, [])} for area, flag in FEATURES.items()]


def set_override(db: Session, store: OverrideStore | None, client: ClientContext, actor: uuid.UUID, area: str,
                 subject_kind: str, subject_id: uuid.UUID, enabled: bool, reason: str | None) -> FeatureOverride:
    flag = flag_or_404(area)
    if db.get(Organization if subject_kind == "org" else User, subject_id) is None:
        raise Problem(404, f"no {'organization' if subject_kind == 'org' else 'user'} {subject_id}", type_="not-found")
    row = db.scalar(select(FeatureOverride).where(FeatureOverride.flag == flag,
                                                  FeatureOverride.subject_kind == subject_kind,
                                                  FeatureOverride.subject_id == subject_id).with_for_update())
    if row is None:
        row = FeatureOverride(flag=flag, subject_kind=subject_kind, subject_id=subject_id, enabled=enabled)
        db.add(row)
    row.enabled, row.reason, row.set_by = enabled, reason, actor
    audit.record(db, client, "feature.override_set", actor_user_id=actor, target=f"{subject_kind}:{subject_id}",
                 details={"area": AREAS[flag], "enabled": enabled, "reason": reason})
    db.commit()
    if store is not None:
        store.invalidate()
    return row


def clear_override(db: Session, store: OverrideStore | None, client: ClientContext, actor: uuid.UUID, area: str,
                   subject_kind: str, subject_id: uuid.UUID) -> None:
    flag = flag_or_404(area)
    gone = db.execute(delete(FeatureOverride).where(FeatureOverride.flag == flag,
                                                    FeatureOverride.subject_kind == subject_kind,
                                                    FeatureOverride.subject_id == subject_id))
    if not gone.rowcount:  # type: ignore[attr-defined]
        raise Problem(404, f"no override of {area} for {subject_kind} {subject_id}", type_="not-found")
    audit.record(db, client, "feature.override_cleared", actor_user_id=actor, target=f"{subject_kind}:{subject_id}",
                 details={"area": area})
    db.commit()
    if store is not None:
        store.invalidate()
