"""Lancer's chain indexer: chain registry, RPC client, sync engine, projections and read models.

This package owns the chain data. It never imports ``api``; the API reads chain data only through
``indexer.read_models``.
"""
