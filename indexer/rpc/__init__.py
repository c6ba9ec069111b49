"""RPC: ``client`` (transport, failover, retries, batching), ``errors`` (failure kinds) and ``eth``
(typed eth calls shared by the sync reader and the enrichers)."""

from indexer.rpc.client import RpcClient
from indexer.rpc.errors import (
    RETRYABLE,
    HttpStatusError,
    InvalidResponse,
    RangeTooLarge,
    RateLimited,
    RpcConnectionError,
    RpcError,
    RpcTimeout,
    classify_rpc_error,
)

__all__ = ["RETRYABLE", "HttpStatusError", "InvalidResponse", "RangeTooLarge", "RateLimited", "RpcClient",
           "RpcConnectionError", "RpcError", "RpcTimeout", "classify_rpc_error"]
