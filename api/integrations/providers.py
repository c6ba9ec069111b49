"""What a message looks like for each provider: the generic Standard Webhooks JSON envelope, or a
Slack / Discord incoming-webhook message. Pure functions of an event; no I/O."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

# The vocabulary of events Lancer writes to its outbox (listed by GET /v1/integrations/event-types).
# Filters also accept ``<prefix>.*`` and ``*``; unknown exact names are accepted too, so endpoints can
# subscribe to events added later (e.g. escrow-as-a-service).
EVENT_TYPES: dict[str, str] = {
    "escrow.event.pending": "An escrow event was indexed, not yet final (confirmations pending)",
    "escrow.event.confirmed": "An escrow event is now final (deep enough / finalized)",
    "escrow.event.retracted": "A pending escrow event was removed by a chain reorganisation",
    "rewards.claim.*": "A rewards claim of your wallet was indexed (pending), is final (confirmed) or was removed by a reorg (retracted)",
    "staking.change.*": "A stake, unstake request, withdrawal or staking reward of your wallet (pending, confirmed, retracted)",
    "project.created": "A project was posted (draft)",
    "project.updated": "A project was edited",
    "project.state_changed": "A project moved (open, in progress, completed, cancelled)",
    "proposal.submitted": "A proposal was sent",
    "proposal.shortlisted": "A proposal was shortlisted",
    "proposal.declined": "A proposal was declined",
    "proposal.withdrawn": "A proposal was withdrawn",
    "proposal.accepted": "A proposal was accepted (a hire)",
    "contract.created": "A contract was created from an accepted proposal",
    "contract.escrow_prepared": "The escrow transactions of a contract were prepared",
    "org.invitation_created": "Someone was invited to an organization",
    "org.member_joined": "Someone joined an organization",
    "message.created": "A message was sent in one of your conversations (ids only, never the text)",
    "skill_verification.decided": "One of your skill verifications passed, failed or expired",
    "reputation.updated": "Your reputation score changed (new confirmed facts, or a reorg retracted some)",
    "security.*": "Security notices of your account (wallets, sessions, 2FA, API keys)",
    "integration.webhook.disabled": "One of your webhook endpoints was disabled after repeated failures",
    "webhook.test": "A test ping (POST .../test)",
    "payment.fiat_succeeded": "A card payment (Stripe Checkout: top-up or invoice) succeeded",
    "github.milestone_submit_suggested": "A merged pull request names a milestone: submit it on chain",
}

_COLOURS = {"pending": 0xF1C40F, "confirmed": 0x2ECC71, "retracted": 0xE74C3C}


def matches(filters: list[str], kind: str) -> bool:
    for f in filters:
        if f == "*" or f == kind or (f.endswith(".*") and kind.startswith(f[:-1])):
            return True
    return False


def envelope(kind: str, subject: str, payload: dict[str, Any], at: datetime, event_id: int | None) -> dict[str, Any]:
    """The generic body: ``{type, timestamp, data}`` as the Standard Webhooks spec suggests."""
    return {"type": kind, "timestamp": at.isoformat().replace("+00:00", "Z"),
            "data": {"event_id": event_id, "subject": subject, **payload}}


def summary(kind: str, subject: str, payload: dict[str, Any]) -> str:
    """One line a person reads in a chat channel."""
    if kind.startswith("escrow.event."):
        status = kind.rsplit(".", 1)[1]
        text = (f"Escrow {payload.get('escrow', '?')} on chain {payload.get('chain_id', '?')}: "
                f"{payload.get('event', 'event')} ({status})")
        if status == "retracted":
            text += " - removed by a chain reorganisation"
        return text
    if kind == "webhook.test":
        return "Test message from Lancer: this channel receives Lancer notifications."
    if kind == "integration.webhook.disabled":
        return "A Lancer webhook endpoint was disabled after repeated delivery failures."
    label = EVENT_TYPES.get(kind) or kind
    return f"{label} ({subject})"


def _fields(payload: dict[str, Any]) -> list[tuple[str, str]]:
    keep = ("chain_id", "escrow", "event", "block_number", "tx_hash", "state", "project", "role")
    return [(k, str(payload[k])) for k in keep if k in payload and payload[k] is not None]


def slack(kind: str, subject: str, payload: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
    """A Slack incoming-webhook message: ``text`` (the notification fallback) and Block Kit blocks."""
    text = summary(kind, subject, payload)
    fields = [{"type": "mrkdwn", "text": f"*{k}*\n`{v}`"} for k, v in _fields(payload)][:10]
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
    if fields:
        blocks.append({"type": "section", "fields": fields})
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"Lancer · `{kind}`"}]})
    return {"text": text, "blocks": blocks}


def discord(kind: str, subject: str, payload: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
    """A Discord incoming-webhook message: one embed; ``username`` from the integration's config."""
    colour = _COLOURS.get(kind.rsplit(".", 1)[-1], 0x5865F2)
    embed = {"title": kind, "description": summary(kind, subject, payload)[:4000], "color": colour,
             "fields": [{"name": k, "value": v[:1024], "inline": True} for k, v in _fields(payload)][:25]}
    return {"username": str(config.get("username") or "Lancer")[:80], "embeds": [embed],
            "allowed_mentions": {"parse": []}}


def render(provider: str, kind: str, subject: str, payload: dict[str, Any], at: datetime,
           event_id: int | None, config: dict[str, Any]) -> str:
    """The exact body bytes (as text) to sign and send."""
    if provider == "slack":
        body = slack(kind, subject, payload, config)
    elif provider == "discord":
        body = discord(kind, subject, payload, config)
    else:
        body = envelope(kind, subject, payload, at, event_id)
    return json.dumps(body, separators=(",", ":"), sort_keys=True, default=str)
