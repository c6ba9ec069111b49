"""Indexer benchmark (not a test): reproducible anvil workloads, and for each in one run (a) the floor:
plain eth_getLogs over the biggest ranges bulk-COPYed into a scratch table, (b) Lancer's full
backfill with projections, in a process of its own (``bench.indexer_backfill``: its peak RSS is the
indexer's alone), (c) recovery time of a depth-5 reorg.

Two workloads: ``escrow`` (106k Token/Escrow events over 2,645 blocks, 8 accounts, many small
transactions) and ``token`` (dense ERC20 traffic: one transaction every third block carrying
100-200 LNC transfers to 5,000 holders; ~100k events over ~2,100 blocks, ``scale`` times that).
Each is built once and cached with anvil's dump/load state under ``.lancer/bench``.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import AnyHttpUrl
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from web3 import Web3

from bench import indexer_backfill as backfill_child
from contracts.artifacts import deploy_platform_unlocked, load_artifact
from devtools.anvil import AnvilProcess
from indexer.core.db import make_engine
from indexer.core.deployments import DeployedContract, Deployment
from indexer.core.migrate import upgrade
from indexer.core.registry import Finality, load_registry
from indexer.core.settings import REPO_ROOT
from indexer.rpc import RpcClient
from indexer.sources.platform import platform_contract_set
from indexer.sync import SyncOptions
from indexer.worker import run_chain

BENCH_DIR = REPO_ROOT / ".lancer" / "bench"
CHAIN_ID = 31399
WORKLOAD_VERSION = "v1"
TOKEN_WORKLOAD_VERSION = "t1"
WORKLOADS = ("escrow", "token")
# Each of the workload's states is megabytes in anvil's memory: keep only what the depth-5 reorg needs.
BENCH_MEMORY_STATES = 64
GAS = hex(900_000)


@dataclass
class BenchResult:
    blocks: int
    events: int
    floor_seconds: float
    full_seconds: float
    reorg_seconds: float
    block_time: float
    floor_events: int | None = None  # logs the floor copied (every log of the range); default: ``events``
    name: str = "escrow"
    peak_rss: int | None = None  # bytes: peak resident set (VmHWM) of the backfill's own process
    cpu: tuple[float, float, float] | None = None  # CPU seconds of the backfill: indexer, anvil, postgres
    floor_cpu: tuple[float, float, float] | None = None  # ... and of the floor

    GOAL_RATIO = 0.5
    REORG_GOAL_BLOCKS = 2

    @property
    def floor_rate(self) -> float:
        return (self.floor_events if self.floor_events is not None else self.events) / self.floor_seconds

    @property
    def full_rate(self) -> float:
        return self.events / self.full_seconds

    @property
    def ratio(self) -> float:
        return self.full_rate / self.floor_rate

    # 1M events within this (the token workload at --scale 10 measures it: 999,383 events); smaller
    # runs are reported against the same figure, as an indication only.
    RSS_GOAL = 500 * 2**20
    RSS_GOAL_EVENTS = 990_000

    def report(self) -> str:
        floor_events = self.floor_events if self.floor_events is not None else self.events
        reorg_goal = self.REORG_GOAL_BLOCKS * self.block_time
        rss = f"{self.peak_rss / 2**20:,.0f} MB" if self.peak_rss else "-"
        rows = [
            ("floor: eth_getLogs + COPY", floor_events, self.floor_seconds, self.floor_rate, 1.0, "-", ""),
            ("lancer backfill + projections", self.events, self.full_seconds, self.full_rate, self.ratio, rss,
             f"goal >= {self.GOAL_RATIO:.0%}: {'met' if self.ratio >= self.GOAL_RATIO else 'NOT met'}"),
        ]
        lines = [f"indexer benchmark ({self.name}): {self.events:,} events over {self.blocks:,} blocks", "",
                 f"{'run':<31} {'events':>9} {'seconds':>8} {'events/s':>10} {'vs floor':>9} {'peak RSS':>9}"]
        lines += [f"{name:<31} {n:>9,} {sec:>8.2f} {rate:>10,.0f} {ratio:>9.0%} {mem:>9}  {note}".rstrip()
                  for name, n, sec, rate, ratio, mem, note in rows]
        if self.peak_rss:
            verdict = "met" if self.peak_rss < self.RSS_GOAL else "NOT met"
            lines += [f"peak RSS of the backfill {rss}; goal for 1M events < {self.RSS_GOAL // 2**20} MB: {verdict}"
                      + ("" if self.events >= self.RSS_GOAL_EVENTS else f" at {self.events:,} events (run --scale 10 for 1M)")]
        if self.cpu and self.floor_cpu:
            # What the backfill would be on an idle machine with cores to spare is bounded by its CPU
            # seconds; their ratio to the floor's is a figure the machine's load does not move much.
            # PostgreSQL's is sampled from the scratch database's backends while they run (/proc, so
            # only where PostgreSQL runs on this host): when it could not be, it is left out of both sides.
            parts = 3 if self.cpu[2] else 2
            floor_cpu, cpu = sum(self.floor_cpu[:parts]), sum(self.cpu[:parts])
            names = "python, anvil, postgres" if parts == 3 else "python, anvil; postgres not measured"
            lines += [f"CPU seconds ({names}): floor "
                      + " + ".join(f"{v:.2f}" for v in self.floor_cpu[:parts]) + f" = {floor_cpu:.2f}; backfill "
                      + " + ".join(f"{v:.2f}" for v in self.cpu[:parts]) + f" = {cpu:.2f} "
                      f"({(floor_cpu / (self.floor_events or self.events)) / (cpu / self.events):.0%} "
                      "of the floor's per event)"]
        lines += ["", f"depth-5 reorg recovered in {self.reorg_seconds:.2f}s; goal <= {self.REORG_GOAL_BLOCKS} block "
                      f"times = {reorg_goal:.1f}s: {'met' if self.reorg_seconds <= reorg_goal else 'NOT met'}"]
        return "\n".join(lines)


def report(results: list[BenchResult]) -> str:
    """Every workload's table, measured in the same run."""
    return "\n\n".join(r.report() for r in results)


