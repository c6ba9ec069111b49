"""Prometheus metrics of the indexer (one set per process, labelled by chain).

Served by ``lancer index --metrics-port``; the names are what the Grafana dashboards query.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, start_http_server

HEAD_LAG_BLOCKS = Gauge("lancer_indexer_head_lag_blocks", "Blocks between the node head and the cursor", ["chain"])
HEAD_LAG_SECONDS = Gauge("lancer_indexer_head_lag_seconds",
                         "Seconds between now and the timestamp of the last indexed block", ["chain"])
INDEXED_BLOCK = Gauge("lancer_indexer_block", "Last fully written block", ["chain"])
HEAD_BLOCK = Gauge("lancer_indexer_head_block", "Head block reported by the node", ["chain"])
CONFIRMED_BLOCK = Gauge("lancer_indexer_confirmed_block", "Highest block counted as confirmed", ["chain"])
BLOCKS = Counter("lancer_indexer_blocks_total", "Blocks written", ["chain"])
EVENTS = Counter("lancer_indexer_events_total", "Events written", ["chain"])
REORGS = Counter("lancer_indexer_reorgs_total", "Reorgs handled", ["chain"])
REORG_DEPTH = Histogram("lancer_indexer_reorg_depth_blocks", "Depth of handled reorgs", ["chain"],
                        buckets=(1, 2, 3, 5, 8, 13, 21, 64, 128, 512))
REORG_RACES = Counter("lancer_indexer_reorg_races_total",
                      "Ranges read again because the chain reorganised while they were read", ["chain"])
RPC_ERRORS = Counter("lancer_indexer_rpc_errors_total", "RPC faults by kind", ["chain", "kind"])
RPC_LATENCY = Histogram("lancer_indexer_rpc_seconds", "RPC call latency", ["chain", "method"])
BATCH_SECONDS = Histogram("lancer_indexer_batch_seconds", "Time to write one batch (one DB transaction)",
                          ["chain"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
RANGE_SIZE = Gauge("lancer_indexer_range_blocks", "Current getLogs block range", ["chain"])


def serve(port: int, addr: str = "0.0.0.0") -> None:
    """Expose /metrics on ``port`` (a daemon thread)."""
    start_http_server(port, addr=addr)
