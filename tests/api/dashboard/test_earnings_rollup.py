"""The freelancer dashboard's earnings come from a rollup of confirmed payouts per wallet (kept by the volume
refresh) plus the blocks above its mark read live: after every move of the index (pending blocks, more
confirmed blocks, a reorg below the mark before and after the next refresh) they equal the full aggregate
over the events (``read_models`` ``earnings``), pending and confirmed apart. Index rows are written with SQL
(a chain of its own), as the indexer would leave them; no HTTP, so the test takes about a second."""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

from api.dashboard import earnings, volume
from indexer import read_models
from indexer.read_models import dashboards as rm
from tests.support.chain_rows import set_chain
from tests.support.queries import count_queries

TOKEN = "0x" + "33" * 20
WALLET = "0x" + "44" * 20
OTHER = "0x" + "55" * 20


def _chain(conn: Connection, chain: int, *, indexed: int, confirmed: int, reorgs: int = 0, depth: int = 0) -> None:
    set_chain(conn, chain, name=f"earnings-{chain}", indexed=indexed, confirmed=confirmed, reorgs=reorgs, depth=depth)


def _escrow(conn: Connection, chain: int, address: str, freelancer: str) -> None:
    conn.execute(text("""
        INSERT INTO escrows (chain_id, address, factory, client, freelancer, arbiter, token, total, milestone_count,
                             review_period, metadata_hash, fee_bps, status, funded_amount, released, refunded, fees,
                             accepted, completed, created_block, created_tx, created_at, block_number)
        VALUES (:c, :a, :t, :t, :f, :t, :t, 3000, 3, 3600, :z, 250, 'active', 0, 0, 0, 0, true, false, 1, :z, now(), 1)"""),
                 {"c": chain, "a": address, "t": TOKEN, "f": freelancer, "z": "0x" + "00" * 32})


def _events(conn: Connection, chain: int, escrows: list[str], blocks: range, rng: random.Random) -> None:
    for b in blocks:
        name = rng.choice(["Funded", "MilestoneReleased", "DisputeResolved", "MilestoneSubmitted"])
        conn.execute(text("""
            INSERT INTO events (chain_id, block_number, block_hash, block_time, tx_hash, tx_index, log_index, address,
                                contract, event_name, args)
            VALUES (:c, :b, :h, now() - make_interval(days => :d), :h, 0, 0, :a, 'Escrow', :n, CAST(:args AS jsonb))"""),
                     {"c": chain, "b": b, "h": "0x" + f"{chain:016x}{b:048x}", "d": rng.randint(0, 500),
                      "a": rng.choice(escrows), "n": name,
                      "args": f'{{"amount": "9", "fee": "1", "toFreelancer": "{rng.randint(1, 10**24)}", "index": "0"}}'})


def _ours(items: list[rm.MonthlyAmount], chain: int) -> list[tuple[Any, ...]]:
    return sorted((x.month, x.token, x.amount, x.confirmed) for x in items if x.chain_id == chain)


def test_earnings_equal_the_full_aggregate_as_the_index_moves(engine: Engine) -> None:
    rng = random.Random(11)
    chain = 980_000 + rng.randint(0, 9_999)
    mine, theirs = "0x" + f"{chain:036x}0001", "0x" + f"{chain:036x}0002"

    def refresh() -> None:
        with Session(engine) as db:
            volume.refresh(db, read_models.chain_status(db.connection()))

    def shown_and_truth() -> tuple[list[Any], list[Any]]:
        with Session(engine) as db:
            shown = earnings.earnings(db, [WALLET])
            truth = rm.earnings(db.connection(), [WALLET])
        return _ours(shown, chain), _ours(truth, chain)

    try:
        with engine.begin() as conn:
            _chain(conn, chain, indexed=40, confirmed=30)
            _escrow(conn, chain, mine, WALLET)
            _escrow(conn, chain, theirs, OTHER)  # another freelancer's payouts: never counted as ours
            _events(conn, chain, [mine, theirs], range(1, 41), rng)
        shown, truth = shown_and_truth()  # no mark yet: the whole chain read live
        assert shown == truth and {c for *_, c in truth} == {True, False}  # pending and confirmed apart

        refresh()  # rollup up to block 30; (30, 40] still pending, read live
        shown, truth = shown_and_truth()
        assert shown == truth
        with engine.connect() as conn:
            rolled = conn.execute(text("SELECT count(*) FROM dashboard_earnings_months WHERE chain_id = :c AND "
                                       "wallet = :w"), {"c": chain, "w": WALLET}).scalar()
        assert rolled and rolled > 0

        with engine.begin() as conn:  # more blocks confirmed, before any refresh: read above the old mark
            _chain(conn, chain, indexed=40, confirmed=40)
        assert shown_and_truth()[0] == shown_and_truth()[1]
        refresh()
        shown, truth = shown_and_truth()
        assert shown == truth and all(c for *_, c in truth)

        # A reorg below the mark (rolled back to block 25, other events re-indexed): before the refresh
        # rebuilds the chain, the stale rollup must not be used; after it, the rollup serves again.
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM events WHERE chain_id = :c AND block_number > 25"), {"c": chain})
            _events(conn, chain, [mine, theirs], range(26, 36), rng)
            _chain(conn, chain, indexed=35, confirmed=35, reorgs=1, depth=15)
        shown, truth = shown_and_truth()
        assert shown == truth
        refresh()
        shown, truth = shown_and_truth()
        assert shown == truth

        # With a current mark the live part reads the chain's recent blocks, not the wallet's escrows.
        with Session(engine) as db, count_queries(engine) as q:
            earnings.earnings(db, [WALLET])
        assert len(q.statements) == 3, q.statements
        assert f"(ev.chain_id = {chain} AND ev.block_number > 35)" in q.statements[-1]
    finally:
        with engine.begin() as conn:
            for table in ("events", "escrows", "chains"):
                conn.execute(text(f"DELETE FROM {table} WHERE chain_id = :c"), {"c": chain})
        refresh()  # drops the chain's rollups
        with engine.connect() as conn:
            left = conn.execute(text("SELECT count(*) FROM dashboard_earnings_months WHERE chain_id = :c"),
                                {"c": chain}).scalar()
        assert left == 0
