"""The sync engine of one chain, one concern per module: ``types``, ``filters`` (getLogs filters),
``reader`` (what is read from the node, checked), ``pipeline`` (the fetch-ahead thread), ``store``
(the engine's own tables, COPY-encoded) and ``engine`` (cursor, write transaction, reorg walk-back).
"""

from indexer.sync.engine import ChainSyncer
from indexer.sync.reader import ChainReader
from indexer.sync.types import Batch, Chunk, Cursor, Header, Idle, SyncOptions, SyncStats, Tip

__all__ = ["Batch", "ChainReader", "ChainSyncer", "Chunk", "Cursor", "Header", "Idle", "SyncOptions", "SyncStats",
           "Tip"]
