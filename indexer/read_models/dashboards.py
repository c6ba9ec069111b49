"""Read models behind the dashboards: a fixed, small number of queries each, whatever the row counts.

Amounts are ints in base units; ``confirmed`` splits what is at or below the chain's confirmed block
from what is still pending, so a dashboard never shows pending money as settled.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

from sqlalchemy import Connection, text

from indexer.core.vocabulary import MILESTONE_STATUS_NAMES
from indexer.read_models.base import INDEXED_CHAINS, _Model


class MonthlyAmount(_Model):
    chain_id: int
    token: str
    month: datetime
    amount: int
    confirmed: bool


class PositionMilestone(_Model):
    index: int
    amount: int
    status: str
    submitted_at: datetime | None


class Position(_Model):
    """One escrow of the wallets, with its milestones (one row per escrow)."""

    chain_id: int
    address: str
    client: str
    freelancer: str
    token: str
    status: str
    total: int
    funded: int
    released: int
    locked: int
    review_period: int
    confirmed: bool
    milestones: list[PositionMilestone]


PAYOUTS = "('MilestoneReleased', 'DisputeResolved')"  # what pays a freelancer (toFreelancer)


def earnings(conn: Connection, wallets: Sequence[str], *, months: int = 12,
             after: Mapping[int, int] | None = None, by_block: Collection[int] = ()) -> list[MonthlyAmount]:
    """What the wallets received as freelancers (releases and dispute resolutions), per chain, token and
    UTC month, over the last ``months`` months. One query.

    With ``after`` (chain -> block), only the events above that block of the chains it names (and
    nothing of the others): what a rollup of the blocks up to ``after`` leaves to read. The chains in
    ``by_block`` are read by ``(chain_id, block_number)`` (a few recent blocks: cheaper than visiting
    every escrow of the wallets), the others through the wallets' escrows (``ix_events_escrow_payouts``)."""
    if not wallets or (after is not None and not after):
        return []
    pairs = [(int(c), int(a)) for c, a in after.items()] if after is not None else []
    by_escrow = [(c, a) for c, a in pairs if c not in by_block]
    by_blocks = [(c, a) for c, a in pairs if c in by_block]
    # Chains and block bounds as literals (ints, never user text): the planner then sees which chains the
    # escrow look-up descends and how few rows lie above each bound (``ix_events_chain_block``); as
    # parameters it guessed a third of the table and chose worse plans for both branches.
    if after is None:
        escrow_where = f"e.chain_id = ANY({INDEXED_CHAINS})"
    elif by_escrow:
        bounds = " ".join(f"WHEN {c} THEN {a}" for c, a in by_escrow)
        escrow_where = (f"e.chain_id IN ({', '.join(str(c) for c, _ in by_escrow)}) "
                        f"AND ev.block_number > CASE e.chain_id {bounds} END")
    else:
        escrow_where = "false"
    recent = " OR ".join(f"(ev.chain_id = {c} AND ev.block_number > {a})" for c, a in by_blocks) or "false"
    columns = """e.chain_id, e.token, date_trunc('month', ev.block_time AT TIME ZONE 'UTC') AS month,
                       ev.block_number <= ch.confirmed_block AS confirmed,
                       (ev.args->>'toFreelancer')::numeric AS amount"""
    since = "date_trunc('month', now() AT TIME ZONE 'UTC') - make_interval(months => :m)"
    rows = conn.execute(text(f"""
        WITH payouts AS (
                SELECT {columns}
                  FROM escrows e
                  JOIN events ev ON ev.chain_id = e.chain_id AND ev.address = e.address
                  JOIN chains ch ON ch.chain_id = e.chain_id
                 WHERE ({escrow_where}) AND e.freelancer = ANY(CAST(:w AS text[]))
                   AND ev.event_name IN {PAYOUTS} AND ev.block_time >= {since}
                UNION ALL
                SELECT {columns}
                  FROM events ev
                  JOIN escrows e ON e.chain_id = ev.chain_id AND e.address = ev.address
                  JOIN chains ch ON ch.chain_id = e.chain_id
                 WHERE ({recent}) AND e.freelancer = ANY(CAST(:w AS text[])) AND ev.event_name IN {PAYOUTS}
                   AND ev.block_time >= {since})
        SELECT chain_id, token, month, confirmed, sum(amount) AS amount FROM payouts
         GROUP BY 1, 2, 3, 4 ORDER BY 3 DESC, 1, 2, 4"""), {"w": list(wallets), "m": months - 1}).all()
    return [MonthlyAmount(chain_id=r.chain_id, token=r.token, month=r.month, amount=int(r.amount or 0),
                          confirmed=r.confirmed) for r in rows if int(r.amount or 0) > 0]


