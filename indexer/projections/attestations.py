"""Attestation projection: one row per EAS attestation of Lancer's schemas, its revocation folded in.

``Attested`` events carry the attestation's fields in ``args.attestation`` (added by the reader, see
``indexer.sources.eas``); ``Revoked`` sets ``revoked_*``. A reorg deletes the attestations above the
ancestor and un-revokes those whose revocation was above it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, and_, delete, update
from sqlalchemy.dialects.postgresql import insert

from indexer import models
from indexer.decode import DecodedEvent
from contracts.eas.lancer_schemas import by_uid
from contracts.eas.schemas import SchemaError, exact_json

CONTRACT = "EAS"


def decode(schema_uid: str, data_hex: str) -> dict[str, Any] | None:
    schema = by_uid(schema_uid)
    if schema is None:
        return None
    try:
        return exact_json(schema.decode(bytes.fromhex(data_hex[2:])))  # type: ignore[no-any-return]
    except (SchemaError, ValueError):
        return None


def apply(conn: Connection, chain_id: int, events: Sequence[DecodedEvent]) -> None:
    rows, revocations = [], []
    for ev in events:
        if ev.contract != CONTRACT:
            continue
        if ev.event_name == "Attested" and "attestation" in ev.args:
            att = ev.args["attestation"]
            rows.append({
                "chain_id": chain_id, "uid": ev.args["uid"], "schema": ev.args["schemaUID"],
                "attester": ev.args["attester"], "recipient": ev.args["recipient"], "ref_uid": att["refUID"],
                "time": int(att["time"]), "expiration_time": int(att["expirationTime"]),
                "revocable": att["revocable"], "data": att["data"], "decoded": decode(ev.args["schemaUID"], att["data"]),
                "tx_hash": ev.tx_hash, "block_number": ev.block_number, "log_index": ev.log_index,
                "block_time": ev.block_time,
            })
        elif ev.event_name == "Revoked":
            revocations.append(ev)
    a = models.attestations
    if rows:
        conn.execute(insert(a).on_conflict_do_nothing(), rows)
    for ev in revocations:
        conn.execute(update(a).where(a.c.chain_id == chain_id, a.c.uid == ev.args["uid"]).values(
            revoked_at=ev.block_time, revoked_block=ev.block_number, revoked_tx=ev.tx_hash))


def rollback(conn: Connection, chain_id: int, ancestor: int) -> None:
    a = models.attestations
    conn.execute(delete(a).where(a.c.chain_id == chain_id, a.c.block_number > ancestor))
    conn.execute(update(a).where(and_(a.c.chain_id == chain_id, a.c.revoked_block > ancestor)).values(
        revoked_at=None, revoked_block=None, revoked_tx=None))


def clear(conn: Connection, chain_id: int) -> None:
    conn.execute(delete(models.attestations).where(models.attestations.c.chain_id == chain_id))
