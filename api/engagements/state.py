"""An engagement's state, derived on every read from its escrow's indexed events: replaying the timeline
(twice: every indexed event for ``pending``, confirmed ones only for ``confirmed``) means a reorg that
removes an event from the index moves the state back by itself; nothing is stored."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MILESTONE_EVENTS = {"MilestoneSubmitted": "submitted", "MilestoneReleased": "released",
                    "DisputeOpened": "disputed", "DisputeResolved": "resolved", "MilestoneRefunded": "refunded"}


@dataclass
class Derived:
    state: str = "awaiting_funding"
    milestones: list[str] = field(default_factory=list)
    block: int | None = None  # block of the last event applied
    tx_hash: str | None = None


def replay(events: list[Any], milestone_count: int) -> Derived:
    """Fold the escrow's events (``event_name``, ``args``, ``block_number``, ``tx_hash``; in chain order)."""
    d = Derived(milestones=["pending"] * milestone_count)
    funded = accepted = completed = False
    for e in events:
        name = e.event_name
        if name == "Funded":
            funded = True
        elif name == "Accepted":
            accepted = True
        elif name == "Completed":
            completed = True
        elif name in MILESTONE_EVENTS:
            index = int(e.args["index"])
            if 0 <= index < milestone_count:
                d.milestones[index] = MILESTONE_EVENTS[name]
        d.block, d.tx_hash = e.block_number, e.tx_hash
    if completed:
        d.state = "refunded" if all(m == "refunded" for m in d.milestones) else "completed"
    elif "disputed" in d.milestones:
        d.state = "disputed"
    elif accepted:
        d.state = "active"
    elif funded:
        d.state = "funded"
    else:
        d.state = "awaiting_funding"
    return d
