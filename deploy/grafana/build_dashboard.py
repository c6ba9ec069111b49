#!/usr/bin/env python3
"""Writes grafana/dashboards/lancer.json (run after editing the panels; a test checks it is current).

    python3 deploy/grafana/build_dashboard.py [--check]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent / "dashboards" / "lancer.json"
DS = {"type": "prometheus", "uid": "prometheus"}
CHAIN = 'chain=~"$chain"'

# (title, unit, [(expr, legend)]) per row.
INDEXER = [
    ("Head lag (blocks)", "short", [(f"max by (chain) (lancer_indexer_head_lag_blocks{{{CHAIN}}})", "{{chain}}")]),
    ("Head lag (seconds)", "s", [(f"max by (chain) (lancer_indexer_head_lag_seconds{{{CHAIN}}})", "{{chain}}")]),
    ("Blocks / s", "short", [(f"sum by (chain) (rate(lancer_indexer_blocks_total{{{CHAIN}}}[5m]))", "{{chain}}")]),
    ("Events / s", "short", [(f"sum by (chain) (rate(lancer_indexer_events_total{{{CHAIN}}}[5m]))", "{{chain}}")]),
    ("Reorgs (per 15 min)", "short", [(f"sum by (chain) (increase(lancer_indexer_reorgs_total{{{CHAIN}}}[15m]))", "{{chain}}")]),
    ("RPC errors / s by kind", "short", [
        (f"sum by (chain, kind) (rate(lancer_indexer_rpc_errors_total{{{CHAIN}}}[5m]))", "{{chain}} {{kind}}"),
    ]),
    ("Batch write latency", "s", [
        (f"histogram_quantile(0.5, sum by (chain, le) (rate(lancer_indexer_batch_seconds_bucket{{{CHAIN}}}[5m])))", "p50 {{chain}}"),
        (f"histogram_quantile(0.99, sum by (chain, le) (rate(lancer_indexer_batch_seconds_bucket{{{CHAIN}}}[5m])))", "p99 {{chain}}"),
    ]),
    ("RPC latency p99 by method", "s", [
        (f"histogram_quantile(0.99, sum by (chain, method, le) (rate(lancer_indexer_rpc_seconds_bucket{{{CHAIN}}}[5m])))",
         "{{chain}} {{method}}"),
    ]),
    ("Indexed vs head vs confirmed block", "none", [
        (f"max by (chain) (lancer_indexer_head_block{{{CHAIN}}})", "head {{chain}}"),
        (f"max by (chain) (lancer_indexer_block{{{CHAIN}}})", "indexed {{chain}}"),
        (f"max by (chain) (lancer_indexer_confirmed_block{{{CHAIN}}})", "confirmed {{chain}}"),
    ]),
    ("getLogs range (blocks)", "short", [(f"max by (chain) (lancer_indexer_range_blocks{{{CHAIN}}})", "{{chain}}")]),
]
API = [
    ("Requests / s by status", "reqps", [('sum by (status) (rate(lancer_http_requests_total[5m]))', "{{status}}")]),
    ("Requests / s by route", "reqps", [('sum by (route) (rate(lancer_http_requests_total[5m]))', "{{route}}")]),
    ("Latency p50 by route", "s", [
        ("histogram_quantile(0.5, sum by (route, le) (rate(lancer_http_request_duration_seconds_bucket[5m])))", "{{route}}"),
    ]),
    ("Latency p99 by route", "s", [
        ("histogram_quantile(0.99, sum by (route, le) (rate(lancer_http_request_duration_seconds_bucket[5m])))", "{{route}}"),
    ]),
    ("5xx ratio", "percentunit", [
        ('sum(rate(lancer_http_requests_total{status=~"5.."}[5m])) / clamp_min(sum(rate(lancer_http_requests_total[5m])), 1e-9)',
         "5xx"),
    ]),
    ("Cache hit ratio", "percentunit", [
        ("sum(rate(lancer_cache_hits_total[5m])) / clamp_min(sum(rate(lancer_cache_hits_total[5m])) + "
         "sum(rate(lancer_cache_misses_total[5m])), 1e-9)", "hit ratio"),
    ]),
]


def build() -> dict:
    panels: list[dict] = []
    next_id = 1
    y = 0
    for row_title, specs in (("Indexer", INDEXER), ("API", API)):
        panels.append({"id": next_id, "type": "row", "title": row_title, "collapsed": False,
                       "gridPos": {"h": 1, "w": 24, "x": 0, "y": y}, "panels": []})
        next_id += 1
        y += 1
        for i, (title, unit, queries) in enumerate(specs):
            panels.append({
                "id": next_id,
                "type": "timeseries",
                "title": title,
                "datasource": DS,
                "gridPos": {"h": 8, "w": 12, "x": 12 * (i % 2), "y": y + 8 * (i // 2)},
                "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
                "options": {"legend": {"displayMode": "list", "placement": "bottom"}},
                "targets": [
                    {"refId": chr(ord("A") + j), "datasource": DS, "expr": expr, "legendFormat": legend}
                    for j, (expr, legend) in enumerate(queries)
                ],
            })
            next_id += 1
        y += 8 * ((len(specs) + 1) // 2)
    return {
        "uid": "lancer-overview",
        "title": "Lancer: indexer and API",
        "tags": ["lancer"],
        "timezone": "utc",
        "schemaVersion": 39,
        "version": 1,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {"list": [{
            "name": "chain", "type": "query", "datasource": DS, "label": "chain",
            "query": {"query": "label_values(lancer_indexer_head_lag_blocks, chain)", "refId": "chain"},
            "definition": "label_values(lancer_indexer_head_lag_blocks, chain)",
            "includeAll": True, "multi": True, "allValue": ".*", "refresh": 2,
            "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
        }]},
        "annotations": {"list": []},
        "panels": panels,
    }


def render() -> str:
    return json.dumps(build(), indent=2) + "\n"


if __name__ == "__main__":
    text = render()
    if "--check" in sys.argv[1:]:
        if not OUT.exists() or OUT.read_text() != text:
            print(f"{OUT} is stale: run python3 {Path(__file__).name}", file=sys.stderr)
            sys.exit(1)
    else:
        OUT.write_text(text)
        print(f"wrote {OUT}")
