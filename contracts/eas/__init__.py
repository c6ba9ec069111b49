"""Ethereum Attestation Service (EAS): Lancer's schemas, offchain attestations and on-chain helpers.

Shared by the indexer (decoding `Attested`/`Revoked` data) and the API (issuing, exporting and
verifying attestations). Nothing here imports `api`.
"""
