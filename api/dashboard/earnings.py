"""The freelancer dashboard's earnings: the confirmed rollup (``dashboard_earnings_months``, kept by
``api.dashboard.volume.refresh``) plus the wallets' payouts above its marks, read live.

Aggregating every payout of a wallet's escrows on each cold build read thousands of event rows for an
active freelancer. Confirmed events do not change, so the rollup holds them per wallet, chain, token and
UTC month up to each chain's mark, and only the blocks above the mark (the unconfirmed ones and those
confirmed since the last refresh) are read from the index. The sum is exactly what the full aggregate
(``indexer.read_models.dashboards.earnings`` without ``after``) gives, pending and confirmed apart:
never stale money. A chain whose mark a reorg may have overtaken (``volume.mark_is_stale``) is read
whole from the index until the next refresh rebuilds its rollup.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.orm import Session as Db

from api.dashboard import volume
from indexer import read_models
from indexer.read_models import dashboards as rm

# Above a mark by at most this many blocks, a chain's new payouts are found through its recent blocks
# (``(chain_id, block_number)``); further behind (the scheduler stopped), through the wallets' escrows.
RECENT_BLOCKS = 5_000


def earnings(db: Db, wallets: Sequence[str], *, months: int = 12) -> list[rm.MonthlyAmount]:
    """What ``rm.earnings(conn, wallets, months=months)`` answers. Three statements whatever the rows."""
    if not wallets:
        return []
    # Marks and rolled-up rows in one statement: one snapshot, so a refresh committing in between can
    # never make the rows hold blocks the marks (and so the live part) do not account for.
    rows = db.execute(text("""
        SELECT m.chain_id, m.upto_block, m.reorg_count, d.token, d.month, d.amount
          FROM dashboard_volume_marks m
          LEFT JOIN dashboard_earnings_months d
            ON d.chain_id = m.chain_id AND d.wallet = ANY(CAST(:w AS text[]))
           AND d.month >= date_trunc('month', now() AT TIME ZONE 'UTC') - make_interval(months => :m)"""),
        {"w": list(wallets), "m": months - 1}).all()
    conn = db.connection()
    chains = read_models.chain_status(conn)
    marks = {r.chain_id: r for r in rows}
    after: dict[int, int] = {}
    recent: set[int] = set()
    for c in chains:
        mark = marks.get(c.chain_id)
        if mark is None or volume.mark_is_stale(mark.upto_block, mark.reorg_count, c):
            after[c.chain_id] = -1
        else:
            after[c.chain_id] = mark.upto_block
            if c.indexed_block - mark.upto_block <= RECENT_BLOCKS:
                recent.add(c.chain_id)
    totals: dict[tuple[int, str, object, bool], int] = {}
    for r in rows:
        if r.token is not None and after.get(r.chain_id, -1) >= 0:
            key = (r.chain_id, r.token, r.month, True)
            totals[key] = totals.get(key, 0) + int(r.amount)
    for x in rm.earnings(conn, wallets, months=months, after=after, by_block=recent):
        key = (x.chain_id, x.token, x.month, x.confirmed)
        totals[key] = totals.get(key, 0) + x.amount
    out = sorted((rm.MonthlyAmount(chain_id=c, token=t, month=m, amount=a, confirmed=f)  # type: ignore[arg-type]
                  for (c, t, m, f), a in totals.items() if a > 0), key=lambda x: (x.chain_id, x.token, x.confirmed))
    out.sort(key=lambda x: x.month, reverse=True)  # stable: newest month first, as the full aggregate
    return out
