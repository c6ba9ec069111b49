"""Lancer's HTTP API (FastAPI). One package per domain: router, service, schemas, models.

Chain data is read only through ``indexer.read_models``; ``api`` owns the application tables.
"""