class _Node:
    def __init__(self, node: AnvilProcess) -> None:
        self.rpc = RpcClient([node.url], chain="bench", timeout=120)

    def send_all(self, txs: list[dict[str, Any]]) -> None:
        for start in range(0, len(txs), 500):
            self.rpc.batch([("eth_sendTransaction", [tx]) for tx in txs[start:start + 500]], max_size=500)

    def mine(self, blocks: int = 1) -> None:
        self.rpc.call("anvil_mine", [hex(blocks)])


def _deploy_platform(w3: Web3, split_to: tuple[str, str]) -> tuple[dict[str, Any], Deployment]:
    """The platform contracts (2% fee; fees split 60/40 to ``split_to`` as carbon / social) and their
    deployment record: the contracts by name (web3 contracts) and the ``Deployment`` the bench indexes."""
    admin = w3.eth.accounts[0]
    kinds = [Web3.keccak(text=k) for k in ("carbon", "social")]
    deployed, blocks = deploy_platform_unlocked(w3, admin, token_cap=10**33, fee_bps=200,
                                                splits=[(split_to[0], 6000, kinds[0]), (split_to[1], 4000, kinds[1])])
    now = datetime.now(UTC)
    contracts = {name: DeployedContract(address=deployed[name].address, block_number=blocks[name])
                 for name in ("LancerToken", "Treasury", "Escrow", "EscrowFactory")}
    deployment = Deployment(chain_id=CHAIN_ID, chain_name="bench",
                            genesis_hash=w3.eth.get_block(0)["hash"].to_0x_hex(), deployer=admin, deployed_at=now,
                            updated_at=now, contracts=contracts)
    return deployed, deployment


