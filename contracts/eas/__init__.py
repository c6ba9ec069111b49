"""The client of the Ethereum Attestation Service (EAS) contracts: Lancer's schemas, offchain
attestations (sign, export; ``verify``: import, verify) and on-chain calls (``onchain``).

Used by the API (issuing, exporting and verifying attestations) and the deploy code. The indexer
reads only the schema vocabulary (``schemas``, ``lancer_schemas``: leaves that import nothing of
Lancer but the kernel) to follow and decode EAS events. Nothing here imports ``api``.
"""
