"""Every community and support route: its declared auth, a 401 without credentials (user/admin routes), a 403
for a signed-in non-admin on admin routes, and a 404 for every route with its feature flag off."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from api.auth import iter_routes
from tests.api.community.conftest import new_user

U = str(uuid.uuid4())
# (method, path template) -> (auth kind, flag, concrete path)
ROUTES: dict[tuple[str, str], tuple[str, str, str]] = {
    ("GET", "/v1/community/spaces"): ("public_read", "enable_community", "/v1/community/spaces"),
    ("POST", "/v1/community/spaces"): ("admin", "enable_community", "/v1/community/spaces"),
    ("GET", "/v1/community/threads"): ("public_read", "enable_community", "/v1/community/threads"),
    ("POST", "/v1/community/threads"): ("user", "enable_community", "/v1/community/threads"),
    ("GET", "/v1/community/threads/{thread_id}"): ("public_read", "enable_community", f"/v1/community/threads/{U}"),
    ("PATCH", "/v1/community/threads/{thread_id}"): ("user", "enable_community", f"/v1/community/threads/{U}"),
    ("DELETE", "/v1/community/threads/{thread_id}"): ("user", "enable_community", f"/v1/community/threads/{U}"),
    ("GET", "/v1/community/threads/{thread_id}/posts"): ("public_read", "enable_community", f"/v1/community/threads/{U}/posts"),
    ("POST", "/v1/community/threads/{thread_id}/posts"): ("user", "enable_community", f"/v1/community/threads/{U}/posts"),
    ("PATCH", "/v1/community/posts/{post_id}"): ("user", "enable_community", "/v1/community/posts/1"),
    ("DELETE", "/v1/community/posts/{post_id}"): ("user", "enable_community", "/v1/community/posts/1"),
    ("PUT", "/v1/community/posts/{post_id}/reactions"): ("user", "enable_community", "/v1/community/posts/1/reactions"),
    ("DELETE", "/v1/community/posts/{post_id}/reactions/{emoji}"): ("user", "enable_community",
                                                                     "/v1/community/posts/1/reactions/heart"),
    ("POST", "/v1/community/posts/{post_id}/reports"): ("user", "enable_community", "/v1/community/posts/1/reports"),
    ("GET", "/v1/community/moderation/reports"): ("user", "enable_community", "/v1/community/moderation/reports"),
    ("POST", "/v1/community/moderation/reports/{report_id}"): ("user", "enable_community",
                                                               "/v1/community/moderation/reports/1"),
    ("POST", "/v1/community/moderation/posts/{post_id}/{action}"): ("user", "enable_community",
                                                                     "/v1/community/moderation/posts/1/hide"),
    ("POST", "/v1/community/moderation/threads/{thread_id}/{action}"): ("user", "enable_community",
                                                                         f"/v1/community/moderation/threads/{U}/lock"),
    ("GET", "/v1/community/moderation/bans"): ("user", "enable_community", "/v1/community/moderation/bans"),
    ("PUT", "/v1/community/moderation/bans/{user_id}"): ("user", "enable_community", f"/v1/community/moderation/bans/{U}"),
    ("DELETE", "/v1/community/moderation/bans/{user_id}"): ("user", "enable_community",
                                                            f"/v1/community/moderation/bans/{U}"),
    ("PUT", "/v1/admin/community/moderators/{user_id}"): ("admin", "enable_community", f"/v1/admin/community/moderators/{U}"),
    ("DELETE", "/v1/admin/community/moderators/{user_id}"): ("admin", "enable_community",
                                                             f"/v1/admin/community/moderators/{U}"),
    ("GET", "/v1/community/events"): ("public_read", "enable_community", "/v1/community/events"),
    ("POST", "/v1/community/events"): ("user", "enable_community", "/v1/community/events"),
    ("GET", "/v1/community/events/{event_id}"): ("public_read", "enable_community", f"/v1/community/events/{U}"),
    ("PATCH", "/v1/community/events/{event_id}"): ("user", "enable_community", f"/v1/community/events/{U}"),
    ("DELETE", "/v1/community/events/{event_id}"): ("user", "enable_community", f"/v1/community/events/{U}"),
    ("GET", "/v1/community/events/{event_id}/ics"): ("public_read", "enable_community", f"/v1/community/events/{U}/ics"),
    ("PUT", "/v1/community/events/{event_id}/rsvp"): ("user", "enable_community", f"/v1/community/events/{U}/rsvp"),
    ("DELETE", "/v1/community/events/{event_id}/rsvp"): ("user", "enable_community", f"/v1/community/events/{U}/rsvp"),
    ("POST", "/v1/support/tickets"): ("user", "enable_support", "/v1/support/tickets"),
    ("GET", "/v1/support/tickets"): ("user", "enable_support", "/v1/support/tickets"),
    ("GET", "/v1/support/queue"): ("user", "enable_support", "/v1/support/queue"),
    ("GET", "/v1/support/tickets/{ticket_id}"): ("user", "enable_support", f"/v1/support/tickets/{U}"),
    ("POST", "/v1/support/tickets/{ticket_id}/messages"): ("user", "enable_support", f"/v1/support/tickets/{U}/messages"),
    ("PATCH", "/v1/support/tickets/{ticket_id}"): ("user", "enable_support", f"/v1/support/tickets/{U}"),
    ("PUT", "/v1/admin/support/agents/{user_id}"): ("admin", "enable_support", f"/v1/admin/support/agents/{U}"),
    ("DELETE", "/v1/admin/support/agents/{user_id}"): ("admin", "enable_support", f"/v1/admin/support/agents/{U}"),
    ("GET", "/v1/support/faq"): ("public_read", "enable_support", "/v1/support/faq"),
    ("GET", "/v1/support/faq/{slug}"): ("public_read", "enable_support", "/v1/support/faq/nope"),
    ("PUT", "/v1/support/faq"): ("user", "enable_support", "/v1/support/faq"),
    ("DELETE", "/v1/support/faq/{slug}"): ("user", "enable_support", "/v1/support/faq/nope"),
    ("POST", "/v1/support/chatbot/ask"): ("user", "enable_support", "/v1/support/chatbot/ask"),
    ("POST", "/v1/support/chatbot/answers/{answer_id}/feedback"): ("user", "enable_support",
                                                                   f"/v1/support/chatbot/answers/{U}/feedback"),
    ("POST", "/v1/support/chatbot/answers/{answer_id}/escalate"): ("user", "enable_support",
                                                                   f"/v1/support/chatbot/answers/{U}/escalate"),
    ("GET", "/v1/support/widget"): ("user", "enable_support", "/v1/support/widget"),
}
PREFIXES = ("/v1/community", "/v1/support", "/v1/admin/community", "/v1/admin/support")


def test_the_table_covers_every_route_and_matches_the_declarations(cc: TestClient) -> None:
    declared = {}
    for path, route, reqs in iter_routes(list(cc.app.routes)):
        if path.startswith(PREFIXES):
            for method in getattr(route, "methods", set()) - {"HEAD"}:
                assert len(reqs) == 1, path
                declared[(method, path)] = (reqs[0].kind, reqs[0].feature)
    assert set(declared) == set(ROUTES)
    assert all(declared[k] == v[:2] for k, v in ROUTES.items())


@pytest.mark.parametrize(("method", "template"), sorted(ROUTES))
def test_credentials(cc: TestClient, admin_h: dict[str, str], method: str, template: str) -> None:
    kind, _, path = ROUTES[(method, template)]
    anonymous = cc.request(method, path)
    if kind == "public_read":
        assert anonymous.status_code in (200, 404), anonymous.text  # 404: the made-up id, not the auth
        assert cc.request(method, path, headers={"Authorization": "Bearer forged"}).status_code == 401
        return
    assert anonymous.status_code == 401 and anonymous.headers["content-type"].startswith("application/problem+json")
    assert cc.request(method, path, headers={"Authorization": "Bearer forged"}).status_code == 401
    if kind == "admin":
        assert cc.request(method, path, headers=new_user(cc)["h"]).status_code == 403
        assert cc.request(method, path, headers=admin_h).status_code != 403


@pytest.mark.parametrize("flag", ["enable_community", "enable_support"])
def test_flag_off_hides_every_route(make_client: Callable[..., TestClient], flag: str) -> None:
    with make_client(**{flag: False}) as c:
        h = new_user(c)["h"]
        for (method, template), (_, route_flag, path) in ROUTES.items():
            if route_flag == flag:
                assert c.request(method, path).status_code == 404, path
                assert c.request(method, path, headers=h).status_code == 404, path
            elif method == "GET" and "{" not in template:  # the other area's lists stay up
                assert c.request(method, path, headers=h).status_code != 404, path
