"""Community routes (issue 15): spaces, threads, posts, reactions, search, events, moderation.

Reads are public (held and hidden texts only for their author / moderators); writing needs a signed-in
user, not banned, holding the space's LNC gate, within the posting rate. Moderator routes need a moderator
(an admin or a user an admin named); naming moderators needs an admin.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from sqlalchemy.orm import Session as Db

from api.auth import Principal, Scope, admin, public_read, user
from api.community import access, events, moderation, service
from api.community import schemas as s
from api.kit.client import client_context
from api.kit.deps import get_db
from api.kit.pagination import DEFAULT_LIMIT, Cursor, Limit
from api.kit.params import deployments

FEATURE = "enable_community"
# Every id in a path may name nothing (or something hidden from the caller): a 404 problem.
router = APIRouter(tags=["community"], responses={404: {"description": "No such space, thread, post, report or event, "
                                                                "or not visible to you"}})
DbDep = Annotated[Db, Depends(get_db)]
Reader = Annotated[Principal, public_read(Scope.READ_MARKETPLACE, feature=FEATURE)]
Me = Annotated[Principal, user(feature=FEATURE)]
Moderator = Annotated[Principal, user(feature=FEATURE, role="community moderator")]
Admin = Annotated[Principal, admin(feature=FEATURE)]
# Ids are bigint: anything beyond is a 422, never a database error.
Id = Annotated[int, Path(ge=1, le=2**63 - 1)]
Tz = Annotated[str, Query(max_length=64, description="IANA time zone for the *_local fields (default UTC)")]


def _uid(principal: Principal) -> uuid.UUID:
    assert principal.user_id is not None
    return principal.user_id


def _viewer(db: Db, principal: Principal) -> service.Viewer:
    if principal.user_id is None:
        return service.Viewer()
    return service.Viewer(principal.user_id, access.is_moderator(db, principal.user_id, principal.is_admin))


def _moderator(db: Db, principal: Principal) -> uuid.UUID:
    me = _uid(principal)
    access.require_moderator(db, me, principal.is_admin)
    return me


def _writer(request: Request, db: Db, principal: Principal) -> tuple[uuid.UUID, bool, int]:
    """The author, whether they moderate, and the hold window; counts the post against the anti-spam budget."""
    me = _uid(principal)
    settings = request.app.state.settings
    if settings.ratelimit_enabled:
        access.check_posting_rate(request.app.state.ratelimiter, me, settings.community_posts_per_minute)
    return me, access.is_moderator(db, me, principal.is_admin), settings.community_hold_new_account_hours


# --- Spaces, threads, posts ----------------------------------------------------------------------------------

@router.get("/v1/community/spaces", response_model=list[s.SpaceOut], summary="Community spaces and their token gates")
def list_spaces(principal: Reader, db: DbDep) -> list[s.SpaceOut]:
    return service.list_spaces(db)


@router.post("/v1/community/spaces", response_model=s.SpaceOut, status_code=201,
             summary="Create a space, optionally gated by a minimum LNC balance (admins)")
def create_space(body: s.SpaceIn, principal: Admin, db: DbDep) -> s.SpaceOut:
    return service.create_space(db, _uid(principal), body)


@router.get("/v1/community/threads", response_model=s.ThreadPage,
            summary="Threads, most recently active first: filter by space and tag, full-text search (keyset pages)")
def list_threads(principal: Reader, db: DbDep, space: Annotated[str | None, Query(max_length=64)] = None,
                 tag: Annotated[str | None, Query(max_length=32)] = None,
                 q: Annotated[str | None, Query(min_length=2, max_length=200)] = None,
                 limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> s.ThreadPage:
    items, nxt = service.list_threads(db, _viewer(db, principal), space=space, tag=tag, q=q, limit=limit, cursor=cursor)
    return s.ThreadPage(items=items, next_cursor=nxt)


@router.post("/v1/community/threads", response_model=s.ThreadOut, status_code=201,
             summary="Start a thread (a new account's first post is held for review)",
             responses={403: {"description": "Banned, or below the space's LNC gate"}, 429: {"description": "Posting too fast"}})
def create_thread(body: s.ThreadIn, principal: Me, request: Request, db: DbDep) -> s.ThreadOut:
    me, mod, hold = _writer(request, db, principal)
    return service.create_thread(db, deployments(request), me, mod, hold, body)


@router.get("/v1/community/threads/{thread_id}", response_model=s.ThreadOut, summary="A thread with its opening post")
def get_thread(thread_id: uuid.UUID, principal: Reader, db: DbDep) -> s.ThreadOut:
    return service.get_thread(db, thread_id, _viewer(db, principal))


@router.patch("/v1/community/threads/{thread_id}", response_model=s.ThreadOut,
              summary="Edit a thread's title or tags (author or moderator)")
def edit_thread(thread_id: uuid.UUID, body: s.ThreadEdit, principal: Me, db: DbDep) -> s.ThreadOut:
    me = _uid(principal)
    return service.edit_thread(db, me, access.is_moderator(db, me, principal.is_admin), thread_id, body)


@router.delete("/v1/community/threads/{thread_id}", status_code=204, summary="Delete a thread (author or moderator)")
def delete_thread(thread_id: uuid.UUID, principal: Me, db: DbDep) -> Response:
    me = _uid(principal)
    service.delete_thread(db, me, access.is_moderator(db, me, principal.is_admin), thread_id)
    return Response(status_code=204)


@router.get("/v1/community/threads/{thread_id}/posts", response_model=s.PostPage,
            summary="Posts of a thread, oldest first (keyset pages)")
def list_posts(thread_id: uuid.UUID, principal: Reader, db: DbDep, limit: Limit = DEFAULT_LIMIT,
               cursor: Cursor = None) -> s.PostPage:
    items, nxt = service.list_posts(db, thread_id, _viewer(db, principal), limit, cursor)
    return s.PostPage(items=items, next_cursor=nxt)


@router.post("/v1/community/threads/{thread_id}/posts", response_model=s.PostOut, status_code=201,
             summary="Reply in a thread (mentions and replies notify through the outbox)",
             responses={409: {"description": "Thread locked"}, 429: {"description": "Posting too fast"}})
def create_post(thread_id: uuid.UUID, body: s.PostIn, principal: Me, request: Request, db: DbDep) -> s.PostOut:
    me, mod, hold = _writer(request, db, principal)
    return service.create_post(db, deployments(request), me, mod, hold, thread_id, body)


@router.patch("/v1/community/posts/{post_id}", response_model=s.PostOut, summary="Edit a post (author or moderator)")
def edit_post(post_id: Id, body: s.PostEdit, principal: Me, db: DbDep) -> s.PostOut:
    me = _uid(principal)
    return service.edit_post(db, me, access.is_moderator(db, me, principal.is_admin), post_id, body.body)


@router.delete("/v1/community/posts/{post_id}", status_code=204,
               summary="Delete a post (author or moderator; the opening post deletes the thread)")
def delete_post(post_id: Id, principal: Me, db: DbDep) -> Response:
    me = _uid(principal)
    service.delete_post(db, me, access.is_moderator(db, me, principal.is_admin), post_id)
    return Response(status_code=204)


@router.put("/v1/community/posts/{post_id}/reactions", response_model=dict[str, int],
            summary="Add my reaction to a post; returns the counts per emoji")
def add_reaction(post_id: Id, body: s.ReactionIn, principal: Me, db: DbDep) -> dict[str, int]:
    return service.react(db, _uid(principal), post_id, body.emoji, True)


@router.delete("/v1/community/posts/{post_id}/reactions/{emoji}", response_model=dict[str, int],
               summary="Remove my reaction from a post")
def remove_reaction(post_id: Id, emoji: s.Emoji, principal: Me, db: DbDep) -> dict[str, int]:
    return service.react(db, _uid(principal), post_id, emoji, False)


# --- Moderation ----------------------------------------------------------------------------------------------

@router.post("/v1/community/posts/{post_id}/reports", response_model=s.ReportOut, status_code=201,
             summary="Report a post to the moderators")
def report_post(post_id: Id, body: s.ReportIn, principal: Me, db: DbDep) -> s.ReportOut:
    return moderation.report(db, _uid(principal), post_id, body.reason)


@router.get("/v1/community/moderation/reports", response_model=s.ReportPage,
            summary="Reports by status, oldest first (moderators)")
def list_reports(principal: Moderator, db: DbDep, status: Literal["open", "resolved", "dismissed"] = "open",
                 limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> s.ReportPage:
    _moderator(db, principal)
    items, nxt = moderation.list_reports(db, status, limit, cursor)
    return s.ReportPage(items=items, next_cursor=nxt)


@router.post("/v1/community/moderation/reports/{report_id}", response_model=s.ReportOut,
             summary="Resolve or dismiss a report (moderators; audited)")
def resolve_report(report_id: Id, body: s.ReportResolve, principal: Moderator, request: Request, db: DbDep) -> s.ReportOut:
    me = _moderator(db, principal)
    return moderation.resolve_report(db, client_context(request), me, report_id, body.status)


@router.post("/v1/community/moderation/posts/{post_id}/{action}", status_code=204,
             summary="Hide a post, or unhide it (which also approves a held post) (moderators; audited)")
def hide_post(post_id: Id, action: Literal["hide", "unhide"], principal: Moderator, request: Request, db: DbDep,
              body: s.ModerationIn | None = None) -> Response:
    me = _moderator(db, principal)
    moderation.set_hidden(db, client_context(request), me, post_id, action == "hide", body.reason if body else None)
    return Response(status_code=204)


@router.post("/v1/community/moderation/threads/{thread_id}/{action}", status_code=204,
             summary="Lock or unlock a thread (moderators; audited)")
def lock_thread(thread_id: uuid.UUID, action: Literal["lock", "unlock"], principal: Moderator, request: Request, db: DbDep,
                body: s.ModerationIn | None = None) -> Response:
    me = _moderator(db, principal)
    moderation.set_locked(db, client_context(request), me, thread_id, action == "lock", body.reason if body else None)
    return Response(status_code=204)


@router.put("/v1/community/moderation/bans/{user_id}", status_code=204,
            summary="Ban a user from the community (moderators; audited)")
def ban_user(user_id: uuid.UUID, body: s.BanIn, principal: Moderator, request: Request, db: DbDep) -> Response:
    me = _moderator(db, principal)
    moderation.ban(db, client_context(request), me, user_id, body, principal.is_admin)
    return Response(status_code=204)


@router.get("/v1/community/moderation/bans", response_model=s.BanPage,
            summary="Bans in force, newest first (moderators)")
def list_bans(principal: Moderator, db: DbDep, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> s.BanPage:
    _moderator(db, principal)
    items, nxt = moderation.list_bans(db, limit, cursor)
    return s.BanPage(items=items, next_cursor=nxt)


@router.delete("/v1/community/moderation/bans/{user_id}", status_code=204, summary="Lift a ban (moderators; audited)")
def unban_user(user_id: uuid.UUID, principal: Moderator, request: Request, db: DbDep) -> Response:
    me = _moderator(db, principal)
    moderation.unban(db, client_context(request), me, user_id)
    return Response(status_code=204)


@router.put("/v1/admin/community/moderators/{user_id}", status_code=204, summary="Make a user a moderator (admins)")
def grant_moderator(user_id: uuid.UUID, principal: Admin, request: Request, db: DbDep) -> Response:
    moderation.set_moderator(db, client_context(request), _uid(principal), user_id, True)
    return Response(status_code=204)


@router.delete("/v1/admin/community/moderators/{user_id}", status_code=204, summary="Revoke a moderator (admins)")
def revoke_moderator(user_id: uuid.UUID, principal: Admin, request: Request, db: DbDep) -> Response:
    moderation.set_moderator(db, client_context(request), _uid(principal), user_id, False)
    return Response(status_code=204)


# --- Events --------------------------------------------------------------------------------------------------

@router.get("/v1/community/events", response_model=s.EventPage,
            summary="Upcoming (soonest first) or past (latest first) events, times also in the tz given")
def list_events(principal: Reader, db: DbDep, when: Literal["upcoming", "past"] = "upcoming", tz: Tz = "UTC",
                limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> s.EventPage:
    items, nxt = events.list_events(db, when, principal.user_id, events.zone(tz), limit, cursor)
    return s.EventPage(items=items, next_cursor=nxt)


@router.post("/v1/community/events", response_model=s.EventOut, status_code=201, summary="Create an event (moderators)")
def create_event(body: s.EventIn, principal: Moderator, db: DbDep) -> s.EventOut:
    return events.create(db, _moderator(db, principal), body)


@router.get("/v1/community/events/{event_id}", response_model=s.EventOut, summary="An event")
def get_event(event_id: uuid.UUID, principal: Reader, db: DbDep, tz: Tz = "UTC") -> s.EventOut:
    return events.get(db, event_id, principal.user_id, events.zone(tz))


@router.patch("/v1/community/events/{event_id}", response_model=s.EventOut,
              summary="Edit an event (its creator or a moderator; audited). A lower capacity keeps existing RSVPs")
def edit_event(event_id: uuid.UUID, body: s.EventEdit, principal: Me, request: Request, db: DbDep) -> s.EventOut:
    me = _uid(principal)
    return events.update(db, client_context(request), me, access.is_moderator(db, me, principal.is_admin),
                         event_id, body)


@router.delete("/v1/community/events/{event_id}", status_code=204,
               summary="Delete an event and its RSVPs (its creator or a moderator; audited)")
def delete_event(event_id: uuid.UUID, principal: Me, request: Request, db: DbDep) -> Response:
    me = _uid(principal)
    events.remove(db, client_context(request), me, access.is_moderator(db, me, principal.is_admin), event_id)
    return Response(status_code=204)


@router.get("/v1/community/events/{event_id}/ics", summary="The event as an iCalendar (.ics) file",
            responses={200: {"content": {"text/calendar": {}}}})
def event_ics(event_id: uuid.UUID, principal: Reader, db: DbDep) -> Response:
    return Response(events.ics(db, event_id), media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="lancer-event-{event_id}.ics"'})


@router.put("/v1/community/events/{event_id}/rsvp", response_model=s.EventOut,
            summary="RSVP to an event (409 when full or over)")
def rsvp(event_id: uuid.UUID, principal: Me, db: DbDep) -> s.EventOut:
    return events.rsvp(db, _uid(principal), event_id, True)


@router.delete("/v1/community/events/{event_id}/rsvp", response_model=s.EventOut, summary="Withdraw my RSVP")
def withdraw_rsvp(event_id: uuid.UUID, principal: Me, db: DbDep) -> s.EventOut:
    return events.rsvp(db, _uid(principal), event_id, False)
