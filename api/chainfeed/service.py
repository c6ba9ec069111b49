"""Chain-derived outbox events: indexed escrow events become ``escrow.event.pending``, then
``escrow.event.confirmed`` once deep enough, or ``escrow.event.retracted`` when a reorg removed a
pending one. Reads the chain only through ``indexer.read_models``; independent of the indexer process.

:func:`poll_once` does one pass over every indexed chain, in one transaction under an advisory lock
(two pollers never emit the same transition twice); ``lancer chainfeed`` runs it in a loop. The event's
audience is the Lancer users whose linked wallets are the escrow's client or freelancer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import structlog
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from api.chainfeed.models import FeedItem
from api.identity.models import Wallet
from api.kit import outbox
from api.kit.db import utcnow
from indexer import read_models

log = structlog.get_logger(__name__)

PENDING, CONFIRMED, RETRACTED = "pending", "confirmed", "retracted"
# An arbitrary constant naming the poller's advisory lock.
_LOCK_KEY = 0x4C4E43_FEED


@dataclass
class PollResult:
    emitted: dict[str, int] = field(default_factory=lambda: {PENDING: 0, CONFIRMED: 0, RETRACTED: 0})
    skipped: bool = False


def _audience(db: Session, parties: tuple[str, str]) -> list[str]:
    return sorted({str(u) for u in db.scalars(select(Wallet.user_id).where(Wallet.address.in_(parties)))})


def _payload(item: FeedItem, args: dict[str, object] | None = None) -> dict[str, object]:
    body: dict[str, object] = {"chain_id": item.chain_id, "escrow": item.escrow, "event": item.event_name,
                               "block_number": item.block_number, "block_hash": item.block_hash,
                               "log_index": item.log_index, "tx_hash": item.tx_hash}
    if args is not None:
        body["args"] = args  # integers are already decimal strings in the index
    return body


def _subject(item: FeedItem) -> str:
    return f"escrow:{item.chain_id}:{item.escrow}"


def settled_status(key: tuple[int, str, int], present: set[tuple[int, str, int]], confirmed_block: int) -> str | None:
    """Where a pending item (block number, block hash, log index) goes now: retracted when the index lost
    it, confirmed once deep enough, ``None`` while it stays pending. The rule of every chain-derived feed."""
    if key not in present:
        return RETRACTED
    return CONFIRMED if key[0] <= confirmed_block else None


def arrival_status(block_number: int, confirmed_block: int) -> str:
    return CONFIRMED if block_number <= confirmed_block else PENDING


def _settle_open_items(db: Session, chain_id: int, confirmed_block: int, result: PollResult) -> None:
    """Pending items: retract those the index lost, confirm those now deep enough."""
    conn = db.connection()
    open_items = list(db.scalars(select(FeedItem).where(FeedItem.chain_id == chain_id, FeedItem.status == PENDING)))
    present = read_models.events_present(conn, chain_id,
                                         [(i.block_number, i.block_hash, i.log_index) for i in open_items])
    parties: dict[str, tuple[str, str]] = {}
    for item in open_items:
        status = settled_status((item.block_number, item.block_hash, item.log_index), present, confirmed_block)
        if status is None:
            continue
        item.status, item.updated_at = status, utcnow()
        if item.escrow not in parties:
            detail = read_models.escrow_detail(conn, chain_id, item.escrow)
            parties[item.escrow] = (detail.escrow.client, detail.escrow.freelancer) if detail else ("", "")
        outbox.record(db, f"escrow.event.{item.status}", _subject(item), _payload(item),
                      audience=_audience(db, parties[item.escrow]) or None)
        result.emitted[item.status] += 1


def _take_new_events(db: Session, chain_id: int, confirmed_block: int, result: PollResult) -> None:
    # Everything at or below the highest confirmed item is settled for good; look above it only.
    floor = db.scalar(select(func.coalesce(func.max(FeedItem.block_number), -1))
                      .where(FeedItem.chain_id == chain_id, FeedItem.status == CONFIRMED))
    for ev in read_models.escrow_events_after(db.connection(), chain_id, int(floor)):
        if db.get(FeedItem, (chain_id, ev.block_hash, ev.log_index)) is not None:
            continue
        status = arrival_status(ev.block_number, confirmed_block)
        item = FeedItem(chain_id=chain_id, block_hash=ev.block_hash, log_index=ev.log_index,
                        block_number=ev.block_number, tx_hash=ev.tx_hash, event_name=ev.event_name,
                        escrow=ev.escrow, status=status, updated_at=utcnow())
        db.add(item)
        outbox.record(db, f"escrow.event.{status}", _subject(item), _payload(item, ev.args),
                      audience=_audience(db, (ev.client, ev.freelancer)) or None)
        result.emitted[status] += 1


FeedPass = Callable[[Session, int, int, PollResult], None]


def poll_passes(engine: Engine, lock_key: int, passes: Sequence[FeedPass]) -> PollResult:
    """One pass of a feed over every indexed chain: each of ``passes`` (settle, then take new) per chain, in
    one transaction under the feed's advisory lock, so two pollers never emit the same transition twice."""
    result = PollResult()
    with Session(engine) as db:
        if not db.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": lock_key}).scalar_one():
            return PollResult(skipped=True)  # another poller is at it
        for cursor in read_models.chain_cursors(db.connection()).values():
            for step in passes:
                step(db, cursor.chain_id, cursor.confirmed_block, result)
                db.flush()
        db.commit()
    return result


def poll_once(engine: Engine) -> PollResult:
    result = poll_passes(engine, _LOCK_KEY, (_settle_open_items, _take_new_events))
    if any(result.emitted.values()):
        log.info("chainfeed.poll", **result.emitted)
    return result


def run(engine: Engine, stop: threading.Event, interval: float = 1.0,
        also: Sequence[Callable[[Engine], object]] = ()) -> None:
    """Poll until ``stop`` is set, running each of ``also`` (other domains' chain-derived outbox passes,
    e.g. escrow-as-a-service intents) after each pass; a failed pass is logged and retried after ``interval``."""
    while not stop.is_set():
        try:
            poll_once(engine)
            for extra in also:
                extra(engine)
        except Exception as exc:  # noqa: BLE001 - a poller must survive a database blip
            log.warning("chainfeed.poll_failed", error=type(exc).__name__)
        stop.wait(interval)
