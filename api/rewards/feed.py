"""Chain-derived outbox events of the token economy: indexed reward claims become
``rewards.claim.pending`` / ``.confirmed`` / ``.retracted`` and stake changes (stake, unstake request,
withdrawal, staking reward paid) ``staking.change.*``, exactly like the escrow feed
(``api.chainfeed``): pending when indexed, confirmed once deep enough, retracted when a reorg removed a
pending one. The audience is the Lancer users whose linked wallets are the event's account.

:func:`poll_once` does one pass over every indexed chain, in one transaction under its own advisory lock;
``lancer chainfeed`` runs it after the escrow feed's pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from api.identity.models import Wallet
from api.kit import outbox
from api.kit.db import utcnow
from api.rewards.models import EconomyFeedItem
from indexer import read_models

PENDING, CONFIRMED, RETRACTED = "pending", "confirmed", "retracted"
_LOCK_KEY = 0x4C4E43_EC0F  # an arbitrary constant naming this feed's advisory lock
KIND_PREFIX = {"MerkleDistributor": "rewards.claim", "LancerStaking": "staking.change"}
CHANGE = {"Staked": "staked", "UnstakeRequested": "unstake_requested", "Withdrawn": "withdrawn",
          "RewardPaid": "reward_paid", "Claimed": "claimed"}


@dataclass
class EconomyPollResult:
    emitted: dict[str, int] = field(default_factory=lambda: {PENDING: 0, CONFIRMED: 0, RETRACTED: 0})
    skipped: bool = False


def _audience(db: Session, account: str) -> list[str] | None:
    users = sorted({str(u) for u in db.scalars(select(Wallet.user_id).where(Wallet.address == account))})
    return users or None


def _emit(db: Session, item: EconomyFeedItem, args: dict[str, object] | None) -> None:
    payload: dict[str, object] = {
        "chain_id": item.chain_id, "contract": item.address, "event": item.event_name,
        "change": CHANGE[item.event_name], "account": item.account, "block_number": item.block_number,
        "block_hash": item.block_hash, "log_index": item.log_index, "tx_hash": item.tx_hash}
    if args is not None:
        payload["args"] = args  # integers are already decimal strings in the index
    outbox.record(db, f"{KIND_PREFIX[item.contract]}.{item.status}", f"account:{item.chain_id}:{item.account}",
                  payload, audience=_audience(db, item.account))


def _settle(db: Session, chain_id: int, confirmed_block: int, result: EconomyPollResult) -> None:
    items = list(db.scalars(select(EconomyFeedItem).where(EconomyFeedItem.chain_id == chain_id,
                                                           EconomyFeedItem.status == PENDING)))
    present = read_models.events_present(db.connection(), chain_id,
                                         [(i.block_number, i.block_hash, i.log_index) for i in items])
    for item in items:
        if (item.block_number, item.block_hash, item.log_index) not in present:
            item.status = RETRACTED
        elif item.block_number <= confirmed_block:
            item.status = CONFIRMED
        else:
            continue
        item.updated_at = utcnow()
        _emit(db, item, None)
        result.emitted[item.status] += 1


def _take_new(db: Session, chain_id: int, confirmed_block: int, result: EconomyPollResult) -> None:
    # Everything at or below the highest confirmed item is settled for good; look above it only.
    floor = db.scalar(select(func.coalesce(func.max(EconomyFeedItem.block_number), -1))
                      .where(EconomyFeedItem.chain_id == chain_id, EconomyFeedItem.status == CONFIRMED))
    for ev in read_models.economy_events_after(db.connection(), chain_id, int(floor)):
        if db.get(EconomyFeedItem, (chain_id, ev.block_hash, ev.log_index)) is not None:
            continue
        item = EconomyFeedItem(chain_id=chain_id, block_hash=ev.block_hash, log_index=ev.log_index,
                               block_number=ev.block_number, tx_hash=ev.tx_hash, contract=ev.contract,
                               address=ev.address, event_name=ev.event_name, account=ev.account,
                               status=CONFIRMED if ev.block_number <= confirmed_block else PENDING,
                               updated_at=utcnow())
        db.add(item)
        _emit(db, item, ev.args)
        result.emitted[item.status] += 1


def poll_once(engine: Engine) -> EconomyPollResult:
    result = EconomyPollResult()
    with Session(engine) as db:
        if not db.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": _LOCK_KEY}).scalar_one():
            return EconomyPollResult(skipped=True)  # another poller is at it
        for cursor in read_models.chain_cursors(db.connection()).values():
            _settle(db, cursor.chain_id, cursor.confirmed_block, result)
            db.flush()
            _take_new(db, cursor.chain_id, cursor.confirmed_block, result)
        db.commit()
    return result
