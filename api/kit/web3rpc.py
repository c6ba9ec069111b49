"""web3.py's HTTP provider with tracing: each JSON-RPC call the API or a job makes through web3 (attestations,
offset records, contract-wallet sign-in) is a span ``rpc <method>`` inside the request's or the job's trace,
like the indexer's own client (``indexer.rpc.client``). The span names the chain, never the URL (provider
URLs embed keys). With tracing off, one attribute read per call."""

from __future__ import annotations

from typing import Any

from web3 import HTTPProvider

from indexer.core import telemetry


class TracedHTTPProvider(HTTPProvider):
    def __init__(self, endpoint_uri: str, *, chain: str | None = None, **kwargs: Any) -> None:
        super().__init__(endpoint_uri, **kwargs)
        self._span_attributes = {"rpc.system": "jsonrpc", **({"lancer.chain": chain} if chain else {})}

    def make_request(self, method: Any, params: Any) -> Any:
        if not telemetry.enabled():
            return super().make_request(method, params)
        with telemetry.span(f"rpc {method}", **self._span_attributes, **{"rpc.method": str(method)}):
            return super().make_request(method, params)

    def make_batch_request(self, requests: Any) -> Any:
        if not telemetry.enabled():
            return super().make_batch_request(requests)
        with telemetry.span("rpc batch", **self._span_attributes, **{"rpc.batch_size": len(requests)}):
            return super().make_batch_request(requests)
