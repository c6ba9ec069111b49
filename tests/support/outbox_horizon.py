"""Waiting for the outbox's visibility horizon.

A reader takes only events whose transaction is older than the oldest transaction still running anywhere
in the PostgreSQL cluster (``api.kit.outbox``). Tests running in parallel keep transactions open in
their own databases, so right after a commit the horizon may still be behind it for a moment."""

from __future__ import annotations

import time

from sqlalchemy import Engine, text


def wait_for_outbox_horizon(engine: Engine, timeout: float = 60.0) -> None:
    """Returns once every event committed so far is visible to a reader; fails after ``timeout``."""
    with engine.connect() as conn:
        newest = conn.execute(text("SELECT coalesce(max(txid), 0) FROM outbox_events")).scalar_one()
    deadline = time.monotonic() + timeout
    while True:
        with engine.connect() as conn:
            horizon = conn.execute(
                text("SELECT (pg_snapshot_xmin(pg_current_snapshot()))::text::bigint")).scalar_one()
        if horizon > newest:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"outbox horizon {horizon} still at or below txid {newest} after {timeout} s")
        time.sleep(0.05)
