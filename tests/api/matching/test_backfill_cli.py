"""`lancer matching backfill` against the session's database: every freelancer's features recomputed,
someone who stopped being a freelancer removed, a progress bar on request, a one-line error without a database."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

import pytest
from click.testing import CliRunner
from eth_account import Account
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.settings import ApiSettings
from scripts.cli import cli
from tests.support.api_client import bearer, login


def _freelancer(client: TestClient, bio: str) -> str:
    h = bearer(login(client, Account.create())["tokens"]["access_token"])
    handle = "b" + secrets.token_hex(5)
    r = client.patch("/v1/me/profile", headers=h, json={"handle": handle, "display_name": handle, "bio": bio,
                                                        "is_freelancer": True})
    assert r.status_code == 200, r.text
    assert client.put("/v1/me/profile/skills/python", headers=h, json={"level": 4, "years": 3}).status_code == 204
    return str(client.get("/v1/me", headers=h).json()["user_id"])


def test_backfill_recomputes_every_freelancer(client: TestClient, api_settings: ApiSettings, engine: Engine,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    word = "bf" + secrets.token_hex(3)
    users = [_freelancer(client, f"{word} backend developer {i}") for i in range(3)]
    ghost = uuid.UUID(users[0])
    with engine.begin() as conn:  # stale features and one profile that is no longer a freelancer's
        conn.execute(text("DELETE FROM match_freelancers WHERE user_id = ANY(:u)"), {"u": [uuid.UUID(u) for u in users]})
        conn.execute(text("UPDATE profiles SET is_freelancer = false WHERE user_id = :u"), {"u": ghost})
        conn.execute(text(
            "INSERT INTO match_freelancers (user_id, skill_ids, skill_levels, verified_skill_ids, reputation, completed, "
            "tz_offset_minutes, availability, rates, is_new, text, profile_created_at, updated_at) VALUES "
            "(:u, '{}', '{}', '{}', 0, 0, 0, 'available', '[]', true, 'stale', now(), now())"), {"u": ghost})
    monkeypatch.setenv("DATABASE_URL", api_settings.database_url.get_secret_value())
    monkeypatch.setenv("REDIS_URL", api_settings.redis_url_or_default)
    monkeypatch.setenv("REDIS_KEY_PREFIX", api_settings.redis_key_prefix)
    monkeypatch.setenv("ENVIRONMENT", "test")
    result = CliRunner().invoke(cli, ["matching", "backfill", "--no-embed", "--progress"])
    assert result.exit_code == 0, result.output
    assert "freelancers recomputed; embeddings skipped" in result.output
    with engine.connect() as conn:
        rows: dict[Any, Any] = dict(conn.execute(text("SELECT user_id, text FROM match_freelancers WHERE user_id = ANY(:u)"),
                                                 {"u": [uuid.UUID(u) for u in users]}).all())
    assert ghost not in rows
    assert {str(k) for k in rows} == set(users[1:]) and all(word in t and "Python" in t for t in rows.values())


def test_backfill_without_a_database_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    monkeypatch.setenv("ENVIRONMENT", "test")
    result = CliRunner().invoke(cli, ["matching", "backfill", "--no-embed"])
    assert result.exit_code == 2 and "cannot reach the database" in result.output
