"""Read models of the attestation projection: indexed EAS attestations of Lancer's schemas."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from indexer.read_models.base import _Model


class IndexedAttestation(_Model):
    chain_id: int
    uid: str
    schema_uid: str
    attester: str
    recipient: str
    ref_uid: str
    time: int
    expiration_time: int
    revocable: bool
    data: str
    decoded: dict[str, Any] | None
    revoked_at: datetime | None
    revoked_tx: str | None
    revocation_confirmed: bool | None
    tx_hash: str
    block_number: int
    log_index: int
    block_time: datetime
    confirmed: bool


def _attestation(r: Any) -> IndexedAttestation:
    return IndexedAttestation(
        chain_id=r.chain_id, uid=r.uid, schema_uid=r.schema, attester=r.attester, recipient=r.recipient,
        ref_uid=r.ref_uid, time=r.time, expiration_time=r.expiration_time, revocable=r.revocable, data=r.data,
        decoded=r.decoded, revoked_at=r.revoked_at, revoked_tx=r.revoked_tx,
        revocation_confirmed=None if r.revoked_block is None else r.revoked_block <= r.confirmed_block,
        tx_hash=r.tx_hash, block_number=r.block_number, log_index=r.log_index, block_time=r.block_time,
        confirmed=r.block_number <= r.confirmed_block)


def attestations(conn: Connection, *, recipient: str | None = None, schema: str | None = None,
                 attester: str | None = None, uid: str | None = None, confirmed_only: bool = False,
                 before: tuple[int, str] | None = None, limit: int = 50) -> list[IndexedAttestation]:
    """Indexed attestations, newest first by (time, uid); ``before`` is an exclusive keyset bound."""
    rows = conn.execute(text("""
        SELECT a.*, c.confirmed_block FROM attestations a JOIN chains c ON c.chain_id = a.chain_id
         WHERE (CAST(:r AS text) IS NULL OR a.recipient = :r) AND (CAST(:s AS text) IS NULL OR a.schema = :s)
           AND (CAST(:at AS text) IS NULL OR a.attester = :at) AND (CAST(:u AS text) IS NULL OR a.uid = :u)
           AND (NOT CAST(:conf AS boolean) OR a.block_number <= c.confirmed_block)
           AND (CAST(:bt AS bigint) IS NULL OR (a.time, a.uid) < (CAST(:bt AS bigint), CAST(:bu AS text)))
         ORDER BY a.time DESC, a.uid DESC, a.chain_id LIMIT :lim
    """), {"r": recipient, "s": schema.lower() if schema else None, "at": attester,
           "u": uid.lower() if uid else None, "conf": confirmed_only, "bt": before[0] if before else None,
           "bu": before[1] if before else None, "lim": max(1, min(limit, 1000))}).all()
    return [_attestation(r) for r in rows]
