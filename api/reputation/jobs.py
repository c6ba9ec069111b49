"""Reputation's scheduled job, listed as data for ``lancer scheduler`` (api.scheduler.HOOK_MODULES)."""

from __future__ import annotations

from api.reputation import history

# Every 5 minutes: refresh wallets whose confirmed data moved (reorgs included) and attest completed
# engagements. The history route also refreshes the wallet it shows, so its reads are never stale.
SCHEDULE = [("reputation_recompute", history.sweep, 300)]
