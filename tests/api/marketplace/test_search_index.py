"""Project search through the in-memory index (``api.projects.search_index``) gives exactly the pages the
SQL search gives: generated searches (full text, skills, budgets, chains, states, cursors) for anonymous
and signed-in viewers, ties in ``created_at``, and after every kind of write (the change feed), including
pages asked of an index that has not synced yet (the SQL re-check drops what changed). About 15 s."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import TypeAdapter
from sqlalchemy import Connection, Engine, event, text

from api.kit.deployments import DeploymentDirectory
from api.kit.pagination import encode_cursor
from api.kit.tokens import TokenResolver
from api.kit.versions import data_version
from api.projects import service, textquery
from api.projects.schemas import ProjectPage
from api.projects.search_index import ProjectIndex
from bench.search import distinct_queries, involve, populate
from indexer.core.db import make_engine
from indexer.core.registry import load_registry

pytestmark = pytest.mark.xdist_group("search_index")
_PAGE = TypeAdapter(ProjectPage)
INLINE: list[int] = []  # searches answered by service.search_inline


@pytest.fixture(scope="module")
def scratch(database_factory: Callable[[str], str]) -> Iterator[tuple[Engine, dict[str, list[str]], list[uuid.UUID]]]:
    url = database_factory("search_index")
    vocabulary = populate(url, projects=2500, users=200)
    engine = make_engine(url)
    with engine.begin() as conn:
        users = list(conn.execute(text("SELECT id FROM users ORDER BY id LIMIT 4")).scalars())
        # Ties: forty projects of one instant, so keyset pages must order them by id.
        conn.execute(text("UPDATE projects SET created_at = '2026-06-01T12:00:00+00' "
                          "WHERE id IN (SELECT id FROM projects ORDER BY id LIMIT 40)"))
    involve(url, users, per_user=40)
    yield engine, vocabulary, users
    engine.dispose()


@pytest.fixture(scope="module")
def tokens() -> TokenResolver:
    return TokenResolver(load_registry(), DeploymentDirectory(Path("deployments")))


def _ask(path: str) -> dict[str, Any]:
    query = parse_qs(urlsplit(path).query)
    one = {k: v[0] for k, v in query.items()}
    return {"q": one.get("q"), "skills": query.get("skills", []),
            "min_budget": int(one["min_budget"]) if "min_budget" in one else None,
            "max_budget": int(one["max_budget"]) if "max_budget" in one else None,
            "chain": one.get("chain"), "state": one.get("state"), "mine": one.get("mine") == "true",
            "limit": int(one.get("limit", 20))}


def _searches(path: str) -> float:
    return service.SEARCHES.labels(path=path)._value.get()


class Statements:
    """The page statements a block ran, to tell the index's path (``id = ANY``) from the SQL one."""

    def __init__(self, engine: Engine) -> None:
        self.seen: list[str] = []
        event.listen(engine, "before_cursor_execute", self._record)
        self.engine = engine

    def _record(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "FROM projects" in statement and "ORDER BY projects.created_at DESC" in statement:
            self.seen.append(statement)

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)


def _both(conn: Connection, tokens: TokenResolver, index: ProjectIndex, viewer: uuid.UUID | None,
          ask: dict[str, Any], cursor: str | None = None, *, version: int | None = None) -> tuple[Any, Any]:
    version = data_version(conn, "projects") if version is None else version
    plain = service.search(conn, tokens, viewer, cursor=cursor, **ask)
    fast = service.search(conn, tokens, viewer, cursor=cursor, index=index, version=version, **ask)
    # The same search from memory alone (the route's event-loop path), when it needs no statement.
    inline = service.search_inline(tokens, viewer, cursor=cursor, index=index, version=version, **ask)
    if inline is not None:
        assert inline == plain, (viewer, ask, "inline")
        INLINE.append(1)
    return plain, fast


def _page(body: bytes) -> ProjectPage:
    page = ProjectPage.model_validate_json(body)
    assert _PAGE.dump_json(page) == body  # the page's JSON is what its schema writes, byte for byte
    return page


def _same_pages(conn: Connection, tokens: TokenResolver, index: ProjectIndex, viewer: uuid.UUID | None,
                ask: dict[str, Any], *, version: int | None = None) -> int:
    """First and second page equal, byte for byte; returns how many rows the first page had."""
    plain, fast = _both(conn, tokens, index, viewer, ask, version=version)
    assert fast == plain, (viewer, ask)
    first = _page(plain)
    if first.next_cursor:
        plain2, fast2 = _both(conn, tokens, index, viewer, ask, first.next_cursor, version=version)
        assert fast2 == plain2, (viewer, ask, "page 2")
    if viewer is not None:  # the owner's copy of a row says so, and only theirs
        handle = conn.execute(text("SELECT handle FROM profiles WHERE user_id = :u"), {"u": viewer}).scalar_one()
        assert all(x.is_owner == (x.client == handle) for x in first.items)
    return len(first.items)


