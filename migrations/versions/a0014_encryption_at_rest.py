"""Encryption at rest beyond TOTP: audit IPs, skill evidence, attestation details (review texts, evidence).

- ``audit_events.ip`` and ``user_skills.evidence_url`` become ``text`` (a sealed value is longer than the
  plaintext); ``offchain_attestations.details`` stays JSONB and holds ``{"$enc": ...}``.
- The audit log's trigger gains a second privileged path: in a transaction that set
  ``lancer.audit_reencrypt = 'on'`` (only ``lancer keys reencrypt`` and this migration do), an UPDATE may
  replace the stored IP by another non-null value and change nothing else.
- Existing plaintext rows are encrypted here, with ``DATA_ENCRYPTION_KEYS``/``DATA_ACTIVE_KID`` from the
  environment (the same values the API will run with). A database with rows to encrypt and no key set
  stops the migration with one line saying so; an empty one needs no key.

Revision ID: a0014_encryption_at_rest
Revises: a0013_feature_flags
Create Date: 2026-11-30
"""
from __future__ import annotations

import os
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a0014_encryption_at_rest"
down_revision: str | Sequence[str] | None = "a0013_feature_flags"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGGER = """
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.occurred_at = OLD.occurred_at
       AND NEW.actor_user_id IS NOT DISTINCT FROM OLD.actor_user_id AND NEW.actor = OLD.actor
       AND NEW.action = OLD.action AND NEW.result = OLD.result
       AND NEW.request_id IS NOT DISTINCT FROM OLD.request_id THEN
        IF current_setting('lancer.audit_pseudonymise', true) = 'on'
           AND NEW.ip IS NULL AND NEW.user_agent IS NULL THEN
            RETURN NEW;
        END IF;
        IF current_setting('lancer.audit_reencrypt', true) = 'on'
           AND OLD.ip IS NOT NULL AND NEW.ip IS NOT NULL
           AND NEW.user_agent IS NOT DISTINCT FROM OLD.user_agent
           AND NEW.target IS NOT DISTINCT FROM OLD.target AND NEW.details = OLD.details
           AND NEW.pseudonymised_at IS NOT DISTINCT FROM OLD.pseudonymised_at THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""

# a0006's function, restored on downgrade.
PSEUDONYMISING_TRIGGER = """
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND current_setting('lancer.audit_pseudonymise', true) = 'on'
       AND NEW.id = OLD.id AND NEW.occurred_at = OLD.occurred_at
       AND NEW.actor_user_id IS NOT DISTINCT FROM OLD.actor_user_id AND NEW.actor = OLD.actor
       AND NEW.action = OLD.action AND NEW.result = OLD.result
       AND NEW.request_id IS NOT DISTINCT FROM OLD.request_id
       AND NEW.ip IS NULL AND NEW.user_agent IS NULL THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def _encrypt_existing_rows() -> None:
    from api.attestations.models import ATTESTATION_ENCRYPTION
    from api.audit.models import AUDIT_ENCRYPTION
    from api.kit.crypto import KeyRing
    from api.kit.encrypted import Counts, pending_rows, reencrypt_batch
    from api.settings import aes_key_ring
    from indexer.core.errors import ConfigError

    conn = op.get_bind()
    from api.skills.models import SKILL_ENCRYPTION

    columns = [(AUDIT_ENCRYPTION, "ip"), (SKILL_ENCRYPTION, "evidence_url"), (ATTESTATION_ENCRYPTION, "details")]
    # Before this revision nothing is sealed: every non-null value counts ("*" is no valid key id).
    if not any(pending_rows(conn, spec, column, "*") for spec, column in columns):
        return
    raw = os.environ.get("DATA_ENCRYPTION_KEYS", "")
    if not raw:
        raise ConfigError("migration a0014_encryption_at_rest encrypts existing rows: set DATA_ENCRYPTION_KEYS "
                          "(and DATA_ACTIVE_KID) to the values the API runs with, then migrate again")
    keys = aes_key_ring(raw, "DATA_ENCRYPTION_KEYS")
    active = os.environ.get("DATA_ACTIVE_KID") or sorted(keys)[-1]
    if active not in keys:
        raise ConfigError("DATA_ACTIVE_KID names no key in DATA_ENCRYPTION_KEYS")
    ring = KeyRing(keys, active, name="DATA_ENCRYPTION_KEYS")
    conn.execute(sa.text("SET LOCAL lancer.audit_reencrypt = 'on'"))
    for spec, column in columns:
        counts, after = Counts(f"{spec.table}.{column}"), None
        while True:
            after = reencrypt_batch(conn, spec, column, ring, after, 1000, counts)
            if after is None:
                break
    conn.execute(sa.text("SET LOCAL lancer.audit_reencrypt = 'off'"))


def upgrade() -> None:
    op.execute(TRIGGER)
    op.alter_column("audit_events", "ip", type_=sa.Text(), existing_type=sa.String(64), existing_nullable=True)
    op.alter_column("user_skills", "evidence_url", type_=sa.Text(), existing_type=sa.String(500),
                    existing_nullable=True)
    _encrypt_existing_rows()


def downgrade() -> None:
    # Only the trigger goes back. The columns stay text and the values stay encrypted: a downgrade never
    # writes personal data back in clear, and a sealed value does not fit the old length limits.
    op.execute(PSEUDONYMISING_TRIGGER)
