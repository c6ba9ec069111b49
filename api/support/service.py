"""Support tickets: the requester and agents talk in messages; status open -> pending -> solved.

Status follows the conversation: an agent's reply sets ``pending`` (waiting on the requester), the
requester's reply sets ``open`` again (also reopening a solved ticket). Either side may mark it solved.
SLA: due times are fixed at creation from settings; the first agent reply stamps ``first_response_at``.
Every change goes to the outbox as ``support.ticket.updated`` for the requester and the assignee.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import Engine, select, tuple_
from sqlalchemy.orm import Session

from api.engagements.models import Engagement
from api.identity.models import User, Wallet
from api.kit import markdown, outbox
from api.kit.db import utcnow
from api.kit.pagination import decode_cursor, encode_cursor, invalid_cursor
from api.kit.problems import Problem
from api.projects.models import Project
from api.settings import ApiSettings
from api.support.models import Agent, Ticket, TicketMessage
from api.support.schemas import MessageOut, TicketDetail, TicketIn, TicketOut, TicketUpdate
from indexer import read_models
from indexer.core.addresses import checksum
from indexer.core.errors import UnknownChainError

UPDATED = "support.ticket.updated"


def is_agent(db: Session, user_id: uuid.UUID, is_admin: bool) -> bool:
    return is_admin or db.get(Agent, user_id) is not None


def _out(t: Ticket) -> TicketOut:
    return TicketOut.model_validate(t, from_attributes=True)


def ticket_event(db: Session, t: Ticket, change: str) -> None:
    audience = [u for u in (t.requester_id, t.assignee_id) if u is not None]
    outbox.record(db, UPDATED, f"support_ticket:{t.id}", {"ticket_id": str(t.id), "status": t.status,
                                                          "change": change}, audience=audience)


def _escrow(db: Session, me: uuid.UUID, value: str) -> str:
    chain, _, address = value.partition(":")
    try:
        escrow_address = checksum(address)
    except ValueError:
        escrow_address = ""
    if not chain.isdigit() or len(chain) > 19 or int(chain) > 2**63 - 1 or not escrow_address:
        raise Problem(422, "escrow is '<chain_id>:<address>'", type_="validation-error")
    try:
        detail = read_models.escrow_detail(db.connection(), int(chain), escrow_address)
    except UnknownChainError:
        detail = None
    if detail is None:
        raise Problem(422, "escrow: no such indexed escrow", type_="validation-error")
    mine = set(db.scalars(select(Wallet.address).where(Wallet.user_id == me)))
    if not mine & {detail.escrow.client, detail.escrow.freelancer, detail.escrow.arbiter}:
        raise Problem(422, "escrow: none of your wallets is a party to it", type_="validation-error")
    return f"{int(chain)}:{escrow_address}"


def _check_links(db: Session, me: uuid.UUID, body: TicketIn) -> str | None:
    """Links must name things the requester is part of (so a ticket cannot be used to probe others')."""
    if body.project_id is not None:
        project = db.get(Project, body.project_id)
        linked = project is not None and project.client_user_id == me
        if not linked and project is not None:
            linked = db.scalar(select(Engagement.id).where(Engagement.project_id == project.id,
                                                           Engagement.freelancer_user_id == me).limit(1)) is not None
        if not linked:
            raise Problem(422, "project_id: not a project of yours", type_="validation-error")
    if body.contract_id is not None:
        contract = db.get(Engagement, body.contract_id)
        if contract is None or me not in (contract.client_user_id, contract.freelancer_user_id):
            raise Problem(422, "contract_id: not a contract of yours", type_="validation-error")
    return _escrow(db, me, body.escrow) if body.escrow else None


def create(db: Session, me: uuid.UUID, body: TicketIn, first_response: timedelta, resolution: timedelta,
           commit: bool = True) -> TicketDetail:
    escrow = _check_links(db, me, body)
    now = utcnow()
    ticket = Ticket(requester_id=me, subject=body.subject, status="open", project_id=body.project_id,
                    contract_id=body.contract_id, escrow=escrow, created_at=now, updated_at=now,
                    first_response_due_at=now + first_response, resolution_due_at=now + resolution)
    db.add(ticket)
    db.flush()
    db.add(TicketMessage(ticket_id=ticket.id, author_id=me, from_agent=False, body=body.body, created_at=now))
    ticket_event(db, ticket, "created")
    if not commit:
        db.flush()
        return detail_of(db, ticket)
    db.commit()
    return detail_of(db, ticket)


def _ticket(db: Session, ticket_id: uuid.UUID, me: uuid.UUID, agent: bool) -> Ticket:
    ticket = db.get(Ticket, ticket_id)
    if ticket is None or not (agent or ticket.requester_id == me):
        raise Problem(404, "no such ticket (or not yours)", type_="not-found")
    return ticket


def detail_of(db: Session, ticket: Ticket) -> TicketDetail:
    messages = db.scalars(select(TicketMessage).where(TicketMessage.ticket_id == ticket.id).order_by(TicketMessage.id))
    return TicketDetail(**_out(ticket).model_dump(), messages=[
        MessageOut(id=m.id, author_id=m.author_id, from_agent=m.from_agent, body=m.body, html=markdown.render(m.body),
                   created_at=m.created_at) for m in messages])


def get(db: Session, ticket_id: uuid.UUID, me: uuid.UUID, agent: bool) -> TicketDetail:
    return detail_of(db, _ticket(db, ticket_id, me, agent))


def list_tickets(db: Session, me: uuid.UUID, *, queue: bool, status: str | None, limit: int,
                 cursor: str | None) -> tuple[list[TicketOut], str | None]:
    """Mine (``queue=False``) or every ticket (agents' queue); most recently updated first."""
    key = decode_cursor(cursor, (str, str))
    query = select(Ticket)
    if not queue:
        query = query.where(Ticket.requester_id == me)
    if status:
        query = query.where(Ticket.status == status)
    if key:
        try:
            after = (datetime.fromisoformat(key[0]), uuid.UUID(key[1]))
        except ValueError:
            raise invalid_cursor() from None
        query = query.where(tuple_(Ticket.updated_at, Ticket.id) < tuple_(*after))
    rows = list(db.scalars(query.order_by(Ticket.updated_at.desc(), Ticket.id.desc()).limit(limit + 1)))
    page = rows[:limit]
    nxt = encode_cursor([page[-1].updated_at.isoformat(), str(page[-1].id)]) if len(rows) > limit else None
    return [_out(t) for t in page], nxt


def reply(db: Session, ticket_id: uuid.UUID, me: uuid.UUID, agent: bool, body: str) -> TicketDetail:
    ticket = _ticket(db, ticket_id, me, agent)
    now = utcnow()
    from_agent = agent and ticket.requester_id != me
    db.add(TicketMessage(ticket_id=ticket.id, author_id=me, from_agent=from_agent, body=body, created_at=now))
    if from_agent:
        ticket.status = "pending"
        ticket.first_response_at = ticket.first_response_at or now
        ticket.assignee_id = ticket.assignee_id or me
    else:
        ticket.status, ticket.solved_at = "open", None
    ticket.updated_at = now
    ticket_event(db, ticket, "agent_reply" if from_agent else "requester_reply")
    db.commit()
    return detail_of(db, ticket)


def update(db: Session, ticket_id: uuid.UUID, me: uuid.UUID, agent: bool, body: TicketUpdate) -> TicketDetail:
    ticket = _ticket(db, ticket_id, me, agent)
    if body.assignee_id is not None:
        if not agent:
            raise Problem(403, "only agents assign tickets", type_="forbidden")
        assignee = db.get(User, body.assignee_id)
        if assignee is None or db.get(Agent, body.assignee_id) is None:
            raise Problem(422, "assignee_id is not a support agent", type_="validation-error")
        ticket.assignee_id = body.assignee_id
    if body.status is not None:
        if body.status == "pending" and not agent:
            raise Problem(403, "only agents set a ticket to pending", type_="forbidden")
        ticket.status = body.status
        ticket.solved_at = utcnow() if body.status == "solved" else None
    ticket.updated_at = utcnow()
    ticket_event(db, ticket, "status" if body.status is not None else "assignee")
    db.commit()
    return detail_of(db, ticket)


def sla_sweep(db: Session) -> int:
    """Mark unsolved tickets whose first reply or solution is overdue; each once, with an outbox event."""
    now = utcnow()
    late = list(db.scalars(select(Ticket).where(
        Ticket.breached_at.is_(None), Ticket.status != "solved",
        ((Ticket.first_response_at.is_(None)) & (Ticket.first_response_due_at < now)) | (Ticket.resolution_due_at < now))
        .order_by(Ticket.first_response_due_at).limit(1000).with_for_update(skip_locked=True)))
    for ticket in late:
        ticket.breached_at = now
        ticket_event(db, ticket, "sla_breached")
    db.commit()
    return len(late)


def sla_sweep_job(engine: Engine, redis: object, settings: ApiSettings) -> int:
    """The scheduler's ``support_sla_sweep``."""
    if not settings.enable_support:
        return 0
    with Session(engine) as db:
        return sla_sweep(db)


def set_agent(db: Session, user_id: uuid.UUID, granted_by: uuid.UUID, grant: bool) -> None:
    if db.scalar(select(User.id).where(User.id == user_id, User.deleted_at.is_(None))) is None:
        raise Problem(404, "no such user", type_="not-found")
    row = db.get(Agent, user_id)
    if grant and row is None:
        db.add(Agent(user_id=user_id, granted_by=granted_by))
    elif not grant and row is not None:
        db.delete(row)
    db.commit()
