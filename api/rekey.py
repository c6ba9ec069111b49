"""Key rotation for everything encrypted at rest: ``lancer keys reencrypt``.

Rotating a key: add the new key to the ring (``DATA_ENCRYPTION_KEYS`` / ``TOTP_ENCRYPTION_KEYS``), make it
active (``DATA_ACTIVE_KID`` / ``TOTP_ACTIVE_KID``) and deploy, so new writes use it; then run this, which
re-encrypts every value still under another key (and encrypts any plaintext left from before encryption
at rest). Each batch is its own transaction: an interrupted run loses nothing and the next run goes on
where it stopped (values already under the active key are never touched). When it reports nothing left,
the old key can be removed from the ring.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, text

from api.attestations.models import ATTESTATION_ENCRYPTION
from api.audit.models import AUDIT_ENCRYPTION
from api.identity import rekey as totp_rekey
from api.kit.crypto import DecryptionError, KeyRing
from api.kit.encrypted import Counts, EncryptedTable, pending_rows, reencrypt_batch
from api.skills.models import SKILL_ENCRYPTION

# Every encrypted column, besides the TOTP seeds: (spec, column).
DATA_COLUMNS: tuple[tuple[EncryptedTable, str], ...] = (
    (AUDIT_ENCRYPTION, "ip"),
    (SKILL_ENCRYPTION, "evidence_url"),
    (ATTESTATION_ENCRYPTION, "details"),
)

Progress = Callable[[str, int, int], None]  # column, rows done in this batch, rows pending at the start


@dataclass(frozen=True)
class Column:
    name: str
    pending: int
    run: Callable[[Any, Any, int, Counts], Any]  # (connection, after, batch, counts) -> next after


def _privileged(connection: Any) -> None:
    # The audit log's trigger lets only this path change a stored IP, and only its ciphertext.
    connection.execute(text("SET LOCAL lancer.audit_reencrypt = 'on'"))


def columns(engine: Engine, data_ring: KeyRing, totp_ring: KeyRing) -> list[Column]:
    """Every encrypted column with the number of its values not under the active key."""
    out = []
    with engine.connect() as conn:
        for spec, column in DATA_COLUMNS:
            out.append(Column(f"{spec.table}.{column}", pending_rows(conn, spec, column, data_ring.active_kid),
                              lambda c, after, batch, counts, spec=spec, column=column:
                              reencrypt_batch(c, spec, column, data_ring, after, batch, counts)))
        out.append(Column(totp_rekey.COLUMN, totp_rekey.pending(conn, totp_ring),
                          lambda c, after, batch, counts: totp_rekey.reencrypt_batch(c, totp_ring, after, batch, counts)))
    return out


def reencrypt(engine: Engine, data_ring: KeyRing, totp_ring: KeyRing, *, batch: int = 500,
              progress: Progress | None = None) -> list[Counts]:
    """Re-encrypt every encrypted column under its ring's active key, ``batch`` rows per transaction."""
    results = []
    for column in columns(engine, data_ring, totp_ring):
        counts = Counts(column.name, pending=column.pending)
        after: Any = None
        while column.pending:
            before = counts.reencrypted + counts.encrypted + counts.skipped
            try:
                with engine.begin() as conn:
                    _privileged(conn)
                    after = column.run(conn, after, batch, counts)
            except DecryptionError as exc:
                raise DecryptionError(f"{column.name}: {exc}") from None
            if progress is not None:
                progress(column.name, counts.reencrypted + counts.encrypted + counts.skipped - before, column.pending)
            if after is None:
                break
        results.append(counts)
    return results


def remaining(engine: Engine, data_ring: KeyRing, totp_ring: KeyRing) -> int:
    """Values still not under the active keys (0 after a complete run: old keys can go)."""
    return sum(c.pending for c in columns(engine, data_ring, totp_ring))
