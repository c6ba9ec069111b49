"""Which outbox events become notifications, of which kind, with which title.

Kinds are what users choose channels for. Community and support (mentions, replies, tickets) are
matched by name pattern, so their domains only have to record ``*.mention``, ``*.reply`` and
``ticket.*`` / ``support.ticket.*`` events to be notified.
"""

from __future__ import annotations

from typing import Any

KINDS = ("message", "proposal", "contract", "mention", "reply", "ticket")

_TITLES = {
    "message.created": "New message",
    "proposal.submitted": "New proposal",
    "proposal.accepted": "Proposal accepted",
    "proposal.rejected": "Proposal declined",
    "proposal.withdrawn": "Proposal withdrawn",
    "proposal.shortlisted": "Proposal shortlisted",
    "contract.created": "Contract started",
    "contract.escrow_prepared": "Escrow ready to fund",
    "escrow.event.pending": "Escrow activity (pending confirmation)",
    "escrow.event.confirmed": "Escrow activity confirmed",
    "escrow.event.retracted": "Escrow activity retracted by a chain reorganisation",
}


def kind_of(event_kind: str) -> str | None:
    """The notification kind of an outbox event kind; None for events nobody is notified of."""
    if event_kind == "message.created":
        return "message"
    if event_kind.startswith("proposal."):
        return "proposal"
    if event_kind.startswith(("contract.", "escrow.event.", "escrow_intent.")):
        return "contract"
    if event_kind.endswith(".mention") or event_kind.startswith("mention."):
        return "mention"
    if event_kind.endswith(".reply") or event_kind.startswith("reply."):
        return "reply"
    if event_kind.startswith(("ticket.", "support.ticket.")):
        return "ticket"
    return None


def title_of(event_kind: str) -> str:
    return _TITLES.get(event_kind) or event_kind.replace(".", " ").replace("_", " ").capitalize()


def chain_ref(event_kind: str, payload: dict[str, Any]) -> str | None:
    """Chain events name their log, so the later confirmed/retracted event finds the pending one."""
    if not event_kind.startswith("escrow.event."):
        return None
    try:
        return f"{int(payload['chain_id'])}:{payload['block_hash']}:{int(payload['log_index'])}"
    except (KeyError, TypeError, ValueError):
        return None


def status_of(event_kind: str) -> str | None:
    return event_kind.rsplit(".", 1)[1] if event_kind.startswith("escrow.event.") else None
