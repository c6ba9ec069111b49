"""Full-text queries for the in-memory search index, parsed exactly as PostgreSQL parses them.

``q`` means ``search @@ websearch_to_tsquery('english', q)`` (the SQL path). The index asks PostgreSQL
for that tsquery's text once and evaluates it on posting lists, so stemming, stop words and the parser's
token rules are PostgreSQL's own. A query of plain words (ASCII letters and digits, no ``or``) is the
AND of its words' queries, so the words are what is cached: a vocabulary, not every combination of it
(the uncached mix of ``lancer bench search`` sends thousands of different pairs of a few hundred words).
Phrases (``"smart contract"``: ``<->``) need positions the index does not keep: such a query is
:data:`UNSUPPORTED` and the search runs in SQL.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from typing import Union

from sqlalchemy import Connection, text

# ("lex", lexeme) | ("and", a, b) | ("or", a, b) | ("not", a); EMPTY matches nothing (only stop words:
# PostgreSQL's ``@@`` of an empty tsquery is false).
Node = Union[tuple[str, str], tuple[str, "Node", "Node"], tuple[str, "Node"], tuple[str]]
EMPTY: Node = ("empty",)
UNSUPPORTED: Node = ("unsupported",)

_PLAIN_WORD = re.compile(r"[A-Za-z0-9]+")
_TOKEN = re.compile(r"\s*('(?:[^']|'')*'(?::[*A-Da-d]+)?|<->|<\d+>|[&|!()])")
_BATCH = text("SELECT w, websearch_to_tsquery('english', w)::text FROM unnest(CAST(:words AS text[])) w")
_WHOLE = text("SELECT websearch_to_tsquery('english', :q)::text")


class _Unsupported(Exception):
    pass


def parse(tsquery: str) -> Node:
    """A tsquery's text form (as PostgreSQL prints it) as a tree; UNSUPPORTED for phrases, weights, prefixes."""
    tokens: list[str] = []
    at = 0
    while at < len(tsquery.rstrip()):
        found = _TOKEN.match(tsquery, at)
        if found is None:
            return UNSUPPORTED
        tokens.append(found.group(1))
        at = found.end()
    if not tokens:
        return EMPTY
    try:
        node, rest = _or(tokens)
    except (_Unsupported, IndexError):
        return UNSUPPORTED
    return node if not rest else UNSUPPORTED


def _or(tokens: list[str]) -> tuple[Node, list[str]]:
    node, tokens = _and(tokens)
    while tokens and tokens[0] == "|":
        right, tokens = _and(tokens[1:])
        node = ("or", node, right)
    return node, tokens


def _and(tokens: list[str]) -> tuple[Node, list[str]]:
    node, tokens = _unary(tokens)
    while tokens and tokens[0] == "&":
        right, tokens = _unary(tokens[1:])
        node = ("and", node, right)
    if tokens and tokens[0].startswith("<"):
        raise _Unsupported  # a phrase: positions
    return node, tokens


def _unary(tokens: list[str]) -> tuple[Node, list[str]]:
    head = tokens[0]
    if head == "!":
        inner, rest = _unary(tokens[1:])
        return ("not", inner), rest
    if head == "(":
        inner, rest = _or(tokens[1:])
        if not rest or rest[0] != ")":
            raise _Unsupported
        return inner, rest[1:]
    if head.startswith("'") and head.endswith("'"):
        return ("lex", head[1:-1].replace("''", "'")), tokens[1:]
    raise _Unsupported  # a weight or prefix label, or a stray operator


class QueryCache:
    """``q`` -> tree, from PostgreSQL's parse of its words (or of the whole query), kept per process."""

    def __init__(self, size: int = 50_000) -> None:
        self.size = size
        self._parsed: OrderedDict[str, Node] = OrderedDict()
        self._lock = threading.Lock()

    def compile(self, conn: Connection, q: str) -> Node:
        words = q.split()
        if all(_PLAIN_WORD.fullmatch(w) and w.lower() != "or" for w in words):
            keys = [w.lower() for w in words]
            self._learn(conn, [k for k in dict.fromkeys(keys) if self._get(k) is None], whole=False)
            parts = [self._get(k) or UNSUPPORTED for k in keys]
            return _all_of([p for p in parts if p != EMPTY])
        key = "q:" + q
        if self._get(key) is None:
            self._learn(conn, [q], whole=True)
        return self._get(key) or UNSUPPORTED

    def _learn(self, conn: Connection, missing: list[str], *, whole: bool) -> None:
        if not missing:
            return
        if whole:
            found = [(missing[0], conn.execute(_WHOLE, {"q": missing[0]}).scalar_one())]
        else:
            found = [(w, t) for w, t in conn.execute(_BATCH, {"words": missing}).all()]
        with self._lock:
            for key, tsquery in found:
                self._parsed["q:" + key if whole else key] = parse(tsquery)
            while len(self._parsed) > self.size:
                self._parsed.popitem(last=False)

    def _get(self, key: str) -> Node | None:
        with self._lock:
            node = self._parsed.get(key)
            if node is not None:
                self._parsed.move_to_end(key)
            return node


def _all_of(parts: list[Node]) -> Node:
    if UNSUPPORTED in parts:
        return UNSUPPORTED
    if not parts:
        return EMPTY  # every word a stop word: websearch_to_tsquery is empty and matches nothing
    node = parts[0]
    for part in parts[1:]:
        node = ("and", node, part)
    return node
