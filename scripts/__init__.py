"""Thin command-line entry points over the library code in `indexer`, `api` and `contracts`."""
