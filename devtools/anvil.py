"""Local anvil chains (from the npm package `@foundry-rs/anvil-linux-amd64`) for dev, tests and benches."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from devtools.accounts import ANVIL_MNEMONIC
from indexer.core.errors import ConfigError
from indexer.core.settings import REPO_ROOT

ANVIL_NPM_BIN = REPO_ROOT / "node_modules" / "@foundry-rs" / "anvil-linux-amd64" / "bin"


def anvil_binary() -> str:
    """Path of the anvil binary: the npm-installed one, else one on PATH."""
    candidate = ANVIL_NPM_BIN / "anvil"
    if candidate.is_file():
        return str(candidate)
    found = shutil.which("anvil")
    if found:
        return found
    raise ConfigError("anvil not found: run `npm ci` in the repository (it installs anvil) or put anvil on PATH")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int) -> bool:
    """Nobody listens on the port (connections lingering in TIME_WAIT from a stopped node don't count)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@dataclass
class AnvilProcess:
    """One anvil node. ``start()`` waits until it answers JSON-RPC."""

    chain_id: int
    port: int = 0
    block_time: float | None = None
    state_path: Path | None = None
    accounts: int = 10
    timestamp: int | None = None  # genesis timestamp (fixed: reproducible gas figures)
    extra_args: list[str] = field(default_factory=list)
    # States kept in memory (anvil's --prune-history N): anvil_reorg and reads at past blocks need
    # them. Small chains (dev, tests) keep all; a big workload (the bench) should keep a few.
    memory_states: int = 100_000
    log_path: Path | None = None
    _proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> AnvilProcess:
        if not self.port:
            self.port = free_port()
        elif not port_is_free(self.port):
            # Otherwise the readiness probe would be answered by whatever already listens there.
            raise ConfigError(f"port {self.port} is already in use (is another local chain running?)")
        args = [
            anvil_binary(),
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--chain-id", str(self.chain_id),
            "--accounts", str(self.accounts),
            "--mnemonic", ANVIL_MNEMONIC,
            "--silent",
            # States kept in memory only: anvil 1.7 otherwise loses contract state (eth_getCode -> 0x)
            # after an anvil_reorg once the chain is a few hundred blocks long. Without a number anvil
            # keeps too few states for anvil_reorg ("Required data unavailable").
            "--prune-history", str(self.memory_states),
        ]
        if self.block_time:
            args += ["--block-time", str(self.block_time)]
        if self.timestamp is not None:
            args += ["--timestamp", str(self.timestamp)]
        if self.state_path is not None:
            # --state loads the file when it exists and dumps to it on exit: restarts keep the chain.
            self.state_path.parent.mkdir(parents=True, exist_ok=True)
            args += ["--state", str(self.state_path)]
        args += self.extra_args
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self._proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_ready(timeout)
        return self

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        payload = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}
        while time.monotonic() < deadline:
            if self._proc is not None and self._proc.poll() is not None:
                raise RuntimeError(f"anvil exited with code {self._proc.returncode} (port {self.port} taken?)")
            try:
                if httpx.post(self.url, json=payload, timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"anvil on port {self.port} did not answer within {timeout:.0f}s")

    def rpc(self, method: str, params: list[object] | None = None, timeout: float = 30.0) -> object:
        body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []}
        reply = httpx.post(self.url, json=body, timeout=timeout).json()
        if "error" in reply:
            raise RuntimeError(f"{method} failed: {reply['error']}")
        return reply["result"]

    def mine(self, blocks: int = 1) -> None:
        self.rpc("anvil_mine", [hex(blocks)])

    @contextmanager
    def instant_mining(self) -> Iterator[None]:
        """Each transaction mined at once for the duration (set-up work: deployments, the demo), then back
        to the chain's block time. Only whole-second block times can be restored (evm_setIntervalMining)."""
        interval = self.block_time
        if not interval or interval != int(interval):
            yield
            return
        self.rpc("evm_setAutomine", [True])
        try:
            yield
        finally:
            self.rpc("evm_setIntervalMining", [int(interval)])

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        # SIGINT lets anvil dump --state before it exits.
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def __enter__(self) -> AnvilProcess:
        return self.start() if self._proc is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()
