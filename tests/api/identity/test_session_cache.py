"""Access tokens remembered per API process (``api.identity.sessioncache``): a signed-out or revoked session
is refused at once by the process that wrote it and within CACHE_VERSION_TTL_SECONDS by every other; the
token's and the session's expiry hold exactly; nothing is served from memory without a fresh version; a
remembered user still pays the per-user rate limit and the failed-authentication guard. Two apps on the
same database and Redis stand for two API processes."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from eth_account import Account
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import create_app
from api.identity import totp
from api.settings import ApiSettings
from tests.support.api_client import bearer, login
from tests.support.cache_bounds import until

ME = "/v1/me"  # user()
SEARCH = "/v1/projects?limit=1"  # public_read(read:marketplace): the signed-in search


def _memory(client: TestClient, token: str) -> Any:
    return client.app.state.authenticator.remembered_user(token)  # type: ignore[attr-defined]


def _remembered(client: TestClient, token: str) -> bool:
    """Whether this app answers ``token`` from memory now, after using it once (which remembers it)."""
    assert client.get(ME, headers=bearer(token)).status_code == 200
    return _memory(client, token) is not None


def _both(a: TestClient, b: TestClient, token: str) -> None:
    until(lambda: _remembered(a, token) and _remembered(b, token))


def _refused(client: TestClient, token: str) -> bool:
    """Both kinds of route refuse the token (401), and it is no longer in memory."""
    return (client.get(ME, headers=bearer(token)).status_code == 401
            and client.get(SEARCH, headers=bearer(token)).status_code == 401 and _memory(client, token) is None)


def test_sign_out_is_refused_at_once_here_and_promptly_elsewhere(two: tuple[TestClient, TestClient]) -> None:
    a, b = two
    token = login(a, Account.create())["tokens"]["access_token"]
    _both(a, b, token)
    assert b.get(SEARCH, headers=bearer(token)).status_code == 200  # the public read serves it from memory too
    assert a.post("/v1/auth/logout", headers=bearer(token)).status_code == 204
    # The process that wrote it: at once (its commit marks its version stale), on the very next request.
    assert a.get(ME, headers=bearer(token)).status_code == 401
    assert _refused(a, token)
    # The other: once its version moved (the sessions trigger), well before its 10 s TTL.
    until(lambda: _refused(b, token))


def test_revoking_other_sessions_and_refresh_reuse(two: tuple[TestClient, TestClient]) -> None:
    a, b = two
    account = Account.create()
    mine, theirs = login(a, account)["tokens"], login(a, account)["tokens"]
    _both(a, b, theirs["access_token"])
    r = a.post("/v1/me/sessions/revoke-others", headers=bearer(mine["access_token"]))
    assert r.status_code == 200 and r.json()["revoked"] == 1, r.text
    assert _refused(a, theirs["access_token"])
    until(lambda: _refused(b, theirs["access_token"]))
    assert _remembered(b, mine["access_token"])  # the session kept is still served

    # A refresh token used twice revokes its session (theft): its access tokens are refused with it.
    first = a.post("/v1/auth/refresh", json={"refresh_token": mine["refresh_token"]})
    assert first.status_code == 200
    fresh = first.json()["access_token"]
    _both(a, b, fresh)
    reuse = a.post("/v1/auth/refresh", json={"refresh_token": mine["refresh_token"]})
    assert reuse.status_code == 401 and reuse.json()["type"] == "/problems/refresh-token-reuse"
    for token in (fresh, mine["access_token"]):
        assert _refused(a, token)
        until(lambda t=token: _refused(b, t))  # type: ignore[misc]


def test_writes_of_another_process_are_seen_within_the_bound(two: tuple[TestClient, TestClient],
                                                            engine: Engine) -> None:
    """Plain SQL (no app involved): a revoked session, a deleted user, a session deleted outright."""
    a, b = two
    cases = [
        "UPDATE user_sessions SET revoked_at = now(), revoked_reason = 'test' WHERE id = :s",
        "UPDATE users SET deleted_at = now() WHERE id = :u",
        "DELETE FROM user_sessions WHERE id = :s",
    ]
    for statement in cases:
        tokens = login(a, Account.create())["tokens"]
        token = tokens["access_token"]
        _both(a, b, token)
        with engine.begin() as conn:
            conn.execute(text(statement), {"s": tokens["session_id"], "u": tokens["user_id"]})
        for client in (a, b):
            until(lambda c=client: _refused(c, token))  # type: ignore[misc]


def test_enabling_2fa_is_seen_in_the_remembered_principal(two: tuple[TestClient, TestClient]) -> None:
    """The principal says whether TOTP is enrolled (step-up and 2FA routes read it): an enrolment made in
    one process reaches the other's memory within the bound, not after its TTL."""
    a, b = two
    token = login(a, Account.create())["tokens"]["access_token"]
    _both(a, b, token)
    assert _memory(b, token).mfa_enrolled is False
    setup = a.post("/v1/me/2fa/setup", headers=bearer(token))
    assert setup.status_code == 200, setup.text
    code = totp.code_at(setup.json()["secret"], totp.current_step())
    assert a.post("/v1/me/2fa/enable", json={"code": code}, headers=bearer(token)).status_code == 200
    for client in (a, b):
        until(lambda c=client: _remembered(c, token) and _memory(c, token).mfa_enrolled)  # type: ignore[misc]