class WalletMonthlyAmount(_Model):
    wallet: str
    chain_id: int
    token: str
    month: datetime
    amount: int


def earnings_between(conn: Connection, ranges: Sequence[tuple[int, int, int]]) -> list[WalletMonthlyAmount]:
    """Payouts to freelancers per freelancer wallet, chain, token and UTC month of the events in blocks
    ``(after, upto]`` of each ``(chain_id, after, upto)``, all months: the increments of a rollup of
    confirmed earnings (read by ``(chain_id, block_number)``, as ``volume_between``). One query."""
    if not ranges:
        return []
    rows = conn.execute(text(f"""
        SELECT e.freelancer AS wallet, ev.chain_id, e.token,
               date_trunc('month', ev.block_time AT TIME ZONE 'UTC') AS month,
               sum((ev.args->>'toFreelancer')::numeric) AS amount
          FROM unnest(CAST(:c AS bigint[]), CAST(:a AS bigint[]), CAST(:u AS bigint[])) AS r(chain_id, after, upto)
          JOIN events ev ON ev.chain_id = r.chain_id AND ev.block_number > r.after AND ev.block_number <= r.upto
          JOIN escrows e ON e.chain_id = ev.chain_id AND e.address = ev.address
         WHERE ev.event_name IN {PAYOUTS}
         GROUP BY 1, 2, 3, 4"""), {"c": [r[0] for r in ranges], "a": [r[1] for r in ranges],
                                   "u": [r[2] for r in ranges]}).all()
    return [WalletMonthlyAmount(wallet=r.wallet, chain_id=r.chain_id, token=r.token, month=r.month,
                                amount=int(r.amount or 0)) for r in rows]


def positions(conn: Connection, wallets: Sequence[str], *, role: str, open_only: bool = True,
              limit: int = 50) -> list[Position]:
    """The wallets' escrows as ``client`` or ``freelancer`` (newest first, at most ``limit``), each with
    its milestones aggregated in the same query."""
    if not wallets:
        return []
    column = {"client": "client", "freelancer": "freelancer"}[role]  # never user text in SQL
    # The page is chosen first (narrow rows), then only its escrows get their milestones aggregated: a
    # select-list subquery above ORDER BY ... LIMIT ran for every escrow of the wallets. Open escrows are
    # chosen inside ``ix_escrows_<role>_open`` (the filter is in the text, not a parameter, so the planner
    # can match the partial index): walking ``ix_escrows_created`` back read ~6,800 pages for 50 rows.
    rows = conn.execute(text(f"""
        WITH page AS (
            SELECT e.chain_id, e.address FROM escrows e
             WHERE e.chain_id = ANY({INDEXED_CHAINS}) AND e.{column} = ANY(CAST(:w AS text[]))
               {"AND NOT e.completed" if open_only else ""}
             ORDER BY e.created_at DESC, e.chain_id, e.address LIMIT :n)
        SELECT e.*, e.block_number <= ch.confirmed_block AS is_confirmed,
               coalesce((SELECT json_agg(json_build_object('index', m.index, 'amount', m.amount::text,
                                                           'status', m.status, 'submitted_at', m.submitted_at)
                                         ORDER BY m.index)
                           FROM escrow_milestones m WHERE m.chain_id = e.chain_id AND m.escrow = e.address),
                        '[]') AS ms
          FROM page JOIN escrows e ON e.chain_id = page.chain_id AND e.address = page.address
          JOIN chains ch ON ch.chain_id = e.chain_id
         ORDER BY e.created_at DESC, e.chain_id, e.address"""),
        {"w": list(wallets), "n": limit}).all()
    out = []
    for r in rows:
        ms = [PositionMilestone(index=m["index"], amount=int(m["amount"]), status=MILESTONE_STATUS_NAMES[m["status"]],
                                submitted_at=datetime.fromisoformat(m["submitted_at"]) if m["submitted_at"] else None)
              for m in r.ms]
        out.append(Position(chain_id=r.chain_id, address=r.address, client=r.client, freelancer=r.freelancer,
                            token=r.token, status=r.status, total=int(r.total), funded=int(r.funded_amount),
                            released=int(r.released),
                            locked=int(r.funded_amount) - int(r.released) - int(r.refunded) - int(r.fees),
                            review_period=int(r.review_period), confirmed=r.is_confirmed, milestones=ms))
    return out


