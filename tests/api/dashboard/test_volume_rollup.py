"""The admin dashboard's GMV and fees come from a rollup that adds only newly confirmed blocks: after every
move of the index (more confirmed blocks, a reorg below the rollup's mark) the screen equals the full
aggregate over the events (``read_models`` ``platform_volume``), and a rebuild with nothing new reads no
event. Index rows are written with SQL (a chain of its own), as the indexer would leave them."""

from __future__ import annotations

import random
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, text

from api.dashboard import volume
from indexer import read_models
from indexer.read_models import dashboards as rm
from tests.support.api_client import ADMIN, bearer, login_with_2fa
from tests.support.chain_rows import set_chain
from tests.support.queries import count_queries
from tests.support.webhook_env import emit

TOKEN = "0x" + "22" * 20


def _chain(conn: Connection, chain: int, *, indexed: int, confirmed: int, reorgs: int = 0, depth: int = 0) -> None:
    set_chain(conn, chain, name=f"rollup-{chain}", indexed=indexed, confirmed=confirmed, reorgs=reorgs, depth=depth)


def _escrow(conn: Connection, chain: int, address: str) -> None:
    conn.execute(text("""
        INSERT INTO escrows (chain_id, address, factory, client, freelancer, arbiter, token, total, milestone_count,
                             review_period, metadata_hash, fee_bps, status, funded_amount, released, refunded, fees,
                             accepted, completed, created_block, created_tx, created_at, block_number)
        VALUES (:c, :a, :t, :t, :t, :t, :t, 3000, 3, 3600, :z, 250, 'active', 0, 0, 0, 0, true, false, 1, :z, now(), 1)"""),
                 {"c": chain, "a": address, "t": TOKEN, "z": "0x" + "00" * 32})


def _events(conn: Connection, chain: int, address: str, blocks: range, rng: random.Random) -> None:
    for b in blocks:
        name = rng.choice(["Funded", "MilestoneReleased", "DisputeResolved", "MilestoneSubmitted"])
        conn.execute(text("""
            INSERT INTO events (chain_id, block_number, block_hash, block_time, tx_hash, tx_index, log_index, address,
                                contract, event_name, args)
            VALUES (:c, :b, :h, now() - make_interval(days => :d), :h, 0, 0, :a, 'Escrow', :n, CAST(:args AS jsonb))"""),
                     {"c": chain, "b": b, "h": "0x" + f"{chain:016x}{b:048x}", "d": rng.randint(0, 500), "a": address,
                      "n": name, "args": f'{{"amount": "{rng.randint(1, 10**24)}", "fee": "{rng.randint(0, 10**21)}",'
                                        f' "toFreelancer": "1", "index": "0"}}'})


def _figures(items: list[Any], chain: int) -> list[tuple[str, str, str, str]]:
    return sorted((str(v["month"] if isinstance(v, dict) else v.month.isoformat())[:7], str(v["token"] if isinstance(
        v, dict) else v.token), str(v["gmv"] if isinstance(v, dict) else v.gmv), str(v["fees"] if isinstance(
            v, dict) else v.fees)) for v in items if (v["chain_id"] if isinstance(v, dict) else v.chain_id) == chain)


def test_rollup_equals_the_full_aggregate_as_the_index_moves(client: TestClient, engine: Engine) -> None:
    rng = random.Random(7)
    chain = 990_000 + rng.randint(0, 9_999)
    escrow = "0x" + f"{chain:040x}"
    admin_h = bearer(login_with_2fa(client, ADMIN)["access_token"])

    def screen_and_truth() -> tuple[list[Any], list[Any]]:
        body = client.get("/v1/dashboard/admin", headers=admin_h)
        assert body.status_code == 200, body.text
        with engine.connect() as conn:
            truth = rm.platform_volume(conn)
        return _figures(body.json()["volume"], chain), _figures(truth, chain)

    try:
        with engine.begin() as conn:
            _chain(conn, chain, indexed=40, confirmed=30)
            _escrow(conn, chain, escrow)
            _events(conn, chain, escrow, range(1, 41), rng)
        shown, truth = screen_and_truth()
        assert shown == truth and len(truth) >= 3  # several months, only blocks <= 30 counted

        with engine.begin() as conn:  # more blocks confirmed: only (30, 40] is added
            _chain(conn, chain, indexed=40, confirmed=40)
        shown, truth = screen_and_truth()
        assert shown == truth

        # A reorg below the mark (the indexer rolled back to block 25, then re-indexed other events): rebuilt.
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM events WHERE chain_id = :c AND block_number > 25"), {"c": chain})
            _events(conn, chain, escrow, range(26, 36), rng)
            _chain(conn, chain, indexed=35, confirmed=40, reorgs=1, depth=15)
        shown, truth = screen_and_truth()
        assert shown == truth

        # Nothing moved, the admin's data did: the summary is built again from the rollup, no event read.
        emit(engine, "test.bump", "admin", {}, None)
        with count_queries(client.app.state.engine) as q:  # type: ignore[attr-defined]
            assert client.get("/v1/dashboard/admin", headers=admin_h).status_code == 200
        assert not [s for s in q.statements if "JOIN events" in s], q.statements
    finally:
        with engine.begin() as conn:
            for table in ("events", "escrows", "chains"):
                conn.execute(text(f"DELETE FROM {table} WHERE chain_id = :c"), {"c": chain})
        with engine.begin() as conn:
            volume.refresh(_session(conn), read_models.chain_status(conn))  # drops the chain's rollup
            left = conn.execute(text("SELECT count(*) FROM dashboard_volume_months WHERE chain_id = :c"),
                                {"c": chain}).scalar()
        assert left == 0


def _session(conn: Connection) -> Any:
    from sqlalchemy.orm import Session

    return Session(bind=conn, join_transaction_mode="create_savepoint")
