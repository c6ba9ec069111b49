"""Community, events and support end to end in headless Chromium (web/e2e/community.mjs), against the real
API, PostgreSQL, Redis, anvil and the indexer. Two wallets in two browser contexts: A is refused in a
token-gated space (it holds no LNC) and starts a thread in an open one; B, whose browser is in another time
zone and is a moderator, replies, reacts, reports, locks the thread, hides its reply and finds the thread by
full-text search, then RSVPs to an event (shown in
its zone, with the capacity) and downloads its .ics, parsed here as RFC 5545. A asks the support assistant,
which answers from the FAQ seeded here; "did this help?" no, escalated: the ticket opens, takes a reply and
is listed on /support. The spaces, events and FAQ are made here as an admin would (admin-only routes).
Each page is screenshotted (web/test-artifacts/) and audited with axe-core."""

from __future__ import annotations

import json
import os
import secrets
import string
import subprocess
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import icalendar
import pytest
from eth_account import Account
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from api.community import events, service as community
from api.community.models import Moderator, Post, Report
from api.community.schemas import EventIn, SpaceIn
from api.support import faq
from api.support.models import Agent, BotAnswer, Ticket, TicketMessage
from api.support.schemas import ArticleIn
from indexer.core.db import make_engine
from devtools.signin import bearer, login
from tests.web.conftest import CHROMIUM, WEB, WEB_TEST_TIMEOUT, WebApp

pytestmark = WEB_TEST_TIMEOUT

# Fresh wallets: signing in and posting need no ether, and A surely holds no LNC (anvil's keys are all taken:
# the demo, the other browser runs and the attester).
USER_A, USER_B = Account.create(), Account.create()
PAGES = ("community-new", "community-thread", "community", "events", "support-widget", "support-ticket", "support",
         "community-moderation", "support-queue")
TIME_ZONE = "Asia/Kolkata"  # +05:30, no daylight saving: the shown hour is known
QUESTION = "How can I release a milestone payment?"


