"""RPC failures sorted into kinds (also the ``kind`` label of ``lancer_indexer_rpc_errors_total``):
``timeout``, ``connection``, ``rate_limited``, ``http``, ``rpc``, ``range_too_large``, ``invalid``
(a malformed or inconsistent answer, e.g. logs for a block hash that is not the block's).
``ReorgRace`` (kind ``reorg``) is no fault: the chain moved between two reads of one range.
"""

from __future__ import annotations

import re
from typing import Any

# Messages nodes and providers use when a getLogs query is too big (geth, erigon, alchemy, infura...).
RANGE_PATTERNS = re.compile(
    r"too many|more than \d+ results|query returned more|limit exceeded|response size|block range|"
    r"range (is )?too (large|wide)|exceed|too large|max results|query timeout|try with this block range",
    re.IGNORECASE,
)
RATE_PATTERNS = re.compile(r"rate limit|too many requests|capacity|throttl", re.IGNORECASE)


class RpcError(Exception):
    """An RPC call failed; ``kind`` says how (see module docstring)."""

    kind = "rpc"

    def __init__(self, message: str, *, code: int | None = None, url: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.url = url


class RpcTimeout(RpcError):
    kind = "timeout"


class RpcConnectionError(RpcError):
    kind = "connection"


class RateLimited(RpcError):
    kind = "rate_limited"

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class HttpStatusError(RpcError):
    kind = "http"


class RangeTooLarge(RpcError):
    """The node refuses (or cannot finish) a query this big: the caller should shrink the range."""

    kind = "range_too_large"


class InvalidResponse(RpcError):
    """The node answered something impossible; treated as a fault of that node, never as truth."""

    kind = "invalid"


class ReorgRace(RpcError):
    """Answers of one range disagree because the chain reorganised between them (the block the range
    was pinned to is no longer canonical). Not the node's fault: the caller reads the range again
    (the writer then finds the common ancestor); it is neither counted as an error nor a reason to
    leave the URL."""

    kind = "reorg"


# Errors worth another try on another URL after a pause. Range errors go back to the caller, which
# shrinks the range; plain JSON-RPC errors (e.g. execution reverted) are answers, not faults.
RETRYABLE: tuple[type[RpcError], ...] = (RpcTimeout, RpcConnectionError, RateLimited, HttpStatusError, InvalidResponse)


def classify_rpc_error(error: dict[str, Any], url: str) -> RpcError:
    message = str(error.get("message", error))
    code = error.get("code")
    code = int(code) if isinstance(code, int) else None
    if code == 429 or RATE_PATTERNS.search(message):
        return RateLimited(message, code=code, url=url)
    if RANGE_PATTERNS.search(message):
        return RangeTooLarge(message, code=code, url=url)
    return RpcError(message, code=code, url=url)
