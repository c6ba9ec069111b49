"""Lancer's chain indexer: ``core`` (the shared kernel), ``rpc``, ``sources`` (what is followed),
``decode``, ``sync`` (the engine), ``projections`` (one per domain) and ``read_models`` (the API's only
door to chain data), plus the per-chain ``worker`` and the ``lancer index`` CLI.

This package never imports ``api``, ``scripts``, ``bench`` or ``devtools`` (checked by ``lint-imports``).
"""