def test_generated_searches_give_the_sql_pages(scratch: tuple[Engine, dict[str, list[str]], list[uuid.UUID]],
                                               tokens: TokenResolver) -> None:
    engine, vocabulary, users = scratch
    index = ProjectIndex(engine)
    index.load()
    statements = Statements(engine)
    asks = [_ask(p) for p in distinct_queries(vocabulary, 150, seed=5)]
    signed = [_ask(p) for p in distinct_queries(vocabulary, 150, seed=7, mine=0.2)]
    # Hand-written edge cases: stop words only, a stop word with a word, case, digits, an unknown word,
    # operators (or, negation: PostgreSQL's parse of the whole query), a phrase (left to SQL), small pages.
    extra = [{"q": "the"}, {"q": "The SOLIDITY"}, {"q": "audit or react"}, {"q": "audit -react"},
             {"q": "zzzunknownword"}, {"q": "2026 audit"}, {"q": "   "}, {"q": '"smart contract"'},
             {"q": "e-mail wallet"}, {"limit": 3}, {"state": "open", "limit": 1}]
    base = {"q": None, "skills": [], "min_budget": None, "max_budget": None, "chain": None, "state": None,
            "mine": False, "limit": 20}
    refills, inline = _searches("refill"), len(INLINE)
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        found = 0
        for ask in asks + [{**base, **e} for e in extra]:
            found += _same_pages(conn, tokens, index, None, ask)
        for i, ask in enumerate(signed + [{**base, **e} for e in extra]):
            found += _same_pages(conn, tokens, index, users[i % len(users)], ask)
    statements.close()
    assert found > 1000  # the searches find rows: equal pages of nothing would prove little
    assert len(INLINE) - inline > 100  # and many were answered from memory alone (each checked against SQL)
    # Nothing changed meanwhile: every candidate the index proposed was on the page (the SQL re-check,
    # which would hide a wrong candidate behind a refill, never had to drop one).
    assert _searches("refill") == refills
    by_index = sum("= ANY" in s and "projects.id" in s for s in statements.seen)
    assert by_index > len(statements.seen) / 3  # the index answered (each of its pages is one such statement)


def test_ties_in_created_at_page_by_id(scratch: tuple[Engine, dict[str, list[str]], list[uuid.UUID]],
                                       tokens: TokenResolver) -> None:
    engine, _, _ = scratch
    index = ProjectIndex(engine)
    index.load()
    with engine.connect() as conn:
        ask = {"q": None, "skills": [], "min_budget": None, "max_budget": 10**30, "chain": None, "state": None,
               "mine": False, "limit": 7}
        cursor, seen = None, []
        version = data_version(conn, "projects")
        # Walk a window holding the tied instant: a cursor inside the tie group must resume after its id.
        tied = conn.execute(text("SELECT created_at, id FROM projects WHERE created_at = '2026-06-01T12:00:00+00' "
                                 "ORDER BY id DESC LIMIT 1")).one()
        cursor = encode_cursor([tied.created_at.isoformat(), str(tied.id)])
        for _ in range(10):
            plain, fast = _both(conn, tokens, index, None, ask, cursor, version=version)
            assert fast == plain
            page = _page(plain)
            seen += [x.id for x in page.items]
            cursor = page.next_cursor
        assert len(seen) == len(set(seen)) == 70


def _no_cursor(ask: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in ask.items() if k != "cursor"}


def _write(engine: Engine, sql: str, **params: Any) -> None:
    with engine.begin() as conn:
        conn.execute(text(sql), params)


