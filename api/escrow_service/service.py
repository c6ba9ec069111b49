"""Escrow-as-a-service: another platform (an API key's owner) registers escrow terms as an intent and gets
the same prepared transactions and deterministic address as a marketplace contract (the calldata and the
factory look-up are the engagements' own); the state is derived from the index on every read, as for
contracts. :mod:`api.escrow_service.sync` writes the state changes to the outbox."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Connection, Engine, and_, or_, select
from sqlalchemy.orm import Session as Db

from api.engagements import service as engagements
from api.engagements.schemas import PreparedOut, StateOut, TxOut
from api.escrow_service import schemas as s
from api.escrow_service.models import EscrowIntent
from api.kit import outbox
from api.kit.db import commit_unique, new_id
from api.kit.deployments import DeploymentDirectory
from api.kit.pagination import decode_cursor, encode_cursor, invalid_cursor
from api.kit.params import address as parse_address
from api.kit.problems import Problem
from api.kit.tokens import TokenResolver
from indexer.core.errors import UnknownChainError
from indexer.read_models.escrows import EscrowDetail, escrow_detail

FINAL_STATES = ("completed", "refunded")


def subject(intent: EscrowIntent) -> str:
    return f"escrow-intent:{intent.id}"


def create(db: Db, tokens: TokenResolver, deployments: DeploymentDirectory, owner: uuid.UUID,
           api_key_id: uuid.UUID | None, body: s.IntentIn) -> EscrowIntent:
    """Validate and store the intent (flushed, not committed: the router commits with the idempotency key)."""
    chain_id, token = tokens.resolve(body.chain, body.token)
    client = parse_address(body.client_address, "client_address")
    freelancer = parse_address(body.freelancer_address, "freelancer_address")
    arbiter = parse_address(body.arbiter, "arbiter")
    if len({client, freelancer, arbiter}) != 3:
        raise Problem(422, "client, freelancer and arbiter must be three different wallets", type_="duplicate-party")
    amounts = [m.amount for m in body.milestones]
    if any(a == 0 for a in amounts):
        raise Problem(422, "milestones: every amount must be > 0 (the escrow refuses empty milestones)",
                      type_="validation-error")
    if sum(amounts) >= 2**256:
        raise Problem(422, "milestones: the total does not fit a uint256", type_="validation-error")
    intent_id = new_id()
    salt, meta = engagements.intent_terms(intent_id, owner, body.external_id, chain_id, token, client, freelancer,
                                          amounts, body.review_period_seconds)
    plan = engagements.plan_escrow(deployments, chain_id, client, freelancer, arbiter, token, amounts,
                                   body.review_period_seconds, meta, salt)
    intent = EscrowIntent(id=intent_id, owner_user_id=owner, api_key_id=api_key_id, external_id=body.external_id,
                          chain_id=chain_id, token=token, client_address=client, freelancer_address=freelancer,
                          arbiter=arbiter, total=Decimal(sum(amounts)),
                          milestones=[{"title": m.title, "amount": str(m.amount)} for m in body.milestones],
                          review_period_seconds=body.review_period_seconds, escrow_address=plan.escrow,
                          metadata_hash="0x" + meta.hex(), pending_state="awaiting_funding", pending_events=0,
                          confirmed_state="awaiting_funding")
    db.add(intent)
    commit_unique(db, Problem(409, f"an escrow intent with external_id {body.external_id!r} exists already",
                              type_="duplicate-external-id"), flush_only=True)
    outbox.record(db, "escrow_intent.created", subject(intent), event_payload(intent, "awaiting_funding", None),
                  audience=[owner])
    db.flush()
    return intent


def event_payload(intent: EscrowIntent, state: str, block: int | None, **extra: object) -> dict[str, object]:
    return {"intent": str(intent.id), "external_id": intent.external_id, "chain_id": intent.chain_id,
            "escrow": intent.escrow_address, "state": state, "block": block, **extra}


def get_owned(db: Db, intent_id: uuid.UUID, owner: uuid.UUID) -> EscrowIntent:
    intent = db.get(EscrowIntent, intent_id)
    if intent is None or intent.owner_user_id != owner:
        raise Problem(404, "no such escrow intent", type_="not-found")
    return intent


def page(db: Db, owner: uuid.UUID, limit: int, cursor: str | None,
         external_id: str | None) -> tuple[list[EscrowIntent], str | None]:
    """The owner's intents, newest first (keyset on created_at, id)."""
    q = select(EscrowIntent).where(EscrowIntent.owner_user_id == owner)
    if external_id is not None:
        q = q.where(EscrowIntent.external_id == external_id)
    key = decode_cursor(cursor, (str, str))
    if key is not None:
        try:
            after_time, after_id = datetime.fromisoformat(key[0]), uuid.UUID(key[1])
        except ValueError:
            raise invalid_cursor() from None
        q = q.where(or_(EscrowIntent.created_at < after_time,
                        and_(EscrowIntent.created_at == after_time, EscrowIntent.id < after_id)))
    rows = list(db.scalars(q.order_by(EscrowIntent.created_at.desc(), EscrowIntent.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows else None
    return rows, (encode_cursor([last.created_at.isoformat(), str(last.id)]) if more and last else None)


def detail(conn: Connection, intent: EscrowIntent) -> EscrowDetail | None:
    """The indexed escrow; None while it is not indexed (or its chain not yet at all)."""
    try:
        return escrow_detail(conn, intent.chain_id, intent.escrow_address)
    except UnknownChainError:
        return None


def derive(intent: EscrowIntent, found: EscrowDetail | None) -> tuple[engagements.Derived, engagements.Derived, int]:
    """(pending view, confirmed view, events in the pending view) from the escrow's indexed timeline."""
    count = len(intent.milestones)
    if found is None:
        return (*engagements.derive_states([], count), 0)
    if found.escrow.metadata_hash.lower() != intent.metadata_hash.lower():
        mismatch = engagements.Derived(state="escrow_mismatch", milestones=["pending"] * count)
        return mismatch, mismatch, len(found.timeline)
    return (*engagements.derive_states(found.timeline, count), len(found.timeline))


def prepared(deployments: DeploymentDirectory, intent: EscrowIntent) -> PreparedOut:
    amounts = [int(m["amount"]) for m in intent.milestones]
    salt, _ = engagements.intent_terms(intent.id, intent.owner_user_id, intent.external_id, intent.chain_id,
                                       intent.token, intent.client_address, intent.freelancer_address, amounts,
                                       intent.review_period_seconds)
    plan = engagements.plan_escrow(deployments, intent.chain_id, intent.client_address, intent.freelancer_address,
                                   intent.arbiter, intent.token, amounts, intent.review_period_seconds,
                                   bytes.fromhex(intent.metadata_hash[2:]), salt)
    return PreparedOut(chain_id=intent.chain_id, escrow_address=intent.escrow_address, salt="0x" + salt.hex(),
                       metadata_hash=intent.metadata_hash,
                       transactions=[TxOut(**t.as_json(), **{"from": intent.client_address}) for t in plan.txs])


def out(engine: Engine, deployments: DeploymentDirectory, intent: EscrowIntent) -> s.IntentOut:
    with engine.connect() as conn:
        found = detail(conn, intent)
    pending, confirmed, _ = derive(intent, found)
    return s.IntentOut(
        id=intent.id, external_id=intent.external_id, chain_id=intent.chain_id, token=intent.token,
        client_address=intent.client_address, freelancer_address=intent.freelancer_address, arbiter=intent.arbiter,
        total=int(intent.total), review_period_seconds=intent.review_period_seconds,
        milestones=[s.MilestoneOut(index=i, title=m["title"], amount=int(m["amount"]), state=pending.milestones[i],
                                   confirmed_state=confirmed.milestones[i]) for i, m in enumerate(intent.milestones)],
        escrow_address=intent.escrow_address, created=found is not None,
        state=pending.state,  # type: ignore[arg-type]
        pending=StateOut(state=pending.state, block=pending.block, tx_hash=pending.tx_hash),  # type: ignore[arg-type]
        confirmed=StateOut(state=confirmed.state, block=confirmed.block,  # type: ignore[arg-type]
                           tx_hash=confirmed.tx_hash),
        prepared=prepared(deployments, intent), created_at=intent.created_at)


def timeline(engine: Engine, intent: EscrowIntent) -> s.TimelineOut:
    with engine.connect() as conn:
        found = detail(conn, intent)
    events = [] if found is None else [
        s.TimelineEventOut(block_number=e.block_number, log_index=e.log_index, block_time=e.block_time,
                           tx_hash=e.tx_hash, event=e.event_name, args=e.args, confirmed=e.confirmed)
        for e in found.timeline]
    return s.TimelineOut(intent_id=intent.id, chain_id=intent.chain_id, escrow_address=intent.escrow_address,
                         events=events)
