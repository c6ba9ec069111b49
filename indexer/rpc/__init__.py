"""RPC: ``client`` (transport, failover, retries, batching), ``errors`` (failure kinds) and ``eth``
(typed eth calls shared by the sync reader and the enrichers)."""

from indexer.rpc.client import RpcClient

__all__ = ["RpcClient"]