def _build_workload(node: AnvilProcess, escrow_rounds: int = 40, per_round: int = 50,
                    transfer_blocks: int = 2400, transfers_per_block: int = 26) -> Deployment:
    w3 = Web3(Web3.HTTPProvider(node.url, request_kwargs={"timeout": 120}))
    admin, *users = w3.eth.accounts
    deployed, deployment = _deploy_platform(w3, (users[8], users[9]))
    token, factory = deployed["LancerToken"], deployed["EscrowFactory"]
    node.rpc("evm_setAutomine", [False])
    n = _Node(node)

    def tx(sender: str, to: str, data: str) -> dict[str, Any]:
        return {"from": sender, "to": to, "data": data, "gas": GAS}

    n.send_all([tx(admin, token.address, token.encode_abi("mint", args=[u, 10**27])) for u in users[:8]])
    n.mine()
    parties = users[:8]
    transfer_block = 0
    per_phase = transfer_blocks // (escrow_rounds * 6)

    def transfers(count: int) -> None:
        nonlocal transfer_block
        for _ in range(count):
            batch = []
            for i in range(transfers_per_block):
                src = parties[(transfer_block + i) % 8]
                dst = parties[(transfer_block + i + 1 + i % 6) % 8]
                batch.append(tx(src, token.address, token.encode_abi("transfer", args=[dst, 10**18 + i])))
            n.send_all(batch)
            n.mine()
            transfer_block += 1

    amounts = [3 * 10**18, 2 * 10**18, 10**18]
    for r in range(escrow_rounds):
        made = []
        creates = []
        for i in range(per_round):
            client, freelancer, arbiter = parties[i % 8], parties[(i + 1) % 8], parties[(i + 2) % 8]
            salt = Web3.keccak(text=f"{r}-{i}")
            address = factory.functions.predictEscrowAddress(client, salt).call()
            made.append((address, client, freelancer))
            creates.append(tx(client, factory.address, factory.encode_abi(
                "createEscrowDeterministic", args=[client, freelancer, arbiter, token.address, amounts, 3600, salt,
                                                   salt])))
        n.send_all(creates)
        n.mine()
        transfers(per_phase)
        esc = w3.eth.contract(abi=load_artifact("Escrow")["abi"])
        funding = []
        for address, client, _ in made:
            funding.append(tx(client, token.address, token.encode_abi("approve", args=[address, sum(amounts)])))
            funding.append(tx(client, address, esc.encode_abi("fund")))
        n.send_all(funding)
        n.mine()
        transfers(per_phase)
        n.send_all([tx(f, a, esc.encode_abi("accept")) for a, _, f in made])
        n.mine()
        for m in range(len(amounts)):
            transfers(per_phase)
            n.send_all([tx(c, a, esc.encode_abi("releaseMilestone", args=[m])) for a, c, _ in made])
            n.mine()
    transfers(max(0, transfer_blocks - transfer_block))
    node.rpc("evm_setAutomine", [True])
    return deployment


# A batch-transfer helper, hand-assembled so the workload needs no compiled artifact of its own:
# calldata is the token address (32 bytes) then (recipient, amount) pairs of 32 bytes each; it calls
# token.transfer(recipient, amount) for each pair (reverting if one fails). Installed with
# anvil_setCode and funded with LNC, it makes one transaction carry 100-200 Transfer logs.
BATCH_TRANSFER_CODE = bytes.fromhex(
    "63a9059cbb60e01b600052"  # mstore(0, transfer selector << 224)
    "6020"  # i = 32
    "5b" "803611" "15" "61003e" "57"  # loop: if !(calldatasize > i) goto end
    "80" "35" "6004" "52"  # mstore(4, calldata[i])
    "80" "6020" "01" "35" "6024" "52"  # mstore(36, calldata[i + 32])
    "6000" "6000" "6044" "6000" "6000" "6000" "35" "5a" "f1"  # call(gas, token, 0, 0, 68, 0, 0)
    "15" "610040" "57"  # failed: goto fail
    "6040" "01" "61000d" "56"  # i += 64; goto loop
    "5b" "00"  # end: stop
    "5b" "6000" "80" "fd"  # fail: revert(0, 0)
)
BATCH_TRANSFER_ADDRESS = "0x00000000000000000000000000000000000b1a57"
TOKEN_HOLDERS = 5000


