"""Ape + anvil helpers for the Solidity contract tests (fixtures in tests/contracts/src/conftest.py).

The root pytest config disables ape's own pytest plugin (``-p no:ape_test``) so other suites are
untouched; here ape is used as a library: one anvil (started by ape-foundry on a random port) per
session, and every test runs inside a chain snapshot that is reverted afterwards.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any


REPO_ROOT = Path(__file__).resolve().parents[2]
ANVIL_DIR = REPO_ROOT / "node_modules" / "@foundry-rs" / "anvil-linux-amd64" / "bin"

# The `contracts` package lives at the repo root; make it importable whatever pytest's rootdir/importmode.
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

# ape-foundry finds anvil on PATH; must happen before ape connects.
os.environ["PATH"] = f"{ANVIL_DIR}{os.pathsep}{os.environ.get('PATH', '')}"

import ape  # noqa: E402
from ape.contracts import ContractContainer, ContractInstance  # noqa: E402
from ethpm_types import ContractType  # noqa: E402

from contracts.artifacts import load_artifact  # noqa: E402

NETWORK = "ethereum:local:foundry"
FEE_BPS = 250  # 2.5%
TOKEN_CAP = 1_000_000 * 10**18
KIND_OPS = b"ops".ljust(32, b"\0")
KIND_CLIMATE = b"climate".ljust(32, b"\0")


def container(name: str) -> ContractContainer:
    """ContractContainer for a committed artifact."""
    return ContractContainer(ContractType.model_validate(load_artifact(name)))


@dataclass
class Actors:
    admin: Any
    client: Any
    freelancer: Any
    arbiter: Any
    other: Any
    ops: Any
    climate: Any


@dataclass
class System:
    token: ContractInstance  # LancerToken
    usd: ContractInstance  # TestToken (6 decimals)
    fot: ContractInstance  # FeeOnTransferToken
    treasury: ContractInstance
    implementation: ContractInstance
    factory: ContractInstance


@contextmanager
def isolated() -> Iterator[None]:
    """evm_snapshot / evm_revert around a block. Unlike ape's chain.isolate(), which silently
    swallows exceptions raised inside it, failures propagate."""
    snapshot = ape.chain.snapshot()
    try:
        yield
    finally:
        ape.chain.restore(snapshot)


def create_escrow(
    system: System,
    actors: Actors,
    amounts: list[int],
    token: str = "0x" + "00" * 20,
    review_period: int = 3 * 24 * 3600,
    metadata: bytes = b"\x11" * 32,
) -> ContractInstance:
    """Create an escrow through the factory and return it as an Escrow instance."""
    receipt = system.factory.createEscrow(
        actors.client, actors.freelancer, actors.arbiter, token, amounts, review_period, metadata,
        sender=actors.other,
    )
    (log,) = receipt.decode_logs(system.factory.EscrowCreated)
    return container("Escrow").at(log.escrow)
