"""Status vocabularies of the escrow contracts, defined once for the projections, the read models
and the API (the subgraph, in AssemblyScript, mirrors them by hand)."""

from __future__ import annotations

from enum import IntEnum, StrEnum


class MilestoneStatus(IntEnum):
    """A milestone's state as the escrow projection stores it (a SMALLINT)."""

    PENDING = 0
    SUBMITTED = 1
    RELEASED = 2
    DISPUTED = 3
    RESOLVED = 4
    REFUNDED = 5

    @property
    def label(self) -> str:
        return self.name.lower()


class EscrowState(StrEnum):
    """An escrow's overall state (stored as text in ``escrows.status``)."""

    CREATED = "created"
    FUNDED = "funded"
    ACTIVE = "active"
    DISPUTED = "disputed"
    COMPLETED = "completed"


MILESTONE_STATUS_NAMES: tuple[str, ...] = tuple(s.label for s in MilestoneStatus)
ESCROW_STATES: tuple[str, ...] = tuple(s.value for s in EscrowState)
