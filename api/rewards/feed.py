"""Chain-derived outbox events of the token economy: indexed reward claims become
``rewards.claim.pending`` / ``.confirmed`` / ``.retracted`` and stake changes (stake, unstake request,
withdrawal, staking reward paid) ``staking.change.*``, exactly like the escrow feed
(``api.chainfeed``): pending when indexed, confirmed once deep enough, retracted when a reorg removed a
pending one. The audience is the Lancer users whose linked wallets are the event's account.

:func:`poll_once` does one pass over every indexed chain, in one transaction under its own advisory lock;
``lancer chainfeed`` runs it after the escrow feed's pass.
"""

from __future__ import annotations

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from api.chainfeed.service import CONFIRMED, PENDING, PollResult, arrival_status, poll_passes, settled_status
from api.identity.models import Wallet
from api.kit import outbox
from api.kit.db import utcnow
from api.rewards.models import EconomyFeedItem
from indexer import read_models

_LOCK_KEY = 0x4C4E43_EC0F  # an arbitrary constant naming this feed's advisory lock
KIND_PREFIX = {"MerkleDistributor": "rewards.claim", "LancerStaking": "staking.change"}
CHANGE = {"Staked": "staked", "UnstakeRequested": "unstake_requested", "Withdrawn": "withdrawn",
          "RewardPaid": "reward_paid", "Claimed": "claimed"}


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


def _settle(db: Session, chain_id: int, confirmed_block: int, result: PollResult) -> None:
    items = list(db.scalars(select(EconomyFeedItem).where(EconomyFeedItem.chain_id == chain_id,
                                                           EconomyFeedItem.status == PENDING)))
    present = read_models.events_present(db.connection(), chain_id,
                                         [(i.block_number, i.block_hash, i.log_index) for i in items])
    for item in items:
        status = settled_status((item.block_number, item.block_hash, item.log_index), present, confirmed_block)
        if status is None:
            continue
        item.status, item.updated_at = status, utcnow()
        _emit(db, item, None)
        result.emitted[item.status] += 1


def _take_new(db: Session, chain_id: int, confirmed_block: int, result: PollResult) -> None:
    # Everything at or below the highest confirmed item is settled for good; look above it only.
    floor = db.scalar(select(func.coalesce(func.max(EconomyFeedItem.block_number), -1))
                      .where(EconomyFeedItem.chain_id == chain_id, EconomyFeedItem.status == CONFIRMED))
    for ev in read_models.economy_events_after(db.connection(), chain_id, int(floor)):
        if db.get(EconomyFeedItem, (chain_id, ev.block_hash, ev.log_index)) is not None:
            continue
        item = EconomyFeedItem(chain_id=chain_id, block_hash=ev.block_hash, log_index=ev.log_index,
                               block_number=ev.block_number, tx_hash=ev.tx_hash, contract=ev.contract,
                               address=ev.address, event_name=ev.event_name, account=ev.account,
                               status=arrival_status(ev.block_number, confirmed_block),
                               updated_at=utcnow())
        db.add(item)
        _emit(db, item, ev.args)
        result.emitted[item.status] += 1


def poll_once(engine: Engine) -> PollResult:
    return poll_passes(engine, _LOCK_KEY, (_settle, _take_new))
