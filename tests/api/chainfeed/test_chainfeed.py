"""Chain-derived outbox events on real anvil + the in-process indexer: pending, then confirmed; and
retracted when a real reorg (anvil_reorg) removes a pending event."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, text
from web3 import Web3

from api.chainfeed.service import poll_once
from tests.support.ledger_env import Ledger


def _events(env: Ledger, escrow: str) -> list[Any]:
    with env.engine.connect() as conn:
        return conn.execute(text("SELECT kind, payload, audience FROM outbox_events WHERE subject LIKE :s ORDER BY id"),
                            {"s": f"escrow:%:{escrow}"}).all()


def test_pending_confirmed_and_retracted_after_reorg(feed_env: Ledger) -> None:
    env, p = feed_env, feed_env.platform
    client, freelancer, arbiter = p.users[0], p.users[1], p.users[2]
    env.headers(env.account(1))  # the client signs in: its wallet is linked to a Lancer user
    receipt = p.tx(p.factory.functions.createEscrow(client, freelancer, arbiter, p.token.address, [10**18], 3600,
                                                    Web3.keccak(text="feed")), client)
    escrow = p.factory.events.EscrowCreated().process_receipt(receipt)[0]["args"]["escrow"]
    env.index(confirm=False)  # the creation block is the head: pending
    first = poll_once(env.engine)
    n = first.emitted["pending"]  # the factory's EscrowCreated and the escrow's own creation events
    assert n >= 1 and first.emitted["confirmed"] == 0
    created = _events(env, escrow)
    assert [e.kind for e in created] == ["escrow.event.pending"] * n
    factory_event = next(e for e in created if e.payload["event"] == "EscrowCreated")
    assert factory_event.payload["args"]["escrow"] == escrow
    assert all(len(e.audience) == 1 for e in created)  # the client signed in; the freelancer has no account
    assert poll_once(env.engine).emitted == {"pending": 0, "confirmed": 0, "retracted": 0}  # idempotent

    env.index(confirm=True)
    assert poll_once(env.engine).emitted["confirmed"] == n
    assert [e.kind for e in _events(env, escrow)] == ["escrow.event.pending"] * n + ["escrow.event.confirmed"] * n

    # Fund it, index while the funding is still pending, then reorganize it away.
    p.tx(p.token.functions.approve(escrow, 10**18), client)
    p.tx(p.escrow(escrow).functions.fund(), client)
    env.index(confirm=False)
    assert poll_once(env.engine).emitted["pending"] == 1
    p.node.rpc("anvil_reorg", [2, []])  # the approve and fund blocks become empty blocks
    p.node.rpc("anvil_mine", ["0x1"])  # a new head, so the indexer walks back to the common ancestor
    env.index(confirm=False)
    gone = poll_once(env.engine)
    assert gone.emitted["retracted"] == 1 and gone.emitted["pending"] == 0
    kinds = [(e.kind, e.payload["event"]) for e in _events(env, escrow)]
    assert kinds[-2:] == [("escrow.event.pending", "Funded"), ("escrow.event.retracted", "Funded")]
    # Funding again lands in new blocks: a new pending event, confirmed in time.
    p.tx(p.token.functions.approve(escrow, 10**18), client)
    p.tx(p.escrow(escrow).functions.fund(), client)
    env.index(confirm=True)
    again = poll_once(env.engine)
    assert again.emitted["confirmed"] == 1 and again.emitted["retracted"] == 0


def test_the_loop_runs_the_other_domains_passes_after_each_poll(engine: Engine) -> None:
    """`lancer chainfeed` also runs escrow-as-a-service's sync: each pass after the feed's, a failure retried."""
    import threading

    from api.chainfeed.service import run

    stop = threading.Event()
    calls: list[str] = []

    def extra(eng: Engine) -> None:
        calls.append("extra")
        if len(calls) == 1:
            raise RuntimeError("a database blip")  # logged, and the loop goes on
        stop.set()

    run(engine, stop, interval=0.01, also=[extra])
    assert calls == ["extra", "extra"]