@pytest.fixture(scope="module")
def seeded(web_app: WebApp) -> Iterator[dict]:
    """An open space, a token-gated one (1000 LNC on anvil-1), an upcoming event with 2 places, a past event
    and two FAQ articles, written through the services the admin-only routes call; B made a moderator."""
    word = "zq" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(10))
    # A whole hour, 3 days ahead: the time shown in Asia/Kolkata is exactly predictable.
    start = (datetime.now(UTC) + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    engine = make_engine(web_app.stack.settings.database_url.get_secret_value())
    try:
        with Session(engine) as db:
            community.create_space(db, None, SpaceIn(slug="general", name="General", description="Anything"))  # type: ignore[arg-type]
            community.create_space(db, None, SpaceIn(slug="holders", name="LNC holders", chain_id=31337,  # type: ignore[arg-type]
                                                     min_balance=str(1000 * 10**18)))
            upcoming = events.create(db, None, EventIn(title=f"Office hours {word}", description="Bring **questions**.",  # type: ignore[arg-type]
                                                       starts_at=start, ends_at=start + timedelta(hours=1), capacity=2))
            events.create(db, None, EventIn(title=f"Kick-off {word}", starts_at=start - timedelta(days=13),  # type: ignore[arg-type]
                                            ends_at=start - timedelta(days=13) + timedelta(hours=1)))
            faq.upsert(db, ArticleIn(slug="release-milestone", question="How do I release a milestone?",
                                     answer="The client opens the contract and presses **Release** on the milestone; "
                                            "the escrow pays the freelancer on chain.", tags=["escrow"]))
            faq.upsert(db, ArticleIn(slug="fees", question="What fees does Lancer take?",
                                     answer="A platform fee on each release, shown before you fund."))
            # B is a community moderator: signed in once through the API (as the browser will), then named.
            with httpx.Client(base_url=web_app.api_url) as client:
                session = login(client, USER_B, domain=web_app.url.removeprefix("http://"), uri=web_app.url)
                b_id = client.get("/v1/me", headers=bearer(session["tokens"]["access_token"])).json()["user_id"]
            db.add(Moderator(user_id=uuid.UUID(b_id)))
            db.add(Agent(user_id=uuid.UUID(b_id)))
            db.commit()
        yield {"b_id": b_id, "word": word, "event_id": str(upcoming.id), "event_title": upcoming.title, "start": start,
               "past_title": f"Kick-off {word}", "engine": engine}
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def run(web_app: WebApp, artifacts: Path, seeded: dict) -> dict:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/ensure_browser.sh (make test does)")
    chain = web_app.stack.chains[31337]
    env = {**os.environ, "WEB_URL": web_app.url, "ARTIFACTS_DIR": str(artifacts), "CHROMIUM": CHROMIUM,
           "RPC_URL": chain.node.url, "WALLET_A": USER_A.key.to_0x_hex(), "WALLET_B": USER_B.key.to_0x_hex(),
           "SEARCH_WORD": seeded["word"], "EVENT_TITLE": seeded["event_title"], "PAST_EVENT_TITLE": seeded["past_title"],
           "QUESTION": QUESTION, "VIEWER_TIME_ZONE": TIME_ZONE}
    proc = subprocess.run(["node", "e2e/community.mjs"], cwd=WEB, env=env, capture_output=True, text=True, timeout=900)
    results = json.loads((artifacts / "community-results.json").read_text())
    assert proc.returncode == 0, f"{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}\n{json.dumps(results, indent=1)[:3000]}"
    results["api_url"] = web_app.api_url
    return results


def test_a_token_gated_space_says_how_much_lnc_posting_needs(run: dict) -> None:
    assert "1000 LNC" in run["gate_notice"] and "anvil" in run["gate_notice"].lower(), run["gate_notice"]
    # The API's refusal, with the wallet's balance, is on the page.
    assert "You need more LNC" in run["gate_refusal"] and "you hold 0" in run["gate_refusal"], run["gate_refusal"]


def test_a_thread_is_created_replied_to_reacted_and_reported(run: dict, seeded: dict) -> None:
    thread = httpx.get(f"{run['api_url']}/v1/community/threads/{run['thread_id']}").json()
    assert thread["title"] == run["title"] and thread["space"] == "general", thread
    assert thread["tags"] == ["escrow", "milestones"]
    with Session(seeded["engine"]) as db:
        rows = db.scalars(select(Post).where(Post.thread_id == uuid.UUID(run["thread_id"])).order_by(Post.id)).all()
        assert [(p.is_opening, p.state) for p in rows] == [(True, "published"), (False, "hidden")]
        assert rows[0].author_id != rows[1].author_id and run["posts_seen_by_b"] == 2  # another user replied
    # B hid its reply as a moderator: the public sees the opening post only, with B's reaction.
    posts = httpx.get(f"{run['api_url']}/v1/community/threads/{run['thread_id']}/posts").json()["items"]
    assert [p["id"] for p in posts] == [rows[0].id]
    assert posts[0]["reactions"] == {"+1": 1} and run["reaction_label"] == "thumbs up: 1"
    # The page shows the API's sanitised HTML as given: the Markdown rendered, the raw HTML inert.
    assert "<strong>release</strong>" in run["opening_html"], run["opening_html"]
    assert 'href="https://example.org/guide"' in run["opening_html"] and "nofollow" in run["opening_html"]
    assert "<img" not in run["opening_html"] and "&lt;img" in run["opening_html"]
    assert run["a_moderator_buttons"] == 0  # A is no moderator: no hide/lock
    # B locked it: A, no moderator, gets no reply box and does not see the hidden reply.
    assert thread["locked"] is True and run["a_reply_boxes"] == 0 and run["a_posts_after"] == 1
    assert "hidden" in run["b_reply_state"], run["b_reply_state"]
    with Session(seeded["engine"]) as db:
        reports = db.execute(select(Report.reason, Report.status).where(Report.post_id == posts[0]["id"])).all()
    assert reports == [("testing the report flow", "resolved")]
    # A edited its opening post: the page marks it, and the API keeps the new Markdown.
    assert "edited" in run["edited_meta"] and "Update: the client can release any time." in posts[0]["body"]


def test_the_moderation_page_shows_reports_with_their_post_and_bans(run: dict, seeded: dict) -> None:
    # The reported post is on the moderation page, rendered and sanitised by the API.
    assert "<strong>release</strong>" in run["reported_html"] and "<img" not in run["reported_html"], run["reported_html"]
    assert "cooling off after a heated thread" in run["ban_row"] and "until" in run["ban_row"], run["ban_row"]
    with seeded["engine"].connect() as conn:
        actions = conn.execute(text("SELECT action FROM audit_events WHERE action LIKE 'community.%' "
                                    "AND actor_user_id = :b ORDER BY id"), {"b": seeded["b_id"]}).scalars().all()
    # Each action on the page was audited, in order (the lock and hide came before, on the thread page).
    assert [a for a in actions if a in ("community.ban", "community.unban", "community.report.resolved")] == [
        "community.ban", "community.unban", "community.report.resolved"], actions


def test_full_text_search_finds_the_thread(run: dict) -> None:
    assert len(run["search_rows"]) == 1 and run["title"] in run["search_rows"][0], run["search_rows"]
    assert "#escrow" in run["search_rows"][0]


def test_rsvp_shows_capacity_and_times_in_the_viewers_zone(run: dict, seeded: dict) -> None:
    local = seeded["start"].astimezone(ZoneInfo(TIME_ZONE))
    assert local.strftime("%H:%M") in run["event_start"], run["event_start"]
    assert seeded["start"].strftime("%H:%M") not in run["event_start"]  # not UTC
    assert "GMT+5:30" in run["event_start"], run["event_start"]
    # Chromium names the zone by its older IANA alias.
    assert any(name in run["time_zone_note"] for name in (TIME_ZONE, "Asia/Calcutta")), run["time_zone_note"]
    assert run["capacity_before"] == "0 of 2 places taken" and run["capacity_after"] == "1 of 2 places taken"
    event = httpx.get(f"{run['api_url']}/v1/community/events/{seeded['event_id']}").json()
    assert event["going"] == 1
    # Past events are listed, without RSVP.
    assert run["past_rows"] == 1 and run["past_rsvp_buttons"] == 0


def test_a_moderator_creates_edits_and_deletes_an_event_in_their_own_zone(run: dict) -> None:
    # 18:30 typed in Asia/Kolkata (+05:30) is 13:00 UTC: the API stores the instant, the page shows it back.
    stored = run["created_event_api"]
    assert stored["starts_at"].startswith("2031-03-14T13:00:00") and stored["ends_at"].startswith("2031-03-14T14:30:00"), stored
    assert stored["capacity"] == 12 and stored["title"].endswith("(moved online)"), stored
    assert "18:30" in run["created_event_start"], run["created_event_start"]
    r = httpx.get(f"{run['api_url']}/v1/community/events/{run['created_event_id']}")
    assert r.status_code == 404  # deleted from the page


def test_add_to_calendar_downloads_a_valid_ics(run: dict, seeded: dict) -> None:
    calendar = icalendar.Calendar.from_ical(run["ics"])
    assert calendar["VERSION"] == "2.0"
    [vevent] = calendar.walk("VEVENT")
    assert str(vevent["SUMMARY"]) == seeded["event_title"]
    assert vevent.decoded("DTSTART") == seeded["start"]
    assert vevent.decoded("DTEND") == seeded["start"] + timedelta(hours=1)
    assert run["ics_name"].endswith(".ics"), run["ics_name"]


def test_the_assistant_answers_from_the_faq_and_escalation_creates_a_ticket(run: dict, seeded: dict) -> None:
    assert run["bot_articles"][0] == "How do I release a milestone?", run["bot_articles"]
    with Session(seeded["engine"]) as db:
        ticket = db.get(Ticket, uuid.UUID(run["ticket_id"]))
        assert ticket is not None and ticket.subject == QUESTION
        messages = db.scalar(select(func.count()).select_from(TicketMessage).where(TicketMessage.ticket_id == ticket.id))
        answer = db.scalars(select(BotAnswer).where(BotAnswer.ticket_id == ticket.id)).one()
    assert messages == 3 and run["ticket_messages"] == 2  # the escalated question, A's reply, then B's answer
    # B answered as an agent from the queue and took the ticket: its answer makes the ticket wait on A.
    assert str(ticket.assignee_id) == seeded["b_id"] and ticket.status == "pending" and ticket.first_response_at
    assert QUESTION in run["queue_row"] and "first answer due" in run["queue_row"], run["queue_row"]
    assert run["agent_sees_authors"][0].startswith("Requester"), run["agent_sees_authors"]
    assert answer.helpful is False  # "did this help?" no
    assert "open" in run["ticket_status"]
    assert any(QUESTION in row for row in run["ticket_rows"]), run["ticket_rows"]
    assert any("release a milestone" in row for row in run["faq_rows"]), run["faq_rows"]
    assert run["console_errors"] == [], run["console_errors"]


def test_every_community_and_support_page_has_a_screenshot_and_no_serious_accessibility_violation(
        run: dict, artifacts: Path) -> None:
    for page in PAGES:
        assert (artifacts / f"{page}.png").stat().st_size > 10_000, page
    assert run["violations"] == {}, json.dumps(run["violations"], indent=1)


def test_an_agent_writes_and_rewrites_an_faq_article(run: dict) -> None:
    article = httpx.get(f"{run['api_url']}/v1/support/faq/{run['faq_slug']}").json()
    assert article["question"].endswith(" paid?") and "<strong>releases</strong>" in article["html"], article
    assert article["published"] is True
