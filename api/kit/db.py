"""SQLAlchemy declarative base shared by every api domain (identity, audit, privacy, ...).

One MetaData with a naming convention, so constraint names are stable across migrations.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Session

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Base(DeclarativeBase):
    metadata = metadata
    type_annotation_map = {datetime: DateTime(timezone=True)}


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> uuid.UUID:
    return uuid.uuid4()


def commit_unique(db: Session, conflict: Exception, *, flush_only: bool = False) -> None:
    """Commit (or only flush, to go on in the same transaction); a unique-constraint violation rolls back and
    raises ``conflict`` (a 409 problem) instead."""
    try:
        if flush_only:
            db.flush()
        else:
            db.commit()
    except IntegrityError:
        db.rollback()
        raise conflict from None
