"""The randomized reorg/kill driver: `lancer index` as a separate process behind a pass-through proxy,
random platform activity, ``anvil_reorg`` injected between two of the indexer's requests (depth
1-25, replacement blocks that keep, change or drop the original transactions, often deeper than the
confirmation depth), SIGKILLs at random moments; after each round, once the indexer caught up, the
whole index must equal the chain (tests/indexer/chain_oracle.py).

Seeded: one seed replays the same plan (thread timing still varies). Used by
tests/indexer/test_reorg_fuzz.py (a short CI run) and by ``make fuzz SEED=n ROUNDS=n``:
``python -m tests.support.reorg_fuzz --seed 1 --rounds 300``.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, text

from devtools.anvil import AnvilProcess
from indexer.core.db import make_engine
from indexer.core.migrate import upgrade
from indexer.core.registry import ChainRegistry
from indexer.core.settings import REPO_ROOT
from tests.support.chain_oracle import assert_whole_index_equals_chain, reorg_tx
from tests.support.chainkit import Platform, deploy_platform
from tests.support.economy_chain import Economy, deploy_economy, random_economy_activity
from tests.support.indexing import chain_config
from tests.support.reorg_proxy import ReorgProxy

CONFIRMATIONS = 5
MAX_DEPTH = 25
CATCH_UP_SECONDS = 120.0


@dataclass
class FuzzStats:
    seed: int
    rounds: int = 0
    reorgs: int = 0
    deep_reorgs: int = 0  # deeper than the confirmation depth
    modes: dict[str, int] = field(default_factory=lambda: {"keep": 0, "change": 0, "drop": 0})
    kills: int = 0
    divergences: int = 0
    catch_up: float = 0.0  # seconds waiting for the indexer to reach the head
    checks: float = 0.0  # seconds comparing the index with the chain
    started: float = field(default_factory=time.monotonic)

    def line(self) -> str:
        return (f"seed {self.seed}: {self.rounds} rounds, {self.reorgs} reorgs ({self.deep_reorgs} deeper than "
                f"{CONFIRMATIONS} confirmations; keep/change/drop {self.modes['keep']}/{self.modes['change']}/"
                f"{self.modes['drop']}), {self.kills} kills, {self.divergences} divergences, "
                f"{time.monotonic() - self.started:.0f}s (catching up {self.catch_up:.0f}s, checking {self.checks:.0f}s)")


class ReorgFuzz:
    def __init__(self, platform: Platform, engine: Engine, workdir: Path, seed: int, *, latency: float = 0.003,
                 economy: Economy | None = None) -> None:
        self.p = platform
        self.economy = economy  # with it, rounds also stake, delegate, publish and claim rewards
        self.engine = engine
        self.rng = random.Random(seed)
        self.stats = FuzzStats(seed)
        self.proxy = ReorgProxy(platform.node.url, latency=latency, seed=seed)
        self.chain = chain_config(platform.node, confirmations=CONFIRMATIONS, urls=[self.proxy.url], name="fuzz")
        self.env = dict(os.environ, DATABASE_URL=engine.url.render_as_string(hide_password=False),
                        CHAIN_REGISTRY_JSON=ChainRegistry(chains=[self.chain]).model_dump_json(),
                        DEPLOYMENTS_DIR=str(workdir / "deployments"), LOG_LEVEL="WARNING")
        self.log_path = workdir / "indexer.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.first_block = min(c.block_number for c in platform.deployment.contracts.values())
        self._armed: tuple[int, int, str] | None = None  # (requests left, depth, mode)
        self.proxy.hooks.append(self._hook)

    # -- the indexer process ---------------------------------------------------------------------

    def _ensure_running(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            return
        if self.proc is not None and self.proc.returncode not in (0, -signal.SIGKILL):
            raise AssertionError(f"indexer exited with {self.proc.returncode}; see {self.log_path}")
        with open(self.log_path, "ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "indexer.cli", "--chain", self.chain.name, "--no-progress",
                 "--max-range", str(self.rng.choice([3, 20, 200]))],
                env=self.env, cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT)

    def _kill(self) -> None:
        proc = self.proc
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            self.stats.kills += 1

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self._kill()

    # -- reorgs ----------------------------------------------------------------------------------

    def _hook(self, phase: str, calls: list[dict[str, Any]]) -> None:
        if phase != "before" or self._armed is None:
            return
        left, depth, mode = self._armed
        if left > 1:
            self._armed = (left - 1, depth, mode)
            return
        self._armed = None
        self._reorg(depth, mode)

    def _reorg(self, depth: int, mode: str) -> None:
        """``anvil_reorg`` of the last ``depth`` blocks (called under the proxy's lock)."""
        call = self.proxy.upstream_call
        head = int(call("eth_blockNumber", []), 16)
        depth = max(1, min(depth, head - self.first_block))
        txs: list[list[Any]] = []
        if mode in ("keep", "change"):
            blocks = [call("eth_getBlockByNumber", [hex(n), True]) for n in range(head - depth + 1, head + 1)]
            # "change" keeps a prefix of the blocks' transactions (no sender's nonce gets a gap) and
            # adds a mint the original branch did not have.
            keep_blocks = len(blocks) if mode == "keep" else self.rng.randint(0, len(blocks) - 1)
            admin_txs = 0
            for offset, block in enumerate(blocks[:keep_blocks]):
                for tx in block["transactions"]:
                    txs.append([call("eth_getRawTransactionByHash", [tx["hash"]]), offset])
                    admin_txs += tx["from"].lower() == self.p.admin.lower()
            if mode == "change":
                who = self.rng.choice(self.p.users)
                mint = reorg_tx(self.p, self.p.token.functions.mint(who, self.rng.randint(1, 9) * 10**18), self.p.admin)
                base = int(call("eth_getTransactionCount", [self.p.admin, hex(head - depth)]), 16)
                mint["nonce"] = hex(base + admin_txs)
                txs.append([mint, depth - 1])
        try:
            call("anvil_reorg", [depth, txs])
        except RuntimeError as exc:
            print(f"anvil_reorg {mode} refused ({str(exc)[:120]}): dropping instead", file=sys.stderr)
            mode = "drop"  # anvil refused the replacement: replace by empty blocks
            call("anvil_reorg", [depth, []])
        self.stats.reorgs += 1
        self.stats.modes[mode] += 1
        self.stats.deep_reorgs += depth > CONFIRMATIONS

    # -- rounds ----------------------------------------------------------------------------------

    def _activity(self) -> None:
        with self.proxy.lock:  # never concurrent with an injected reorg
            self.p.escrows = self.p.canonical_escrows()
            r = self.rng.random()
            if r < 0.15:
                self.p.node.mine(self.rng.randint(1, 40))
            elif self.economy is not None and r < 0.4:
                random_economy_activity(self.economy, self.rng, self.rng.randint(1, 4))
            else:
                self.p.random_activity(self.rng.randint(1, 5))

    def _caught_up(self) -> None:
        w3 = self.p.w3
        deadline = time.monotonic() + CATCH_UP_SECONDS
        while time.monotonic() < deadline:
            self._ensure_running()
            head = w3.eth.get_block("latest")
            with self.engine.connect() as conn:
                row = conn.execute(text("SELECT block_number, block_hash FROM chains WHERE chain_id = :c"),
                                   {"c": self.p.node.chain_id}).first()
            if row is not None and row.block_number == head["number"] and row.block_hash == head["hash"].to_0x_hex():
                return
            time.sleep(0.05)
        raise AssertionError(f"the indexer did not catch up within {CATCH_UP_SECONDS:.0f}s; see {self.log_path}")

    def round(self) -> None:
        rng = self.rng
        self._ensure_running()
        if rng.random() < 0.8:
            self._armed = (rng.randint(1, 60), rng.randint(1, MAX_DEPTH), rng.choice(["keep", "change", "drop"]))
        timer = threading.Timer(rng.uniform(0.0, 1.0), self._kill) if rng.random() < 0.5 else None
        if timer:
            timer.start()
        for _ in range(rng.randint(1, 3)):
            self._activity()
            time.sleep(rng.uniform(0.0, 0.4))
        with self.proxy.lock:
            if self._armed is not None:  # not reached by the indexer's requests: reorg now
                _, depth, mode = self._armed
                self._armed = None
                self._reorg(depth, mode)
        if timer:
            timer.join()
        started = time.monotonic()
        self._caught_up()
        self.stats.catch_up += time.monotonic() - started
        started = time.monotonic()
        try:
            assert_whole_index_equals_chain(self.engine, self.p, reorgs_injected=self.stats.reorgs)
            self.stats.checks += time.monotonic() - started
        except AssertionError:
            self.stats.divergences += 1
            raise
        self.stats.rounds += 1

    def run(self, rounds: int, report: Any = None) -> FuzzStats:
        with self.proxy:
            try:
                self.p.random_activity(10)
                for _ in range(rounds):
                    self.round()
                    if report and self.stats.rounds % 10 == 0:
                        report(self.stats.line())
            finally:
                self.close()
        return self.stats


def _fresh_database(admin_url: str) -> tuple[str, str]:
    name = f"lancer_fuzz_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = admin_url.rsplit("/", 1)[0] + "/" + name
    upgrade(url)
    return name, url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--admin-url", default=os.environ.get(
        "TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    args = parser.parse_args()
    name, url = _fresh_database(args.admin_url)
    engine = make_engine(url)
    stats = FuzzStats(args.seed)
    try:
        with tempfile.TemporaryDirectory(prefix="lancer-fuzz-") as tmp, AnvilProcess(31337) as node:
            platform = deploy_platform(node, Path(tmp) / "deployments", seed=args.seed)
            economy = deploy_economy(platform, Path(tmp) / "deployments")
            fuzz = ReorgFuzz(platform, engine, Path(tmp), args.seed, economy=economy)
            try:
                stats = fuzz.run(args.rounds, report=lambda line: print(line, flush=True))
            except AssertionError:
                tail = fuzz.log_path.read_text(errors="replace")[-4000:] if fuzz.log_path.exists() else ""
                print(f"indexer log (tail):\n{tail}", flush=True)
                raise
            finally:
                stats = fuzz.stats
                print(stats.line(), flush=True)
    finally:
        engine.dispose()
        admin = create_engine(args.admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    sys.exit(1 if stats.divergences else 0)


if __name__ == "__main__":
    main()
