"""Reputation scores computed from the index and attestations (formula `lancer-rep-v1`)."""
