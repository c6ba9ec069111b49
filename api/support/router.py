"""Support routes (issue 15): tickets and messages, agents' queue, FAQ, chatbot, widget configuration.

A ticket is seen by its requester and by agents (admins, and users an admin made agents); anyone else gets
a 404. FAQ articles are public to read; agents write them.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from sqlalchemy.orm import Session as Db

from api.auth import Principal, Scope, admin, public_read, user
from api.kit.deps import get_db
from api.kit.pagination import DEFAULT_LIMIT, Cursor, Limit
from api.kit.problems import Problem
from api.support import faq, service, widget
from api.support import schemas as s

FEATURE = "enable_support"
# Every id in a path may name nothing (or something hidden from the caller): a 404 problem.
router = APIRouter(tags=["support"], responses={404: {"description": "No such ticket, article or answer, or not yours"}})
DbDep = Annotated[Db, Depends(get_db)]
Reader = Annotated[Principal, public_read(Scope.READ_MARKETPLACE, feature=FEATURE)]
Me = Annotated[Principal, user(feature=FEATURE)]
Agent = Annotated[Principal, user(feature=FEATURE, role="support agent")]
Admin = Annotated[Principal, admin(feature=FEATURE)]
Slug = Annotated[str, Path(min_length=2, max_length=100, pattern=r"^[a-z0-9][a-z0-9-]{1,99}$", description="Article slug")]


def _uid(principal: Principal) -> uuid.UUID:
    assert principal.user_id is not None
    return principal.user_id


def _agent(db: Db, principal: Principal) -> bool:
    return service.is_agent(db, _uid(principal), principal.is_admin)


def _require_agent(db: Db, principal: Principal) -> uuid.UUID:
    if not _agent(db, principal):
        raise Problem(403, "this needs a support agent", type_="forbidden")
    return _uid(principal)


# --- Tickets -------------------------------------------------------------------------------------------------

@router.post("/v1/support/tickets", response_model=s.TicketDetail, status_code=201,
             summary="Open a ticket, optionally about one of my projects, contracts or escrows")
def create_ticket(body: s.TicketIn, principal: Me, request: Request, db: DbDep) -> s.TicketDetail:
    settings = request.app.state.settings
    return service.create(db, _uid(principal), body, timedelta(minutes=settings.support_first_response_minutes),
                          timedelta(hours=settings.support_resolution_hours))


@router.get("/v1/support/tickets", response_model=s.TicketPage, summary="My tickets, most recently updated first")
def my_tickets(principal: Me, db: DbDep, status: s.Status | None = None, limit: Limit = DEFAULT_LIMIT,
               cursor: Cursor = None) -> s.TicketPage:
    items, nxt = service.list_tickets(db, _uid(principal), queue=False, status=status, limit=limit, cursor=cursor)
    return s.TicketPage(items=items, next_cursor=nxt)


@router.get("/v1/support/queue", response_model=s.TicketPage, summary="Every ticket, by status (agents)")
def queue(principal: Agent, db: DbDep, status: s.Status | None = None, limit: Limit = DEFAULT_LIMIT,
          cursor: Cursor = None) -> s.TicketPage:
    me = _require_agent(db, principal)
    items, nxt = service.list_tickets(db, me, queue=True, status=status, limit=limit, cursor=cursor)
    return s.TicketPage(items=items, next_cursor=nxt)


@router.get("/v1/support/tickets/{ticket_id}", response_model=s.TicketDetail,
            summary="A ticket with its messages (requester or agents)")
def get_ticket(ticket_id: uuid.UUID, principal: Me, db: DbDep) -> s.TicketDetail:
    return service.get(db, ticket_id, _uid(principal), _agent(db, principal))


@router.post("/v1/support/tickets/{ticket_id}/messages", response_model=s.TicketDetail, status_code=201,
             summary="Write in a ticket (an agent's reply sets it pending, the requester's reopens it)")
def reply(ticket_id: uuid.UUID, body: s.MessageIn, principal: Me, db: DbDep) -> s.TicketDetail:
    return service.reply(db, ticket_id, _uid(principal), _agent(db, principal), body.body)


@router.patch("/v1/support/tickets/{ticket_id}", response_model=s.TicketDetail,
              summary="Change status (requester: open/solved; agents: any) or assignee (agents)")
def update_ticket(ticket_id: uuid.UUID, body: s.TicketUpdate, principal: Me, db: DbDep) -> s.TicketDetail:
    return service.update(db, ticket_id, _uid(principal), _agent(db, principal), body)


@router.put("/v1/admin/support/agents/{user_id}", status_code=204, summary="Make a user a support agent (admins)")
def grant_agent(user_id: uuid.UUID, principal: Admin, db: DbDep) -> Response:
    service.set_agent(db, user_id, _uid(principal), True)
    return Response(status_code=204)


@router.delete("/v1/admin/support/agents/{user_id}", status_code=204, summary="Revoke a support agent (admins)")
def revoke_agent(user_id: uuid.UUID, principal: Admin, db: DbDep) -> Response:
    service.set_agent(db, user_id, _uid(principal), False)
    return Response(status_code=204)


# --- FAQ -----------------------------------------------------------------------------------------------------

@router.get("/v1/support/faq", response_model=list[s.ArticleOut],
            summary="FAQ articles: full-text search ranked by relevance, else the most helpful")
def search_faq(principal: Reader, db: DbDep, q: Annotated[str | None, Query(min_length=2, max_length=200)] = None,
               limit: Annotated[int, Query(ge=1, le=50)] = 20) -> list[s.ArticleOut]:
    return faq.search(db, q, limit)


@router.get("/v1/support/faq/{slug}", response_model=s.ArticleOut, summary="One FAQ article")
def get_article(slug: Slug, principal: Reader, db: DbDep) -> s.ArticleOut:
    agent = principal.user_id is not None and _agent(db, principal)
    return faq.get(db, slug, agent)


@router.put("/v1/support/faq", response_model=s.ArticleOut, summary="Create or replace an FAQ article by slug (agents)")
def put_article(body: s.ArticleIn, principal: Agent, db: DbDep) -> s.ArticleOut:
    _require_agent(db, principal)
    return faq.upsert(db, body)


@router.delete("/v1/support/faq/{slug}", status_code=204, summary="Delete an FAQ article (agents)")
def delete_article(slug: Slug, principal: Agent, db: DbDep) -> Response:
    _require_agent(db, principal)
    faq.delete(db, slug)
    return Response(status_code=204)


# --- Chatbot and widget --------------------------------------------------------------------------------------

@router.post("/v1/support/chatbot/ask", response_model=s.BotAnswerOut,
             summary="Ask the built-in chatbot; it answers from the FAQ")
def ask(body: s.AskIn, principal: Me, db: DbDep) -> s.BotAnswerOut:
    return faq.ask(db, _uid(principal), body.question)


@router.post("/v1/support/chatbot/answers/{answer_id}/feedback", status_code=204, summary='"Did this help?"')
def feedback(answer_id: uuid.UUID, body: s.FeedbackIn, principal: Me, db: DbDep) -> Response:
    faq.feedback(db, _uid(principal), answer_id, body.helpful)
    return Response(status_code=204)


@router.post("/v1/support/chatbot/answers/{answer_id}/escalate", response_model=s.EscalationOut, status_code=201,
             summary="Escalate the question to a person: a support ticket, or the widget provider's agents",
             responses={409: {"description": "Already escalated, or no provider API configured"}})
def escalate(answer_id: uuid.UUID, body: s.EscalateIn, principal: Me, request: Request, db: DbDep) -> s.EscalationOut:
    state = request.app.state
    return faq.escalate(db, state.settings, state.redis, _uid(principal), answer_id, body)


@router.get("/v1/support/widget", response_model=s.WidgetOut,
            summary="What the frontend needs to load the support widget: provider, app id, identity proof")
def get_widget(principal: Me, request: Request) -> s.WidgetOut:
    return widget.widget_for(request.app.state.settings, _uid(principal))
