"""Encrypted columns of ORM models: sealed on write, opened on load, with the data key ring of the engine.

A model declares its encrypted columns once, next to its table::

    encrypted_columns(AuditEvent, row_key=lambda row: str(row.id), text=["ip"])

Writes through the ORM store ``enc1:<kid>:...`` (``api.kit.crypto``) with associated data
``<table>.<column>:<row key>``; loads decrypt, so services and schemas see plaintext. The key ring is an
execution option of the engine (``attach_key_ring``): each process wires its own (API, worker,
scheduler, commands), and an engine without one fails with a clear ``DecryptionError``.
Core statements (``update(...)``, raw SQL) see the stored ciphertext: ``api.rekey`` re-encrypts that way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, event, func, inspect, literal, not_, select, tuple_, update
from sqlalchemy.orm import attributes

from api.kit.crypto import JSON_ENVELOPE, SEALED_PREFIX, DecryptionError, KeyRing, is_sealed, is_sealed_json

OPTION = "lancer_data_keyring"


@dataclass(frozen=True)
class EncryptedTable:
    """What ``api.rekey`` needs to re-encrypt a table's columns: the model, its primary-key columns, the
    row key (associated data) and which columns are text or JSON."""

    model: type
    row_key: Callable[[Any], str]
    text: tuple[str, ...] = ()
    json: tuple[str, ...] = ()
    assign_id: Callable[[Any, Any], None] | None = field(default=None, compare=False)

    @property
    def table(self) -> str:
        return str(self.model.__tablename__)  # type: ignore[attr-defined]

    def aad(self, column: str, row: Any) -> str:
        return f"{self.table}.{column}:{self.row_key(row)}"

    def seal(self, ring: KeyRing, column: str, row: Any, value: Any) -> Any:
        if value is None:
            return None
        if column in self.json:
            return ring.seal_json(value, self.aad(column, row))
        return ring.seal(str(value), self.aad(column, row))

    def open(self, ring: KeyRing, column: str, row: Any, stored: Any) -> Any:
        if stored is None:
            return None
        where = f"{self.table}.{column} of row {self.row_key(row)}"
        try:
            if column in self.json:
                return ring.open_json(stored, self.aad(column, row))
            return ring.open(stored, self.aad(column, row))
        except DecryptionError as exc:
            raise DecryptionError(f"{where}: {exc}") from None


REGISTRY: list[EncryptedTable] = []


def attach_key_ring(engine: Engine, ring: KeyRing) -> Engine:
    """Make ``ring`` the data key ring of every ORM session on ``engine`` (in place; returns it)."""
    engine.update_execution_options(**{OPTION: ring})
    return engine


def key_ring_of(bind: Any) -> KeyRing:
    ring = bind.get_execution_options().get(OPTION) if bind is not None else None
    if ring is None:
        raise DecryptionError("no data key ring on this database engine (DATA_ENCRYPTION_KEYS; "
                              "api.kit.encrypted.attach_key_ring)")
    return ring  # type: ignore[no-any-return]


def encrypted_columns(model: type, *, row_key: Callable[[Any], str], text: Sequence[str] = (),
                      json: Sequence[str] = (), assign_id: Callable[[Any, Any], None] | None = None) -> EncryptedTable:
    """Declare ``model``'s encrypted columns. ``assign_id(connection, row)`` sets a database-generated key
    before the insert when the row key needs it (the associated data must name the row)."""
    spec = EncryptedTable(model, row_key, tuple(text), tuple(json), assign_id)
    REGISTRY.append(spec)
    columns = spec.text + spec.json

    def seal(connection: Any, row: Any, changed_only: bool) -> None:
        state = inspect(row)
        plain: dict[str, Any] = {}
        for column in columns:
            if changed_only and not state.attrs[column].history.has_changes():
                continue
            value = getattr(row, column)
            if value is None or is_sealed(value) or is_sealed_json(value):
                continue
            plain[column] = value
        if not plain:
            return
        ring = key_ring_of(connection)
        for column, value in plain.items():
            setattr(row, column, spec.seal(ring, column, row, value))
        row.__dict__["_lancer_plaintext"] = plain

    def restore(row: Any) -> None:
        for column, value in row.__dict__.pop("_lancer_plaintext", {}).items():
            attributes.set_committed_value(row, column, value)

    def open_loaded(row: Any, session: Any, only: Any = None) -> None:
        wanted = [c for c in columns if (only is None or c in only) and c in row.__dict__]
        stored = [(c, row.__dict__[c]) for c in wanted if row.__dict__[c] is not None]
        if not stored:
            return
        ring = key_ring_of(session.get_bind() if session is not None else None)
        for column, value in stored:
            attributes.set_committed_value(row, column, spec.open(ring, column, row, value))

    @event.listens_for(model, "before_insert")
    def _before_insert(mapper: Any, connection: Any, row: Any) -> None:
        if assign_id is not None:
            assign_id(connection, row)
        seal(connection, row, changed_only=False)

    @event.listens_for(model, "before_update")
    def _before_update(mapper: Any, connection: Any, row: Any) -> None:
        seal(connection, row, changed_only=True)

    @event.listens_for(model, "after_insert")
    @event.listens_for(model, "after_update")
    def _after_write(mapper: Any, connection: Any, row: Any) -> None:
        restore(row)

    @event.listens_for(model, "load")
    def _load(row: Any, context: Any) -> None:
        open_loaded(row, context.session)

    @event.listens_for(model, "refresh")
    def _refresh(row: Any, context: Any, attrs: Any) -> None:
        # No context: a bulk UPDATE (synchronize_session="evaluate") set the values it wrote, nothing loaded.
        if context is not None:
            open_loaded(row, context.session, attrs)

    return spec


# --- re-encryption (key rotation, first encryption of plaintext rows) ----------------------------

@dataclass
class Counts:
    """What one re-encryption pass did to one column."""

    column: str
    pending: int = 0  # rows not under the active key when the pass began
    reencrypted: int = 0  # were under an older key
    encrypted: int = 0  # were plaintext (rows written before encryption at rest)
    skipped: int = 0  # changed by someone else meanwhile: the next pass takes them


def _not_current(spec: EncryptedTable, column: str, active_kid: str) -> Any:
    col = spec.model.__table__.c[column]  # type: ignore[attr-defined]
    stored = func.coalesce(col[JSON_ENVELOPE].astext, "") if column in spec.json else col
    return col.is_not(None) & not_(stored.startswith(literal(f"{SEALED_PREFIX}{active_kid}:")))


def pending_rows(connection: Any, spec: EncryptedTable, column: str, active_kid: str) -> int:
    table = spec.model.__table__  # type: ignore[attr-defined]
    return int(connection.scalar(select(func.count()).select_from(table)
                                 .where(_not_current(spec, column, active_kid))) or 0)


def reencrypt_batch(connection: Any, spec: EncryptedTable, column: str, ring: KeyRing, after: tuple | None,
                    batch: int, counts: Counts) -> tuple | None:
    """Re-encrypt up to ``batch`` rows of ``column`` not under the active key, after primary key ``after``
    (keyset order). Returns the last primary key seen, or None when the column is done. Part of the
    caller's transaction; idempotent (a row already under the active key is never touched)."""
    table = spec.model.__table__  # type: ignore[attr-defined]
    pk = list(table.primary_key.columns)
    col = table.c[column]
    query = select(*pk, col).where(_not_current(spec, column, ring.active_kid)).order_by(*pk).limit(batch)
    if after is not None:
        query = query.where(tuple_(*pk) > tuple_(*after))
    rows = connection.execute(query).all()
    for row in rows:
        stored = getattr(row, column)
        if is_sealed(stored) or is_sealed_json(stored):
            plain, bucket = spec.open(ring, column, row, stored), "reencrypted"
        else:
            plain, bucket = stored, "encrypted"
        done = connection.execute(
            update(table).where(*(c == getattr(row, c.name) for c in pk), col == stored)
            .values({column: spec.seal(ring, column, row, plain)}))
        if done.rowcount:
            setattr(counts, bucket, getattr(counts, bucket) + 1)
        else:
            counts.skipped += 1
    return tuple(getattr(rows[-1], c.name) for c in pk) if len(rows) == batch else None
