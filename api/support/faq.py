"""FAQ articles (agents write, anyone reads and searches) and the built-in chatbot that answers from them.

The chatbot ranks published articles against the question with PostgreSQL full-text search
(``ts_rank_cd`` over the question/answer vector, question weighted higher) and keeps what it offered, so
"did this help?" feedback counts towards the articles and an escalation carries the question along.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import structlog
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from api.kit import markdown
from api.kit.db import commit_unique, utcnow
from api.kit.problems import Problem
from api.settings import ApiSettings
from api.support import escalation, service, widget
from api.support.models import BotAnswer, FaqArticle, Ticket
from api.support.schemas import ArticleIn, ArticleOut, BotAnswerOut, EscalateIn, EscalationOut, TicketIn

BOT_ARTICLES = 3
log = structlog.get_logger(__name__)
NO_MATCH = ("I could not find an answer to that in the FAQ. You can ask a person: escalate this question "
            "and a support agent will reply.")


def _out(a: FaqArticle, rank: float | None = None) -> ArticleOut:
    return ArticleOut(id=a.id, slug=a.slug, question=a.question, answer=a.answer, html=markdown.render(a.answer),
                      tags=list(a.tags), published=a.published, helpful_yes=a.helpful_yes, helpful_no=a.helpful_no,
                      rank=rank)


def upsert(db: Session, body: ArticleIn) -> ArticleOut:
    article = db.scalar(select(FaqArticle).where(FaqArticle.slug == body.slug)) or FaqArticle(slug=body.slug)
    article.question, article.answer, article.tags = body.question, body.answer, body.tags
    article.published, article.updated_at = body.published, utcnow()
    db.add(article)
    commit_unique(db, Problem(409, f"article {body.slug!r} was written concurrently; retry", type_="conflict"))
    return _out(article)


def delete(db: Session, slug: str) -> None:
    article = db.scalar(select(FaqArticle).where(FaqArticle.slug == slug))
    if article is None:
        raise Problem(404, "no such article", type_="not-found")
    db.delete(article)
    db.commit()


def get(db: Session, slug: str, agent: bool) -> ArticleOut:
    article = db.scalar(select(FaqArticle).where(FaqArticle.slug == slug))
    if article is None or not (article.published or agent):
        raise Problem(404, "no such article", type_="not-found")
    return _out(article)


def search(db: Session, q: str | None, limit: int) -> list[ArticleOut]:
    """Published articles: best match first for ``q`` (web-search syntax), else most helpful first."""
    if not q:
        rows = db.scalars(select(FaqArticle).where(FaqArticle.published.is_(True))
                          .order_by(FaqArticle.helpful_yes.desc(), FaqArticle.slug).limit(limit))
        return [_out(a) for a in rows]
    return [_out(a, r) for a, r in _ranked(db, func.websearch_to_tsquery("english", q), limit)]


def _ranked(db: Session, tsq: object, limit: int) -> list[tuple[FaqArticle, float]]:
    rank = func.ts_rank_cd(FaqArticle.search, tsq)
    rows = db.execute(select(FaqArticle, rank.label("rank"))
                      .where(FaqArticle.published.is_(True), FaqArticle.search.op("@@")(tsq))
                      .order_by(rank.desc(), FaqArticle.helpful_yes.desc(), FaqArticle.slug).limit(limit)).all()
    return [(a, float(r)) for a, r in rows]


def ask(db: Session, me: uuid.UUID, question: str) -> BotAnswerOut:
    """Answer from the FAQ. A chat question is prose ("how do I fund an escrow?"): its words are OR-ed
    (AND-ing them would miss most articles), and ranking sorts out the best."""
    # websearch_to_tsquery never fails on user text; "or" joins the words (stop words drop out by themselves).
    words = " or ".join(re.findall(r"\w+", question)[:50])
    found = _ranked(db, func.websearch_to_tsquery("english", words), BOT_ARTICLES) if words else []
    answer = BotAnswer(user_id=me, question=question, article_ids=[str(a.id) for a, _ in found])
    db.add(answer)
    db.commit()
    text = (f"This may help: {found[0][0].question}\n\n{found[0][0].answer}" if found else NO_MATCH)
    return BotAnswerOut(id=answer.id, answered=bool(found), text=text, articles=[_out(a, r) for a, r in found])


def answer_of(db: Session, me: uuid.UUID, answer_id: uuid.UUID) -> BotAnswer:
    answer = db.get(BotAnswer, answer_id)
    if answer is None or answer.user_id != me:
        raise Problem(404, "no such chatbot answer", type_="not-found")
    return answer


def feedback(db: Session, me: uuid.UUID, answer_id: uuid.UUID, helpful: bool) -> None:
    """Record "did this help?" once per answer; it counts for the article the bot led with."""
    answer = db.scalar(select(BotAnswer).where(BotAnswer.id == answer_id).with_for_update())
    if answer is None or answer.user_id != me:
        raise Problem(404, "no such chatbot answer", type_="not-found")
    if answer.helpful is not None:
        raise Problem(409, "feedback already given for this answer", type_="conflict")
    answer.helpful = helpful
    if answer.article_ids:
        column = FaqArticle.helpful_yes if helpful else FaqArticle.helpful_no
        db.execute(update(FaqArticle).where(FaqArticle.id == uuid.UUID(answer.article_ids[0]))
                   .values({column: column + 1}))
    db.commit()


def escalate(db: Session, settings: ApiSettings, redis: Redis, me: uuid.UUID, answer_id: uuid.UUID,
             body: EscalateIn) -> EscalationOut:
    """Pass the question to a person: a Lancer ticket (agents answer in the queue), also handed to the
    provider's agents by an rq job when asked (``provider_status`` on the ticket follows the job)."""
    answer = answer_of(db, me, answer_id)
    if answer.ticket_id is not None or answer.provider_ref is not None:
        raise Problem(409, "this question was already escalated", type_="conflict",
                      ticket_id=str(answer.ticket_id) if answer.ticket_id else None)
    to_provider = body.to == "provider"
    if to_provider and not widget.provider_configured(settings):
        raise Problem(409, "no support provider API is configured; escalate to a ticket instead",
                      type_="provider-not-configured")
    text = answer.question + (f"\n\n{body.details}" if body.details else "")
    subject = answer.question if len(answer.question) <= 200 else answer.question[:197] + "..."
    ticket = service.create(db, me, TicketIn(subject=subject if len(subject) >= 3 else "Chatbot question", body=text),
                            timedelta(minutes=settings.support_first_response_minutes),
                            timedelta(hours=settings.support_resolution_hours), commit=False)
    if to_provider:
        row = db.get(Ticket, ticket.id)
        assert row is not None
        row.provider_status = "pending"
    answer.ticket_id = ticket.id
    db.commit()
    if to_provider:
        try:
            escalation.enqueue_escalation(redis, settings, ticket.id)
        except RedisError as exc:  # the ticket stands (agents see it); the provider hand-off waits
            log.warning("support escalation not queued", ticket=str(ticket.id), error=type(exc).__name__)
    return EscalationOut(answer_id=answer.id, to=body.to, ticket_id=ticket.id,
                         provider_status="pending" if to_provider else None)