def _build_token_workload(node: AnvilProcess, scale: int = 1, txs: int = 667, gap: int = 2) -> Deployment:
    """Dense ERC20 traffic: ``txs * scale`` transactions, each in its own block followed by ``gap``
    empty ones, each carrying 100-200 LNC transfers from the helper to random ones of 5,000 holders."""
    w3 = Web3(Web3.HTTPProvider(node.url, request_kwargs={"timeout": 120}))
    admin, *users = w3.eth.accounts
    deployed, deployment = _deploy_platform(w3, (users[0], users[1]))
    token = deployed["LancerToken"]
    helper = Web3.to_checksum_address(BATCH_TRANSFER_ADDRESS)
    node.rpc("anvil_setCode", [helper, "0x" + BATCH_TRANSFER_CODE.hex()])
    w3.eth.wait_for_transaction_receipt(token.functions.mint(helper, 10**30).transact({"from": admin}))
    holders = [Web3.keccak(text=f"holder-{i}")[-20:] for i in range(TOKEN_HOLDERS)]
    rng = random.Random(19)
    n = _Node(node)
    last = ""
    for _ in range(txs * scale):
        data = bytearray(bytes(12) + bytes.fromhex(token.address[2:]))
        for _ in range(rng.randint(100, 200)):
            data += bytes(12) + rng.choice(holders) + rng.randint(1, 10**21).to_bytes(32, "big")
        # Automine: each transaction gets its own block; then ``gap`` empty blocks.
        last = n.rpc.call("eth_sendTransaction", [{"from": admin, "to": helper, "data": "0x" + data.hex(),
                                                   "gas": hex(12_000_000)}])
        n.mine(gap)
    # By the last transaction's hash, not by counting blocks: in the 1M-event build (--scale 10) one
    # of the 6,670 anvil_mine calls made one empty block instead of two, and a check at "head - gap"
    # found an empty block.
    receipt = w3.eth.get_transaction_receipt(last)
    if receipt["status"] != 1:
        raise RuntimeError("the batch-transfer helper reverted")
    return deployment


def _loaded(state: Path) -> AnvilProcess:
    # A --scale 10 state is ~1.8 GB of JSON: anvil takes minutes to load it on a busy machine.
    return AnvilProcess(CHAIN_ID, memory_states=BENCH_MEMORY_STATES, extra_args=["--load-state", str(state)]).start(
        timeout=900)