def _short_token(client: TestClient, tokens: dict[str, Any], ttl: int) -> tuple[str, int]:
    """An access token of the session ``tokens`` with its own lifetime (what the API would have issued with
    ACCESS_TOKEN_TTL_SECONDS=ttl), and its exp."""
    token, exp = client.app.state.token_signer.issue_access(  # type: ignore[attr-defined]
        tokens["user_id"], tokens["session_id"], ["user"], ttl, auth_time=int(time.time()), amr=["swk"])
    return token, exp


def test_an_expired_token_is_refused_though_remembered(two: tuple[TestClient, TestClient]) -> None:
    """exp is checked on every request, with the verifier's own rule (5 s of leeway): the token is served
    from memory until the last second PyJWT would accept it, and refused from the next."""
    from api.identity.tokens import LEEWAY_SECONDS

    a, _ = two
    tokens = login(a, Account.create())["tokens"]
    token, exp = _short_token(a, tokens, ttl=4 - LEEWAY_SECONDS)  # acceptable for about 4 more seconds
    until(lambda: _remembered(a, token), seconds=2.5)
    assert a.app.state.token_signer.verify_access(token)  # type: ignore[attr-defined]
    while time.time() < exp + LEEWAY_SECONDS - 0.3:
        assert a.get(ME, headers=bearer(token)).status_code == 200
        time.sleep(0.05)
    while time.time() <= exp + LEEWAY_SECONDS:
        time.sleep(0.01)
    r = a.get(ME, headers=bearer(token))
    assert r.status_code == 401 and r.json()["type"] == "/problems/invalid-token"
    assert a.get(SEARCH, headers=bearer(token)).status_code == 401
    assert _memory(a, token) is None
    assert a.get(ME, headers=bearer(tokens["access_token"])).status_code == 200  # its session lives on


def test_the_sessions_own_expiry_holds_exactly(two: tuple[TestClient, TestClient], engine: Engine) -> None:
    a, _ = two
    tokens = login(a, Account.create())["tokens"]
    token = tokens["access_token"]
    with engine.begin() as conn:  # the session's absolute end, two seconds from now
        ends = conn.execute(text("UPDATE user_sessions SET expires_at = now() + interval '2 seconds' "
                                 "WHERE id = :s RETURNING extract(epoch FROM expires_at)"),
                            {"s": tokens["session_id"]}).scalar_one()
    until(lambda: _remembered(a, token))
    while time.time() < float(ends) - 0.3:
        assert a.get(ME, headers=bearer(token)).status_code == 200
        time.sleep(0.05)
    while time.time() <= float(ends):
        time.sleep(0.01)
    assert _refused(a, token)


def test_the_ttl_bounds_a_write_that_escaped_the_triggers(settings_factory: Callable[..., ApiSettings],
                                                          engine: Engine) -> None:
    """The safety net: a revocation the sessions version did not see (triggers off for that transaction)
    is still refused once SESSION_CACHE_SECONDS have passed since the token was checked."""
    with TestClient(create_app(settings_factory(session_cache_seconds=1)), raise_server_exceptions=False) as c:
        tokens = login(c, Account.create())["tokens"]
        until(lambda: _remembered(c, tokens["access_token"]))
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL session_replication_role = replica"))  # no trigger fires
            conn.execute(text("UPDATE user_sessions SET revoked_at = now() WHERE id = :s"), {"s": tokens["session_id"]})
        until(lambda: c.get(ME, headers=bearer(tokens["access_token"])).status_code == 401, seconds=3)


