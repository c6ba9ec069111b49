"""Platform transactions sent exactly once, however often the job that sends them runs.

The same design as the attestations' journal (``contracts.eas.onchain.attest_once``), for any contract
call Lancer's own keys sign from an rq job:

1. A caller-chosen ``key`` names the fact (e.g. ``offset:<id>``). Jobs for one key are serialised by a
   PostgreSQL advisory lock.
2. The signed transaction (hash, raw bytes, nonce) is committed to ``chain_tx_journal`` *before* it is
   broadcast. A retry with an entry: a mined receipt ends it; a transaction still unknown is re-broadcast
   byte for byte (same nonce: it can be included at most once); one whose nonce went to another
   transaction can never be mined, and the retry falls through to step 3.
3. Without a usable entry the chain itself is asked (``already_done``: e.g. ``offsetRecorded(id)`` and the
   transaction that emitted it) before anything new is signed.

Errors carry no provider URL: callers store ``TxError`` text only, never a network exception's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from eth_account.signers.local import LocalAccount
from sqlalchemy import BigInteger, Engine, Integer, String, Text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Mapped, Session, mapped_column
from web3 import Web3
from web3.exceptions import ContractLogicError, TimeExhausted, TransactionNotFound

from api.kit.db import Base, utcnow
from indexer.core.locks import held

TX_LOCK_CLASS = 0x4C4E54  # "LNT": one sender per journal key


class ChainTxJournal(Base):
    """Per idempotency key, the one signed transaction that carries it out (primary key: one entry)."""

    __tablename__ = "chain_tx_journal"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    sender: Mapped[str] = mapped_column(String(42))
    tx_hash: Mapped[str] = mapped_column(String(66))
    raw_tx: Mapped[str] = mapped_column(Text)
    nonce: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # signed | mined | found
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class TxError(RuntimeError):
    """The transaction would revert, reverted, or was not mined in time. Safe to show (no URLs)."""


class SendStatus(StrEnum):
    SENT = "sent"  # this call's transaction did it
    ALREADY = "already"  # done before this call (journal or chain)


@dataclass(frozen=True)
class SendResult:
    tx_hash: str
    status: SendStatus


def _put(engine: Engine, key: str, values: dict[str, Any]) -> None:
    values = values | {"updated_at": utcnow()}
    stmt = pg_insert(ChainTxJournal).values(key=key, **values)
    with Session(engine) as db:
        db.execute(stmt.on_conflict_do_update(index_elements=["key"], set_=values))
        db.commit()


def journal_entry(engine: Engine, key: str) -> ChainTxJournal | None:
    with Session(engine, expire_on_commit=False) as db:
        return db.get(ChainTxJournal, key)


def send_once(engine: Engine, w3: Web3, account: LocalAccount, key: str, call: Any, *,
              already_done: Callable[[], str | None], timeout: float = 120.0) -> SendResult:
    """Send ``call`` (a web3 contract function call) from ``account`` for the fact ``key``, at most once.

    ``already_done`` answers the hash of a transaction that already did it on chain (or None)."""
    chain_id = w3.eth.chain_id
    with engine.connect() as lock_conn, held(lock_conn, TX_LOCK_CLASS, key):
        entry = journal_entry(engine, key)
        if entry is not None and entry.raw_tx:
            done = _resume(engine, w3, entry, account.address, timeout)
            if done is not None:
                return SendResult(done, SendStatus.ALREADY)
        found = already_done()
        if found is not None:
            _put(engine, key, {"chain_id": chain_id, "sender": account.address, "tx_hash": found, "raw_tx": "",
                               "nonce": -1, "status": "found"})
            return SendResult(found, SendStatus.ALREADY)
        try:
            tx = call.build_transaction({"from": account.address, "chainId": chain_id,
                                         "nonce": w3.eth.get_transaction_count(account.address, "pending")})
        except ContractLogicError as exc:
            raise TxError(f"the call would revert: {exc.message or 'no reason'}") from None
        signed = account.sign_transaction(tx)
        tx_hash = signed.hash.to_0x_hex()
        # Committed before broadcasting: a crash from here on is resumed, never repeated.
        _put(engine, key, {"chain_id": chain_id, "sender": account.address, "tx_hash": tx_hash,
                           "raw_tx": signed.raw_transaction.to_0x_hex(), "nonce": tx["nonce"], "status": "signed"})
        w3.eth.send_raw_transaction(signed.raw_transaction)
        if _wait(w3, tx_hash, timeout)["status"] != 1:
            raise TxError(f"transaction {tx_hash} reverted")
        _put(engine, key, {"chain_id": chain_id, "sender": account.address, "tx_hash": tx_hash,
                           "raw_tx": signed.raw_transaction.to_0x_hex(), "nonce": tx["nonce"], "status": "mined"})
        return SendResult(tx_hash, SendStatus.SENT)


def _resume(engine: Engine, w3: Web3, entry: ChainTxJournal, sender: str, timeout: float) -> str | None:
    """The hash of the journaled transaction once mined successfully; None when it never will be."""
    try:
        receipt = w3.eth.get_transaction_receipt(entry.tx_hash)  # type: ignore[arg-type]
    except TransactionNotFound:
        receipt = None
    if receipt is None:
        if w3.eth.get_transaction_count(sender, "latest") > entry.nonce:
            return None  # the nonce went to another transaction: this one can never be mined
        try:
            w3.eth.send_raw_transaction(entry.raw_tx)
        except ValueError as exc:  # "already known" and the like: it is in the pool; wait for it
            if "known" not in str(exc).lower():
                raise TxError("the journaled transaction was refused by the node") from None
        receipt = _wait(w3, entry.tx_hash, timeout)
    if receipt["status"] != 1:
        return None  # reverted (e.g. done meanwhile by someone else): the chain check decides
    _put(engine, entry.key, {"chain_id": entry.chain_id, "sender": entry.sender, "tx_hash": entry.tx_hash,
                             "raw_tx": entry.raw_tx, "nonce": entry.nonce, "status": "mined"})
    return entry.tx_hash


def _wait(w3: Web3, tx_hash: str, timeout: float) -> Any:
    try:
        receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=timeout, poll_latency=0.2)  # type: ignore[arg-type]
    except TimeExhausted:
        raise TxError(f"transaction {tx_hash} not mined within {timeout:g} s; a retry resumes it") from None
    return receipt