def test_writes_reach_the_index_through_the_change_feed(scratch: tuple[Engine, dict[str, list[str]], list[uuid.UUID]],
                                                        tokens: TokenResolver) -> None:
    engine, vocabulary, users = scratch
    index = ProjectIndex(engine, overlay_limit=50)
    index.load()
    viewer = users[1]
    newest = {"q": None, "skills": [], "min_budget": None, "max_budget": None, "chain": None, "state": None,
              "mine": False, "limit": 10, "cursor": None}
    word = {**newest, "q": "kwxyzzy"}
    mine = {**newest, "mine": True}
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        first = _page(service.search(conn, tokens, None, **newest, index=index, version=data_version(conn, "projects")))
        # Asked at the version it is synced at (as a request that read the version just before this write
        # would): the rows it remembers are that version's, as a cached page would be; a row it has not read
        # yet is read with the page's WHERE clause, so the twelfth newest, now a draft, drops out and the page
        # is refilled from the next candidates.
        longer = {**newest, "limit": 16}
        top = _page(service.search(conn, tokens, None, **longer)).items[12].id
        _write(engine, "UPDATE projects SET state = 'draft' WHERE id = :i", i=top)
        refills = _searches("refill")
        stale = service.search(conn, tokens, None, **longer, index=index, version=index.version)
        assert top not in [x.id for x in _page(stale).items] and len(_page(stale).items) == 16
        assert stale == service.search(conn, tokens, None, **longer)
        assert _searches("refill") == refills + 1
        # A new project, a new word, a deletion, an organization joined, a skill and a budget changed.
        client = conn.execute(text("SELECT user_id FROM profiles ORDER BY user_id LIMIT 1")).scalar_one()
        new_id = uuid.uuid4()
        _write(engine, "INSERT INTO projects (id, client_user_id, title, description, skill_ids, budget, chain_id, "
               "token, milestones, visibility, invitees, state, attachments, created_at, updated_at) VALUES "
               "(:i, :c, 'Kwxyzzy audit', 'fresh', '{}', 5, 31337, :z, '[]', 'public', '{}', 'open', '[]', "
               "now() + interval '1 day', now())", i=new_id, c=client, z="0x" + "0" * 40)
        gone = first.items[1].id
        _write(engine, "DELETE FROM projects WHERE id = :i", i=gone)
        org = conn.execute(text("SELECT org_id FROM projects WHERE org_id IS NOT NULL AND org_id NOT IN "
                                "(SELECT org_id FROM org_members WHERE user_id = :u) LIMIT 1"), {"u": viewer}).scalar_one()
        _write(engine, "INSERT INTO org_members (org_id, user_id, role, joined_at) VALUES (:o, :u, 'member', now())",
               o=org, u=viewer)
        _write(engine, "UPDATE projects SET skill_ids = '{1}', budget = 10^40 WHERE id = :i", i=first.items[2].id)
        version = data_version(conn, "projects")
        # From memory alone the index cannot catch up (that takes a statement): no answer, nothing changed.
        synced_at = index.version
        assert service.search_inline(tokens, None, **word, index=index, version=version) is None
        assert index.version == synced_at < version
        refills = _searches("refill")
        fresh = _page(service.search(conn, tokens, None, **word, index=index, version=version))
        assert [x.id for x in fresh.items] == [new_id]
        listed = _page(service.search(conn, tokens, None, **newest, index=index, version=version))
        assert listed.items[0].id == new_id and gone not in [x.id for x in listed.items]
        for ask in [newest, word, mine, {**newest, "min_budget": 10**39}, {**newest, "skills": [vocabulary["skills"][0]]},
                    {**newest, "state": "draft"}]:
            _same_pages(conn, tokens, index, viewer, _no_cursor(ask), version=version)
            _same_pages(conn, tokens, index, None, {**_no_cursor(ask), "mine": False}, version=version)
        assert index.main is not None and not index.main.alive[index.main.where[top]]  # the overlay has it now
        # The new project (in the overlay) deleted: gone from the overlay too.
        _write(engine, "DELETE FROM projects WHERE id = :i", i=new_id)
        version = data_version(conn, "projects")
        assert _page(service.search(conn, tokens, None, **word, index=index, version=version)).items == []
        _same_pages(conn, tokens, index, viewer, _no_cursor(newest), version=version)
        assert _searches("refill") == refills  # synced: the index's candidates were the pages
        # More changes than the overlay keeps: everything is loaded again, and still the same pages.
        _write(engine, "UPDATE projects SET state = 'cancelled' WHERE id IN "
               "(SELECT id FROM projects WHERE state = 'open' ORDER BY created_at DESC LIMIT 60)")
        main = index.main
        version = data_version(conn, "projects")
        for ask in [newest, {**newest, "state": "open"}, mine]:
            _same_pages(conn, tokens, index, viewer, _no_cursor(ask), version=version)
        assert index.main is not main


@pytest.mark.parametrize(("tsquery", "tree"), [
    ("'solid' & 'audit'", ("and", ("lex", "solid"), ("lex", "audit"))),
    ("'a' | !'b' & 'c'", ("or", ("lex", "a"), ("and", ("not", ("lex", "b")), ("lex", "c")))),
    ("( 'a' | 'b' ) & 'c'", ("and", ("or", ("lex", "a"), ("lex", "b")), ("lex", "c"))),
    ("'o''brien'", ("lex", "o'brien")),
    ("", textquery.EMPTY),
    ("'smart' <-> 'contract'", textquery.UNSUPPORTED),
    ("'a' & 'b' <2> 'c'", textquery.UNSUPPORTED),
    ("'pre':*", textquery.UNSUPPORTED),
])
def test_tsquery_text_parses_as_postgresql_prints_it(tsquery: str, tree: textquery.Node) -> None:
    assert textquery.parse(tsquery) == tree