def prepare(log: Any = print, workload: str = "escrow", scale: int = 1) -> tuple[AnvilProcess, Deployment]:
    """Start anvil on the cached workload (building and caching it on first use)."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    if workload == "escrow":
        version, build = WORKLOAD_VERSION, _build_workload
    else:
        version = TOKEN_WORKLOAD_VERSION + (f"x{scale}" if scale != 1 else "")

        def build(node: AnvilProcess) -> Deployment:
            return _build_token_workload(node, scale=scale)
    state = BENCH_DIR / f"state-{version}.json"
    dep_path = BENCH_DIR / f"deployment-{version}.json"
    if state.is_file() and dep_path.is_file():
        node = _loaded(state)
        deployment = Deployment.model_validate_json(dep_path.read_text())
        if int(str(node.rpc("eth_blockNumber")), 16) > 1000:
            return node, deployment
        node.stop()
    log(f"building the {workload} workload (cached afterwards)...")
    started = time.perf_counter()
    node = AnvilProcess(CHAIN_ID, accounts=20, memory_states=BENCH_MEMORY_STATES,
                        extra_args=["--gas-limit", "60000000"]).start()
    deployment = build(node)
    # anvil serialises and compresses the whole state before it answers: minutes at --scale 10.
    dumped = node.rpc("anvil_dumpState", timeout=1800)
    node.stop()
    # anvil_dumpState returns the hex of a gzipped JSON state; --load-state wants the JSON itself.
    raw = bytes.fromhex(str(dumped)[2:])
    state.write_bytes(gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw)
    dep_path.write_text(deployment.model_dump_json(indent=2))
    log(f"workload built in {time.perf_counter() - started:.0f}s")
    node = _loaded(state)
    return node, deployment


def _scratch_database(admin_url: str, label: str) -> str:
    name = f"lancer_bench_{label}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def _drop_database(admin_url: str, url: str) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def floor(node: AnvilProcess, url: str, start: int, head: int, max_range: int) -> tuple[int, float]:
    """Plain eth_getLogs over the biggest ranges, bulk-COPYed raw into a scratch table."""
    count, elapsed, _ = _floor(node, url, start, head, max_range)
    return count, elapsed


def _floor(node: AnvilProcess, url: str, start: int, head: int,
           max_range: int) -> tuple[int, float, tuple[float, float, float]]:
    engine = make_engine(url)
    rpc = RpcClient([node.url], chain="bench-floor", timeout=300)
    count = 0
    anvil_pid = node._proc.pid if node._proc else 0
    cpu_before = (_cpu_seconds(), _cpu_seconds(anvil_pid))
    started = time.perf_counter()
    with engine.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE scratch_logs (block_number bigint, log_index int, block_hash text, "
                             "tx_hash text, address text, topics text[], data text)")
        raw = conn.connection.driver_connection
        assert raw is not None
        for a in range(start, head + 1, max_range):
            b = min(head, a + max_range - 1)
            logs = rpc.call("eth_getLogs", [{"fromBlock": hex(a), "toBlock": hex(b)}])
            with raw.cursor() as cur, cur.copy("COPY scratch_logs FROM STDIN") as copy:
                for entry in logs:
                    copy.write_row((int(entry["blockNumber"], 16), int(entry["logIndex"], 16), entry["blockHash"],
                                    entry["transactionHash"], entry["address"], entry["topics"], entry["data"]))
            count += len(logs)
        conn.commit()
        elapsed = time.perf_counter() - started
        pg = _cpu_seconds(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
    cpu = (_cpu_seconds() - cpu_before[0], _cpu_seconds(anvil_pid) - cpu_before[1], pg)
    rpc.close()
    engine.dispose()
    return count, elapsed, cpu


def _cpu_seconds(pid: int | str = "self") -> float:
    """User + system CPU seconds of a process so far (Linux /proc; 0.0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


class _PostgresCpu(threading.Thread):
    """CPU seconds of the PostgreSQL backends serving a (scratch) database while it runs: its
    backends are looked up and their CPU read every ``interval`` seconds, so one that closes before
    the end still counts (up to its last sample). Reading only the backends open at the end missed
    the writer's whenever the pool had closed it. Works where PostgreSQL runs on this host (/proc)."""

    def __init__(self, engine: Any, interval: float = 0.2) -> None:
        super().__init__(name="bench-pg-cpu", daemon=True)
        self.engine, self.interval = engine, interval
        self.seen: dict[int, float] = {}
        self.before: dict[int, float] = {}  # backends open before the measurement, and their CPU then
        self.halt = threading.Event()

    def _sample(self, conn: Any) -> None:
        pids = conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                 "AND pid <> pg_backend_pid()")).scalars().all()
        conn.rollback()
        for pid in pids:
            cpu = _cpu_seconds(pid)
            if cpu:
                self.seen[pid] = max(cpu, self.seen.get(pid, 0.0))

    def run(self) -> None:
        with self.engine.connect() as conn:
            while not self.halt.wait(self.interval):
                self._sample(conn)
            self._sample(conn)

    def __enter__(self) -> _PostgresCpu:
        with self.engine.connect() as conn:
            self._sample(conn)
        self.before, self.seen = self.seen, {}
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.halt.set()
        self.join()

    @property
    def seconds(self) -> float:
        return sum(cpu - self.before.get(pid, 0.0) for pid, cpu in self.seen.items())