def test_nothing_is_served_from_memory_without_a_fresh_version(settings_factory: Callable[..., ApiSettings],
                                                               engine: Engine) -> None:
    """No version kept fresh (here: no refresher, CACHE_VERSION_TTL_SECONDS=0; in production: the database
    unreachable): every request checks the session in the database, so a revocation counts at once."""
    with TestClient(create_app(settings_factory(cache_version_ttl_seconds=0)), raise_server_exceptions=False) as c:
        tokens = login(c, Account.create())["tokens"]
        for _ in range(3):
            assert c.get(ME, headers=bearer(tokens["access_token"])).status_code == 200
            assert c.get(SEARCH, headers=bearer(tokens["access_token"])).status_code == 200
            assert _memory(c, tokens["access_token"]) is None
        with engine.begin() as conn:
            conn.execute(text("UPDATE user_sessions SET revoked_at = now() WHERE id = :s"), {"s": tokens["session_id"]})
        assert c.get(ME, headers=bearer(tokens["access_token"])).status_code == 401


def test_a_token_differing_in_any_byte_is_checked_afresh(two: tuple[TestClient, TestClient]) -> None:
    a, _ = two
    token = login(a, Account.create())["tokens"]["access_token"]
    until(lambda: _remembered(a, token))
    forged = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    assert a.get(ME, headers=bearer(forged)).status_code == 401
    assert a.get(SEARCH, headers=bearer(forged)).status_code == 401
    # Two remembered tokens, each answered with its own principal.
    other = login(a, Account.create())["tokens"]
    until(lambda: _remembered(a, other["access_token"]))
    assert a.get(ME, headers=bearer(other["access_token"])).json()["user_id"] == str(other["user_id"])
    assert a.get(ME, headers=bearer(token)).json()["user_id"] != str(other["user_id"])


def test_a_remembered_user_still_pays_the_per_user_limit_and_the_failure_guard(
        settings_factory: Callable[..., ApiSettings], redis_prefix: str) -> None:
    """The one-command path (``alimit_credentialed``) gives the answers of the steps it replaces: the
    per-user bucket is the one the database path counts in, and past the failed-authentication budget of
    the caller's address a remembered token is refused like any other credential."""
    settings = settings_factory(ratelimit_principal_per_window=40,
                                redis_key_prefix=f"{redis_prefix}sc-{uuid.uuid4().hex[:8]}:")
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        tokens = login(c, Account.create())["tokens"]
        h = bearer(tokens["access_token"])
        until(lambda: _remembered(c, tokens["access_token"]))  # database path hits, counted in the bucket
        left = int(c.get(SEARCH, headers=h).headers["ratelimit-remaining"])
        assert 0 < left < 40
        answers = [c.get(SEARCH if i % 2 else ME, headers=h) for i in range(left + 1)]
        assert [r.status_code for r in answers[:-1]] == [200] * left
        assert [int(r.headers["ratelimit-remaining"]) for r in answers[:-1]] == list(range(left - 1, -1, -1))
        assert answers[-1].status_code == 429 and answers[-1].json()["type"] == "/problems/rate-limited"
        assert "retry-after" in answers[-1].headers
        assert _memory(c, tokens["access_token"]) is not None  # all of them answered from memory

    settings = settings_factory(ratelimit_auth_failures_per_window=3,
                                redis_key_prefix=f"{redis_prefix}sc-{uuid.uuid4().hex[:8]}:")
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        tokens = login(c, Account.create())["tokens"]
        h = bearer(tokens["access_token"])
        until(lambda: _remembered(c, tokens["access_token"]))
        for _ in range(3):
            assert c.get(ME, headers=bearer("not-a-token")).status_code == 401
        for path in (ME, SEARCH):
            r = c.get(path, headers=h)
            assert r.status_code == 429 and "failed authentications" in r.json()["detail"], r.text
