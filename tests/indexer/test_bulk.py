"""Set-based writes: COPY text encoding survives hostile strings, conflicts are skipped or merged,
and staged rows never leak from one call into the next."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import Engine, select

from indexer import bulk, models

NASTY = ("tab\there", "line\nbreak", "cr\rhere", "back\\slash", "\\N", "é ünïcode", "")


def _transfer(log_index: int, tx_hash: str, value: int) -> tuple[object, ...]:
    return (7, 1, log_index, datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC), tx_hash, "0xToken", "0xFrom", "0xTo", value)


def test_copy_text_round_trips_hostile_strings(fresh_engine: Engine) -> None:
    rows = [_transfer(i, s, 10**30 + i) for i, s in enumerate(NASTY)]
    with fresh_engine.begin() as conn:
        bulk.insert(conn, models.token_transfers, [c.name for c in models.token_transfers.columns],
                    bulk.encode(rows), conflict=("chain_id", "block_number", "log_index"))
        t = models.token_transfers
        stored = conn.execute(select(t.c.log_index, t.c.tx_hash, t.c.value).order_by(t.c.log_index)).all()
    assert [(r.tx_hash, int(r.value)) for r in stored] == [(s, 10**30 + i) for i, s in enumerate(NASTY)]
    assert bulk.copy_text("0xAbC123") == "0xAbC123"
    assert bulk.encode([(None, True, Decimal("5"), "a\tb")]) == b"\\N\tt\t5\ta\\tb\n"


def test_conflicts_skip_or_merge_and_staging_is_consumed(fresh_engine: Engine) -> None:
    b = models.token_balances
    columns = ("chain_id", "token", "holder", "balance", "block_number")
    merge = {"balance": "t.balance + excluded.balance",
             "block_number": "greatest(t.block_number, excluded.block_number)"}
    with fresh_engine.connect() as conn:
        bulk.prepare(conn, [b, models.token_transfers])
        with conn.begin():
            bulk.insert(conn, b, columns, [(7, "0xT", "0xA", 5, 3), (7, "0xT", "0xB", 1, 3)],
                        conflict=("chain_id", "token", "holder"), update=merge)
            # Same transaction, same staging table: only the new rows are applied.
            bulk.insert(conn, b, columns, [(7, "0xT", "0xA", -2, 9)], conflict=("chain_id", "token", "holder"),
                        update=merge)
        with conn.begin():
            rows = {r.holder: (int(r.balance), r.block_number) for r in conn.execute(select(b))}
            assert rows == {"0xA": (3, 9), "0xB": (1, 3)}
            t = models.token_transfers
            bulk.insert(conn, t, [c.name for c in t.columns], [_transfer(0, "0x1", 1)],
                        conflict=("chain_id", "block_number", "log_index"))
            bulk.insert(conn, t, [c.name for c in t.columns], [_transfer(0, "0x2", 2)],
                        conflict=("chain_id", "block_number", "log_index"))
            assert conn.execute(select(t.c.tx_hash)).scalars().all() == ["0x1"]


def test_expected_new_rows_go_straight_in_and_a_conflict_falls_back_to_skipping(fresh_engine: Engine) -> None:
    t = models.token_transfers
    columns = [c.name for c in t.columns]
    key = ("chain_id", "block_number", "log_index")
    with fresh_engine.connect() as conn:
        with conn.begin():
            bulk.insert(conn, t, columns, bulk.encode([_transfer(0, "0x1", 1), _transfer(1, "0x1", 2)]),
                        conflict=key, expect_new=True)
            # One row exists already: the straight COPY fails on it, is rolled back to its
            # savepoint, and the staged path skips the old row and adds the new one.
            bulk.insert(conn, t, columns, bulk.encode([_transfer(1, "0x2", 3), _transfer(2, "0x2", 4)]),
                        conflict=key, expect_new=True)
            # The transaction is still usable, and nothing of the failed COPY is left.
            rows = conn.execute(select(t.c.log_index, t.c.tx_hash, t.c.value).order_by(t.c.log_index)).all()
        assert [(r.log_index, r.tx_hash, int(r.value)) for r in rows] == [(0, "0x1", 1), (1, "0x1", 2), (2, "0x2", 4)]