def _backfill_in_child(url: str, chain: Any, deployment: Deployment, options: SyncOptions) -> dict[str, Any]:
    """Lancer's backfill in a process of its own (``bench.indexer_backfill``): its figures, among them
    that process's peak RSS (``peak_rss``, bytes)."""
    with tempfile.TemporaryDirectory(prefix="lancer-bench-") as tmp:
        spec_path, result_path = Path(tmp) / "spec.json", Path(tmp) / "result.json"
        spec_path.write_text(json.dumps(backfill_child.spec(url, chain, deployment, options)))
        code = subprocess.run([sys.executable, "-m", "bench.indexer_backfill", str(spec_path), str(result_path)],
                              cwd=REPO_ROOT, check=False).returncode
        if code != 0:
            raise RuntimeError(f"the backfill process exited with {code}")
        result: dict[str, Any] = json.loads(result_path.read_text())
    return result


def _rss_growth(samples: list[list[int]]) -> str:
    """RSS after the first batch and after the batches at each quarter of the events: flat once the
    pipeline is full if its memory is bounded by its batch sizes, growing if something keeps
    per-event state."""
    if not samples:
        return "not sampled"
    total = samples[-1][0]
    picked = [samples[0]] + [next(s for s in samples if s[0] >= total * q / 4) for q in (1, 2, 3, 4)]
    return " -> ".join(f"{r / 2**20:,.0f} MB at {n:,}" for n, r in picked) + " events"


def _token_mismatches(node: AnvilProcess, engine: Any, chain_id: int, token: str) -> tuple[int, int]:
    """(holders checked, holders whose indexed LNC balance differs from balanceOf at the indexed block)."""
    with engine.connect() as conn:
        block = conn.execute(text("SELECT block_number FROM chains WHERE chain_id = :c"), {"c": chain_id}).scalar()
        stored = dict(conn.execute(text("SELECT holder, balance FROM token_balances WHERE chain_id = :c AND token = :t"),
                                   {"c": chain_id, "t": token}).all())
    rpc = RpcClient([node.url], chain="bench-check", timeout=120)
    holders = sorted(stored)
    calls = [("eth_call", [{"to": token, "data": "0x70a08231" + h[2:].lower().rjust(64, "0")}, hex(block)])
             for h in holders]
    replies = rpc.batch(calls, max_size=500) if calls else []
    rpc.close()
    wrong = sum(1 for h, r in zip(holders, replies, strict=True) if int(str(r), 16) != int(stored[h]))
    return len(holders), wrong


