"""Escrow-as-a-service runs on the marketplace's real environment (anvil + Lancer + indexer + API)."""

from tests.api.marketplace.conftest import market  # noqa: F401 (the fixture, shared)
