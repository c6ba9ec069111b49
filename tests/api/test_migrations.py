"""The SQLAlchemy models and the Alembic migrations describe the same schema (api and indexer)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

import api.attestations.models  # noqa: F401
import api.chainfeed.models  # noqa: F401
import api.dashboard.models  # noqa: F401
import api.community.models  # noqa: F401
import api.audit.models  # noqa: F401
import api.engagements.models  # noqa: F401
import api.escrow_service.models  # noqa: F401
import api.features.models  # noqa: F401
import api.identity.models  # noqa: F401
import api.integrations.models  # noqa: F401
import api.kit.idempotency  # noqa: F401
import api.kit.outbox  # noqa: F401
import api.messages.models  # noqa: F401
import api.notifications.models  # noqa: F401
import api.orgs.models  # noqa: F401
import api.privacy.models  # noqa: F401
import api.profiles.models  # noqa: F401
import api.reputation.models  # noqa: F401
import api.projects.models  # noqa: F401
import api.rewards.models  # noqa: F401
import api.proposals.models  # noqa: F401
import api.skills.models  # noqa: F401
import api.verification.models  # noqa: F401
import api.kit.txonce  # noqa: F401
import api.kit.versions  # noqa: F401
import api.sustainability.models  # noqa: F401
import api.support.models  # noqa: F401
from api.kit.db import metadata as api_metadata
from indexer.models import metadata as indexer_metadata


def test_models_match_migrations(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"target_metadata": [api_metadata, indexer_metadata]})
        diff = compare_metadata(context, [api_metadata, indexer_metadata])  # type: ignore[arg-type]
    # alembic_version is Alembic's own bookkeeping, in no model.
    relevant = [d for d in diff if not (d[0] == "remove_table" and d[1].name == "alembic_version")]
    assert relevant == []