def run_one(admin_url: str, workload: str, max_range: int = 5000, scale: int = 1, log: Any = print) -> BenchResult:
    node, deployment = prepare(log, workload, scale)
    urls = []
    try:
        head = int(str(node.rpc("eth_blockNumber")), 16)
        cs = platform_contract_set(deployment)
        chain = load_registry().by_id(31337).model_copy(update={
            "chain_id": CHAIN_ID, "name": "bench", "rpc_urls": [AnyHttpUrl(node.url)],
            "finality": Finality(confirmations=12), "block_time_seconds": 1.0})
        floor_url = _scratch_database(admin_url, "floor")
        urls.append(floor_url)
        events, floor_s, floor_cpu = _floor(node, floor_url, cs.start_block, head, max_range)
        log(f"{workload} floor: {events:,} logs in {floor_s:.2f}s; CPU s: python {floor_cpu[0]:.2f}, "
            f"anvil {floor_cpu[1]:.2f}, postgres {floor_cpu[2]:.2f}")
        full_url = _scratch_database(admin_url, "full")
        urls.append(full_url)
        upgrade(full_url)
        options = SyncOptions(initial_range=max_range, max_range=max_range, pipeline_depth=4)
        anvil_pid = node._proc.pid if node._proc else 0
        anvil_before = _cpu_seconds(anvil_pid)
        with _PostgresCpu(make_engine(full_url, pool_size=1)) as pg_cpu:
            child = _backfill_in_child(full_url, chain, deployment, options)
        pg_cpu.engine.dispose()
        peak = child["peak_rss"]
        cpu = (child["cpu"], _cpu_seconds(anvil_pid) - anvil_before, pg_cpu.seconds)
        full_s, full_events = child["seconds"], child["events"]
        log(f"{workload} lancer: {full_events:,} events in {full_s:.2f}s, peak RSS {peak / 2**20:,.0f} MB "
            f"(its own process, which held {child['rss_before'] / 2**20:,.0f} MB before the backfill; "
            f"RSS {_rss_growth(child['samples'])}); "
            f"CPU s: indexer {cpu[0]:.2f}, anvil {cpu[1]:.2f}, postgres {cpu[2]:.2f}")
        engine = make_engine(full_url, pool_size=4)
        checked, wrong = _token_mismatches(node, engine, CHAIN_ID, deployment.contracts["LancerToken"].address)
        log(f"{workload} LNC balances vs balanceOf: {checked:,} holders, {wrong} differ")
        if wrong:
            raise RuntimeError(f"{wrong} indexed LNC balances differ from balanceOf")
        reorg_s = _reorg_recovery(node, engine, chain, cs)
        engine.dispose()
        return BenchResult(blocks=head - cs.start_block + 1, events=full_events, floor_seconds=floor_s,
                           full_seconds=full_s, reorg_seconds=reorg_s, block_time=chain.block_time_seconds,
                           floor_events=events, name=workload, peak_rss=peak, cpu=cpu,
                           floor_cpu=floor_cpu)
    finally:
        node.stop()
        for url in urls:
            _drop_database(admin_url, url)


def run(admin_url: str = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres", max_range: int = 5000,
        log: Any = print, workload: str = "both", scale: int = 1) -> list[BenchResult]:
    """Each workload (``escrow``, ``token`` or ``both``) measured in turn, in this one run."""
    names = WORKLOADS if workload == "both" else (workload,)
    return [run_one(admin_url, name, max_range=max_range, scale=scale, log=log) for name in names]


def _reorg_recovery(node: AnvilProcess, engine: Any, chain: Any, cs: Any) -> float:
    """Follow the head, reorg 5 blocks (with new transactions), time until the index has the new head."""
    stop = threading.Event()
    worker = threading.Thread(target=run_chain, args=(engine, chain, cs),
                              kwargs={"stop": stop, "options": SyncOptions(initial_range=50, max_range=500)})
    worker.start()
    try:
        node.mine(6)
        time.sleep(1.5)
        w3 = Web3(Web3.HTTPProvider(node.url))
        admin, user = w3.eth.accounts[0], w3.eth.accounts[1]
        tx = {"from": admin, "to": user, "value": hex(1), "gas": hex(21000)}
        started = time.perf_counter()
        node.rpc("anvil_reorg", [5, [[tx, 0], [tx, 2]]])
        new_hash = str(node.rpc("eth_getBlockByNumber", ["latest", False])["hash"])  # type: ignore[index]
        while time.perf_counter() - started < 60:
            with engine.connect() as conn:
                current = conn.execute(text("SELECT block_hash FROM chains WHERE chain_id = :c"),
                                       {"c": chain.chain_id}).scalar()
            if current == new_hash:
                return time.perf_counter() - started
            time.sleep(0.01)
        return float("inf")
    finally:
        stop.set()
        worker.join()