class VolumeFigure(_Model):
    chain_id: int
    token: str
    month: datetime
    gmv: int  # escrow funding
    fees: int  # platform fees taken on releases and resolutions


def platform_volume(conn: Connection, *, months: int = 12) -> list[VolumeFigure]:
    """GMV (escrow funding) and fees per chain, token and UTC month, confirmed events only. One query."""
    rows = conn.execute(text("""
        SELECT e.chain_id, e.token, date_trunc('month', ev.block_time AT TIME ZONE 'UTC') AS month,
               sum(CASE WHEN ev.event_name = 'Funded' THEN (ev.args->>'amount')::numeric ELSE 0 END) AS gmv,
               sum(CASE WHEN ev.event_name <> 'Funded' THEN coalesce((ev.args->>'fee')::numeric, 0) ELSE 0 END) AS fees
          FROM events ev
          JOIN escrows e ON e.chain_id = ev.chain_id AND e.address = ev.address
          JOIN chains ch ON ch.chain_id = ev.chain_id
         WHERE ev.event_name IN ('Funded', 'MilestoneReleased', 'DisputeResolved')
           AND ev.block_number <= ch.confirmed_block
           AND ev.block_time >= date_trunc('month', now() AT TIME ZONE 'UTC') - make_interval(months => :m)
         GROUP BY 1, 2, 3 ORDER BY 3 DESC, 1, 2"""), {"m": months - 1}).all()
    return [VolumeFigure(chain_id=r.chain_id, token=r.token, month=r.month, gmv=int(r.gmv), fees=int(r.fees))
            for r in rows]


def volume_between(conn: Connection, ranges: Sequence[tuple[int, int, int]]) -> list[VolumeFigure]:
    """GMV and fees per chain, token and UTC month of the events in blocks ``(after, upto]`` of each
    ``(chain_id, after, upto)``, all months: the increments a rollup of confirmed volume adds as a chain's
    confirmed block moves (the key of ``events``, ``events_pkey``, reads only the new blocks). One query."""
    if not ranges:
        return []
    rows = conn.execute(text("""
        SELECT ev.chain_id, e.token, date_trunc('month', ev.block_time AT TIME ZONE 'UTC') AS month,
               sum(CASE WHEN ev.event_name = 'Funded' THEN (ev.args->>'amount')::numeric ELSE 0 END) AS gmv,
               sum(CASE WHEN ev.event_name <> 'Funded' THEN coalesce((ev.args->>'fee')::numeric, 0) ELSE 0 END) AS fees
          FROM unnest(CAST(:c AS bigint[]), CAST(:a AS bigint[]), CAST(:u AS bigint[])) AS r(chain_id, after, upto)
          JOIN events ev ON ev.chain_id = r.chain_id AND ev.block_number > r.after AND ev.block_number <= r.upto
          JOIN escrows e ON e.chain_id = ev.chain_id AND e.address = ev.address
         WHERE ev.event_name IN ('Funded', 'MilestoneReleased', 'DisputeResolved')
         GROUP BY 1, 2, 3"""), {"c": [r[0] for r in ranges], "a": [r[1] for r in ranges],
                                "u": [r[2] for r in ranges]}).all()
    return [VolumeFigure(chain_id=r.chain_id, token=r.token, month=r.month, gmv=int(r.gmv), fees=int(r.fees))
            for r in rows]


class DisputeCounts(_Model):
    chain_id: int
    open: int
    resolved: int


def disputes(conn: Connection) -> list[DisputeCounts]:
    rows = conn.execute(text("""
        SELECT chain_id, count(*) FILTER (WHERE status = 3) AS open, count(*) FILTER (WHERE status = 4) AS resolved
          FROM escrow_milestones WHERE status IN (3, 4) GROUP BY chain_id ORDER BY chain_id""")).all()
    return [DisputeCounts(chain_id=r.chain_id, open=r.open, resolved=r.resolved) for r in rows]
