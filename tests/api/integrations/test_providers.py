"""Slack and Discord incoming-webhook messages: the format functions, and delivery to a live local server
standing in for hooks.slack.com / discord.com (Discord answers 204, as the real one does)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.integrations import providers
from api.settings import ApiSettings
from tests.support.webhook_env import emit, endpoint, integration, pump
from tests.support.webhook_receiver import Receiver

ESCROW = {"chain_id": 31337, "escrow": "0x" + "ab" * 20, "event": "MilestoneReleased", "block_number": 12,
          "block_hash": "0x" + "cd" * 32, "log_index": 3, "tx_hash": "0x" + "ef" * 32}


def test_slack_format() -> None:
    body = providers.slack("escrow.event.retracted", "escrow:31337:0xab", ESCROW, {})
    assert "reorganisation" in body["text"] and "MilestoneReleased" in body["text"]
    kinds = [b["type"] for b in body["blocks"]]
    assert kinds == ["section", "section", "context"]
    assert any(ESCROW["tx_hash"] in f["text"] for f in body["blocks"][1]["fields"])


def test_discord_format() -> None:
    body = providers.discord("escrow.event.confirmed", "escrow:31337:0xab", ESCROW, {"username": "Bot"})
    embed = body["embeds"][0]
    assert body["username"] == "Bot" and embed["title"] == "escrow.event.confirmed" and embed["color"] == 0x2ECC71
    assert {"name": "tx_hash", "value": ESCROW["tx_hash"], "inline": True} in embed["fields"]
    assert body["allowed_mentions"] == {"parse": []}  # an event never pings @everyone


def test_generic_envelope_is_canonical_json() -> None:
    at = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    text = providers.render("webhook", "project.created", "project:1", {"state": "draft"}, at, 42, {})
    assert text == ('{"data":{"event_id":42,"state":"draft","subject":"project:1"},'
                    '"timestamp":"2026-11-30T12:00:00Z","type":"project.created"}')


def test_filters() -> None:
    assert providers.matches(["escrow.event.*"], "escrow.event.pending")
    assert not providers.matches(["escrow.event.*"], "escrow.events")
    assert providers.matches(["*"], "anything") and providers.matches(["a.b"], "a.b")
    assert not providers.matches(["a.b"], "a.bc")


def _channel(client: TestClient, owner: dict[str, Any], receiver: Receiver, provider: str, path: str,
             **config: Any) -> dict[str, Any]:
    it = integration(client, owner["headers"], provider=provider, config=config)
    return endpoint(client, owner["headers"], it["id"], receiver.url(path), ["escrow.event.*"])


def test_slack_and_discord_channels_receive_their_formats(
        client: TestClient, engine: Engine, fast: ApiSettings, owner: dict[str, Any], receiver: Receiver) -> None:
    slack_path = f"/services/T0/B0/{uuid.uuid4().hex}"
    discord_path = f"/api/webhooks/1/{uuid.uuid4().hex}"
    receiver.default_status[discord_path] = 204
    slack = _channel(client, owner, receiver, "slack", slack_path)
    _channel(client, owner, receiver, "discord", discord_path, username="Lancer CI")
    client.post(f"/v1/integrations/webhooks/{slack['id']}/test", headers=owner["headers"])
    emit(engine, "escrow.event.pending", f"escrow:31337:{ESCROW['escrow']}", ESCROW, [owner["user_id"]])
    pump(engine, fast, lambda: len(receiver.at(slack_path)) == 2 and len(receiver.at(discord_path)) == 1)
    ping, event = (r.json for r in receiver.at(slack_path))
    assert "Test message" in ping["text"]
    assert "pending" in event["text"] and event["blocks"][0]["text"]["type"] == "mrkdwn"
    discord = receiver.at(discord_path)[0].json
    assert discord["username"] == "Lancer CI" and discord["embeds"][0]["title"] == "escrow.event.pending"
    log = client.get(f"/v1/integrations/webhooks/{slack['id']}/deliveries", headers=owner["headers"]).json()
    assert [d["status"] for d in log["items"]] == ["succeeded", "succeeded"]
    # The channel's URL (a secret: whoever has it can post) is never in the delivery log.
    detail = client.get(f"/v1/integrations/webhooks/{slack['id']}/deliveries/{log['items'][0]['id']}",
                        headers=owner["headers"]).text
    assert slack_path not in detail
