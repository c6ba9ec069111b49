"""Keyset pagination: `limit` (bounded) and an opaque `cursor` naming the last item of the page.

The cursor is the sort key of the last row, JSON-encoded in URL-safe base64; the next page is the
rows strictly after it in the same order, so pages stay stable while new rows arrive.
"""

from __future__ import annotations

import base64
import json
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field

from api.kit.problems import Problem

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

T = TypeVar("T")

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Page size (1-{MAX_LIMIT})")]
Cursor = Annotated[
    str | None, Query(max_length=512, description="Opaque cursor from the previous page's `next_cursor`")
]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(None, description="Pass as `cursor` to get the next page; null at the end")


def encode_cursor(key: list[Any]) -> str:
    raw = json.dumps(key, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def invalid_cursor() -> Problem:
    return Problem(400, "cursor is not one this API issued; start again without it", type_="invalid-cursor")


def _fits(value: Any, kind: type) -> bool:
    if kind is int:  # JSON true/false decode to bool, a subclass of int: not a block number
        return isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63
    return isinstance(value, kind)


def decode_cursor(cursor: str | None, shape: tuple[type, ...]) -> list[Any] | None:
    """The sort key inside a cursor, or None for the first page; a 400 problem for anything that is not
    a JSON list of exactly ``shape`` (e.g. ``(int, int, int)``): a forged cursor never reaches SQL."""
    if cursor is None or cursor == "":
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError):
        key = None
    if not isinstance(key, list) or len(key) != len(shape) or not all(map(_fits, key, shape)):
        raise invalid_cursor()
    return key


def page_of(rows: list[T], limit: int, key_of: Any) -> tuple[list[T], str | None]:
    """Cut a `limit + 1` fetch to a page and its next cursor."""
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, encode_cursor(key_of(rows[-1]))
    return rows, None
