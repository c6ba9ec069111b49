"""Lancer's EAS attestations: reviews, verified skills, export, verification, on-chain copies, revocation."""
