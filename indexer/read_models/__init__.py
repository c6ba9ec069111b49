"""Read models: the only way the API reads chain data. One module per domain, mirroring
``indexer.projections`` (plus ``chains``, ``gas`` and ``reputation``, which read across domains).
Every function takes a SQLAlchemy ``Connection`` and returns typed, frozen pydantic models; amounts are
ints in base units. The read side imports only the kernel (``indexer.core``), never the write side.

The names below are the API's door (``read_models.balances(...)``); note that the functions
``attestations``, ``treasury`` and ``gas`` shadow their modules here, which stay importable by path.
"""

from indexer.read_models.attestations import IndexedAttestation, attestations
from indexer.read_models.base import confirmed_block
from indexer.read_models.chains import ChainCursor, ChainStatus, chain_cursors, chain_status, index_version
from indexer.read_models.escrows import (
    Escrow,
    EscrowDetail,
    EscrowEvent,
    EscrowFilter,
    FeedEvent,
    Milestone,
    escrow_detail,
    escrow_events_after,
    escrow_list,
    events_present,
)
from indexer.read_models.governance import Votes, delegate_of, votes_at
from indexer.read_models.gas import ACTION_OF_EVENT, PERIODS, Gas, GasByAction, gas, gas_by_action
from indexer.read_models.movements import (
    MOVEMENT_TYPES,
    Movement,
    ReleasedMilestone,
    released_milestone,
    released_milestones,
    wallet_movements,
)
from indexer.read_models.reputation import (
    Engagement,
    HistoryMilestone,
    confirmed_completions,
    confirmed_engagement,
    party_history,
    reputation_index_version,
)
from indexer.read_models.rewards import (
    AttestationCount,
    CompletedEscrow,
    ConfirmedPeriod,
    EconomyEvent,
    PublishedEpoch,
    RewardClaim,
    attestation_parties,
    claims,
    completed_escrows,
    confirmed_period,
    economy_events_after,
    published_epochs,
)
from indexer.read_models.staking import StakingPosition, position, stakes
from indexer.read_models.tokens import (
    AccountTransfer,
    Balance,
    NativeBalance,
    account_transfers,
    balances,
    native_balance,
)
from indexer.read_models.treasury import (
    KindAmount,
    Offset,
    OffsetTotal,
    Split,
    TokenAmount,
    TreasurySummary,
    offsets_by_chain,
    treasury,
)

__all__ = [
    "ACTION_OF_EVENT", "MOVEMENT_TYPES", "PERIODS", "Movement", "ReleasedMilestone", "AccountTransfer", "Balance", "ChainCursor", "ChainStatus", "Engagement", "Escrow",
    "EscrowDetail", "EscrowEvent", "EscrowFilter", "FeedEvent", "Gas", "GasByAction", "HistoryMilestone", "IndexedAttestation",
    "KindAmount", "Milestone", "NativeBalance", "Offset", "OffsetTotal", "Split", "TokenAmount", "TreasurySummary",
    "account_transfers", "attestations", "balances", "chain_cursors", "chain_status", "confirmed_block",
    "confirmed_engagement", "escrow_detail", "escrow_events_after", "escrow_list", "events_present", "gas", "gas_by_action", "index_version",
    "native_balance", "offsets_by_chain", "party_history", "confirmed_completions", "released_milestone", "released_milestones", "reputation_index_version", "treasury",
    "wallet_movements",
    # token economy
    "AttestationCount", "CompletedEscrow", "ConfirmedPeriod", "PublishedEpoch", "RewardClaim", "StakingPosition", "Votes",
    "attestation_parties", "claims", "completed_escrows", "confirmed_period", "delegate_of", "EconomyEvent", "economy_events_after", "position", "published_epochs", "stakes",
    "votes_at",
]
