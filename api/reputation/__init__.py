"""Reputation scores computed from the index and attestations (formula `lancer-rep-v2`, docs/reputation.md), persisted history and badges."""
