"""Ape + anvil fixtures for the Solidity contract tests: one anvil (started by ape-foundry on a random
port) per session, and every test runs inside a chain snapshot that is reverted afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.solidity import (
    FEE_BPS,
    KIND_CLIMATE,
    KIND_OPS,
    NETWORK,
    TOKEN_CAP,
    Actors,
    ContractContainer,
    System,
    ape,
    container,
    isolated,
)


@pytest.fixture(scope="session")
def provider() -> Iterator[Any]:
    with ape.networks.parse_network_choice(NETWORK) as provider:
        yield provider


@pytest.fixture(scope="session")
def chain(provider: Any) -> Any:
    return ape.chain


@pytest.fixture(scope="session")
def actors(provider: Any) -> Actors:
    accts = ape.accounts.test_accounts
    return Actors(*(accts[i] for i in range(7)))


@pytest.fixture(scope="session")
def system(provider: Any, actors: Actors) -> System:
    admin = actors.admin
    token = container("LancerToken").deploy(admin, TOKEN_CAP, sender=admin)
    usd = container("TestToken").deploy(sender=admin)
    fot = container("FeeOnTransferToken").deploy(sender=admin)
    splits = [(actors.ops.address, 7000, KIND_OPS), (actors.climate.address, 3000, KIND_CLIMATE)]
    treasury = container("Treasury").deploy(admin, splits, sender=admin)
    implementation = container("Escrow").deploy(sender=admin)
    factory = container("EscrowFactory").deploy(admin, implementation, treasury, FEE_BPS, sender=admin)
    return System(token, usd, fot, treasury, implementation, factory)


@pytest.fixture(autouse=True)
def _isolate(request: pytest.FixtureRequest) -> Iterator[None]:
    """Revert every test's chain changes (only for tests that touch the chain)."""
    if "system" not in request.fixturenames and "chain" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("system")
    with isolated():
        yield


@pytest.fixture
def escrow_type() -> ContractContainer:
    return container("Escrow")
