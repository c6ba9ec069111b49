"""A per-process, columnar copy of what project search filters on.

Why: a search that misses the read cache cost PostgreSQL a walk of ``ix_projects_created`` (or ANDed GIN
bitmaps) testing every row against the filters until 21 matched: about 2.4 CPU ms for full text with
filters, more than the API's own work (``lancer bench search``, uncached mixes). Here every filter is a
numpy column or a posting list (lexemes from ``tsvector_to_array(search)``, skills, clients,
organizations, invitees) over the rows sorted newest first, so the candidates of a page are a few vector
operations; PostgreSQL then reads only those rows by primary key, with the page's full WHERE clause
(``api.projects.service``): a row this copy has stale can drop out of a page but never enter one.

Freshness: the copy is used under the ``projects`` data version it was synced at (``api.kit.versions``);
when the version moves, one statement reads the change feed (``api.kit.changefeed``: rows written and
deleted since the last sync). Changed rows go to a small overlay segment (the main segment's copy of them
is marked dead) until the overlay outgrows ``overlay_limit``, then everything is loaded again.
"""

from __future__ import annotations

import bisect
from array import array
import gc
import heapq
import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from prometheus_client import Gauge
from sqlalchemy import Connection, Engine, text

from api.kit import changefeed
from api.kit.versions import data_version
from api.projects import textquery as tq

log = logging.getLogger(__name__)

COLUMNS = ("id, created_at, state, visibility, chain_id, budget::text AS budget, skill_ids, client_user_id, "
           "org_id, invitees, tsvector_to_array(search) AS lexemes")
_ALL = text(f"SELECT {COLUMNS} FROM projects ORDER BY created_at DESC, id DESC")
CHANGES = changefeed.changes_sql("projects", COLUMNS, "project_deletions", "project_id")
_MEMBERSHIPS = text("SELECT org_id FROM org_members WHERE user_id = :u")
_SKILLS = text("SELECT slug, id FROM skills WHERE is_active")
STATES = ("draft", "open", "in_progress", "completed", "cancelled")
_STATE = {name: code for code, name in enumerate(STATES)}
_DRAFT = _STATE["draft"]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)
INDEXED = Gauge("lancer_project_search_index_rows", "Projects in this process's search index (main segment, "
                "changed rows in the overlay)", ["segment"])
Key = tuple[int, uuid.UUID]  # (created_at in µs, id): the search's order, newest first
WINDOW = 2048  # rows a search looks at first


def micros(at: datetime) -> int:
    return (at - _EPOCH) // _MICRO


@dataclass(frozen=True)
class Ask:
    """One search, as the index sees it (values already resolved: skill ids, chain id, the viewer's orgs)."""

    text: tq.Node | None = None
    skill_ids: tuple[int, ...] = ()
    min_budget: int | None = None
    max_budget: int | None = None
    chain_id: int | None = None
    state: str | None = None
    viewer: uuid.UUID | None = None
    orgs: tuple[uuid.UUID, ...] = ()
    mine: bool = False
    after: Key | None = None


class _Postings:
    """Posting lists built from (key, row) pairs added in row order, kept as compact arrays meanwhile:
    a Python list per key would hold an int object per entry (millions of lexeme entries at 100k rows)."""

    def __init__(self) -> None:
        self.keys: dict[Any, int] = {}
        self.key_of = array("i")
        self.row_of = array("i")

    def add(self, key: Any, row: int) -> None:
        k = self.keys.get(key)
        if k is None:
            k = self.keys[key] = len(self.keys)
        self.key_of.append(k)
        self.row_of.append(row)

    def build(self) -> dict[Any, np.ndarray]:
        """key -> its rows, ascending (views of one array: the rows grouped by key, stable)."""
        if not self.keys:
            return {}
        keys = np.frombuffer(self.key_of, np.int32)
        rows = np.frombuffer(self.row_of, np.int32)[np.argsort(keys, kind="stable")]
        bounds = np.cumsum(np.bincount(keys, minlength=len(self.keys)))[:-1]
        return dict(zip(self.keys, np.split(rows, bounds), strict=True))


class Segment:
    """Rows in the search's order, (created_at, id) descending; immutable but for ``alive``."""

    def __init__(self, rows: Iterable[Any]) -> None:
        """``rows`` in the search's order (the full load streams them so from PostgreSQL)."""
        self.ids: list[uuid.UUID] = []
        created, state, chain, public, budgets = array("q"), array("B"), array("q"), array("B"), []
        lexemes, skills, clients, orgs, invited = _Postings(), _Postings(), _Postings(), _Postings(), _Postings()
        for i, r in enumerate(rows):
            self.ids.append(r.id)
            created.append(micros(r.created_at))
            state.append(_STATE.get(r.state, 255))
            chain.append(r.chain_id)
            public.append(r.visibility == "public")
            budgets.append(int(r.budget))  # wei: beyond int64, so compared by rank
            for lex in r.lexemes or ():
                lexemes.add(lex, i)
            for skill in r.skill_ids or ():
                skills.add(skill, i)
            clients.add(r.client_user_id, i)
            if r.org_id is not None:
                orgs.add(r.org_id, i)
            for user in r.invitees or ():
                invited.add(user, i)
        self.size = len(self.ids)
        self.where = {pid: i for i, pid in enumerate(self.ids)}
        self.created = np.frombuffer(created, np.int64)
        self._newer = -self.created  # ascending, for searchsorted
        self.state = np.frombuffer(state, np.uint8)
        self.chain = np.frombuffer(chain, np.int64)
        self.budget_values = sorted(set(budgets))
        rank = {value: i for i, value in enumerate(self.budget_values)}
        self.budget = np.fromiter((rank[b] for b in budgets), np.int32, self.size)
        self.listed = (self.state != _DRAFT) & np.frombuffer(public, np.uint8).astype(bool)
        self.alive = np.ones(self.size, bool)
        self.lexemes, self.skills, self.clients = lexemes.build(), skills.build(), clients.build()
        self.orgs, self.invited = orgs.build(), invited.build()

    @classmethod
    def of(cls, rows: Iterable[Any]) -> Segment:
        """A segment of rows in any order (the overlay's changed rows)."""
        return cls(sorted(rows, key=lambda r: (r.created_at, r.id), reverse=True))

    def _any(self, postings: dict[Any, np.ndarray], keys: Iterable[Any], lo: int, hi: int) -> np.ndarray:
        """Rows ``lo:hi`` holding any of ``keys`` (posting lists are sorted: a slice each)."""
        mask = np.zeros(hi - lo, bool)
        for key in keys:
            rows = postings.get(key)
            if rows is not None:
                mask[rows[rows.searchsorted(lo):rows.searchsorted(hi)] - lo] = True
        return mask

    def _text(self, node: tq.Node, lo: int, hi: int) -> np.ndarray:
        kind = node[0]
        if kind == "lex":
            return self._any(self.lexemes, (node[1],), lo, hi)
        if kind == "and":
            return self._text(node[1], lo, hi) & self._text(node[2], lo, hi)  # type: ignore[arg-type]
        if kind == "or":
            return self._text(node[1], lo, hi) | self._text(node[2], lo, hi)  # type: ignore[arg-type]
        if kind == "not":
            return ~self._text(node[1], lo, hi)  # type: ignore[arg-type]
        return np.zeros(hi - lo, bool)  # EMPTY

    def _start(self, after: Key | None) -> int:
        """The first row after the keyset cursor ``after`` (rows of the same instant compared by id)."""
        if after is None:
            return 0
        at, after_id = after
        lo = int(np.searchsorted(self._newer, -at, "left"))
        hi = int(np.searchsorted(self._newer, -at, "right"))
        while lo < hi and self.ids[lo] >= after_id:
            lo += 1
        return lo

    def _matching(self, ask: Ask, lo: int, hi: int) -> np.ndarray:
        """Which of rows ``lo:hi`` match ``ask``."""
        mask = self.alive[lo:hi].copy()
        if ask.viewer is not None:
            own = self._any(self.clients, (ask.viewer,), lo, hi) | self._any(self.orgs, ask.orgs, lo, hi)
            if ask.mine:
                mask &= own
            else:
                invited = self._any(self.invited, (ask.viewer,), lo, hi) & (self.state[lo:hi] != _DRAFT)
                mask &= self.listed[lo:hi] | own | invited
        else:
            mask &= self.listed[lo:hi]
        if ask.text is not None:
            mask &= self._text(ask.text, lo, hi)
        if ask.skill_ids:
            mask &= self._any(self.skills, ask.skill_ids, lo, hi)
        if ask.state is not None:
            mask &= self.state[lo:hi] == _STATE.get(ask.state, 254)
        if ask.chain_id is not None:
            mask &= self.chain[lo:hi] == ask.chain_id
        if ask.min_budget is not None:
            mask &= self.budget[lo:hi] >= bisect.bisect_left(self.budget_values, ask.min_budget)
        if ask.max_budget is not None:
            mask &= self.budget[lo:hi] <= bisect.bisect_right(self.budget_values, ask.max_budget) - 1
        return mask

    def first(self, ask: Ask, k: int) -> list[Key]:
        """The keys of the first ``k`` rows matching ``ask``, in the search's order: windows of rows from
        the cursor on, each four times the last, so a common search stops after a few thousand rows and
        a rare one costs about a third more than one pass over everything."""
        found: list[int] = []
        lo, width = self._start(ask.after), WINDOW
        while lo < self.size and len(found) < k:
            hi = min(self.size, lo + width)
            found.extend((np.flatnonzero(self._matching(ask, lo, hi))[:k - len(found)] + lo).tolist())
            lo, width = hi, width * 4
        return [(int(self.created[i]), self.ids[i]) for i in found]


class ProjectIndex:
    """The process's index of one database's projects: a main segment, an overlay of rows changed since it
    was loaded, the change feed's last snapshot and the ``projects`` data version it is synced at."""

    def __init__(self, engine: Engine, *, overlay_limit: int = 2000, memberships: int = 10_000,
                 rendered: int = 20_000) -> None:
        self.engine = engine
        self.overlay_limit = overlay_limit
        self.queries = tq.QueryCache()
        self.main: Segment | None = None  # None until loaded: searches run in SQL meanwhile
        self.overlay = Segment(())
        self._changed: dict[uuid.UUID, Any] = {}
        self._snapshot = changefeed.Snapshot(0, [])
        self._loaded_at = 0.0
        self.version = -1
        # user -> (the projects version read before, their organizations): memberships move that version.
        self._memberships: dict[uuid.UUID, tuple[int, tuple[uuid.UUID, ...]]] = {}
        self._memberships_limit = memberships
        self._skills: tuple[int, dict[str, int]] = (-1, {})  # (version, active skill slug -> id)
        # id.int -> (the projects version read before the row, the row as a page shows it: bytes): a search
        # that misses the read cache still finds most of its page's rows here (newest projects are on many
        # pages), and reads only the others. Ints and bytes: nothing for the garbage collector to walk.
        self._rendered: OrderedDict[int, tuple[int, Any]] = OrderedDict()
        self._rendered_limit = rendered
        self._rendered_lock = threading.Lock()
        self._lock = threading.Lock()

    @property
    def ready(self) -> bool:
        return self.main is not None

    def load(self) -> None:
        """Read every project (the version and snapshot first: the rows are then at least that new)."""
        with self._lock:
            self._load(None)

    def _load(self, version: int | None) -> None:
        started = time.monotonic()
        # A connection of its own, in a transaction: the rows stream through a server-side cursor.
        with self.engine.connect() as conn:
            if version is None:
                version = data_version(conn, "projects")
            snapshot = changefeed.snapshot(conn)
            # Paused collector while the rows' objects are made, then moved out of its reach: a full
            # collection walking them in some later request would be that request's latency.
            paused = gc.isenabled()
            gc.disable()
            try:
                # Streamed in the search's order: a few thousand rows' objects at a time, never all of them.
                main = Segment(conn.execution_options(stream_results=True, max_row_buffer=2000).execute(_ALL))
            finally:
                if paused:
                    gc.enable()
        gc.collect()
        gc.freeze()
        self.main, self.overlay, self._changed = main, Segment(()), {}
        self._snapshot, self.version, self._loaded_at = snapshot, version, time.monotonic()
        INDEXED.labels(segment="main").set(main.size)
        INDEXED.labels(segment="overlay").set(0)
        log.info("project search index loaded", extra={"projects": main.size,
                                                      "seconds": round(time.monotonic() - started, 3)})

    def sync(self, conn: Connection, version: int) -> bool:
        """Bring the index to ``version`` (read before this call); False when it is not loaded yet."""
        if self.main is None:
            return False
        if version <= self.version:
            return True
        with self._lock:
            if version <= self.version:
                return True
            if time.monotonic() - self._loaded_at > changefeed.DELETIONS_KEEP_HOURS * 3600 / 2:
                self._load(version)  # deletions it has not seen may be pruned from the log by now
                return True
            found = changefeed.changes(conn, CHANGES, self._snapshot, "id")
            for pid in [*found.gone, *(r.id for r in found.rows)]:
                at = self.main.where.get(pid)
                if at is not None:
                    self.main.alive[at] = False
                self._changed.pop(pid, None)
            self._changed.update((r.id, r) for r in found.rows)
            if len(self._changed) > self.overlay_limit:
                self._load(version)
                return True
            self.overlay = Segment.of(self._changed.values())
            INDEXED.labels(segment="overlay").set(self.overlay.size)
            self._snapshot, self.version = found.snapshot, version
        return True

    def orgs_of(self, conn: Connection, user_id: uuid.UUID, version: int) -> tuple[uuid.UUID, ...]:
        """The user's organizations as of ``version`` (read before this call) or later."""
        found = self._memberships.get(user_id)
        if found is None or found[0] < version:
            found = (version, tuple(conn.execute(_MEMBERSHIPS, {"u": user_id}).scalars()))
            if len(self._memberships) >= self._memberships_limit:
                self._memberships.clear()
            self._memberships[user_id] = found
        return found[1]

    def skill_ids(self, conn: Connection, version: int) -> dict[str, int]:
        """Active skills' slug -> id as of ``version`` or later (skills move the ``projects`` version)."""
        found = self._skills
        if found[0] < version:
            found = (version, dict(conn.execute(_SKILLS).all()))
            self._skills = found
        return found[1]

    def rendered(self, ids: Iterable[uuid.UUID], version: int) -> dict[int, Any]:
        """The rows remembered for ``ids`` as of ``version`` or later, by ``id.int``."""
        found: dict[int, Any] = {}
        with self._rendered_lock:
            for pid in ids:
                entry = self._rendered.get(pid.int)
                if entry is not None and entry[0] >= version:
                    self._rendered.move_to_end(pid.int)
                    found[pid.int] = entry[1]
        return found

    def remember(self, version: int, rows: dict[int, Any]) -> None:
        """Keep rows (``id.int`` -> row) read after ``version`` was read."""
        with self._rendered_lock:
            for pid, row in rows.items():
                self._rendered[pid] = (version, row)
                self._rendered.move_to_end(pid)
            while len(self._rendered) > self._rendered_limit:
                self._rendered.popitem(last=False)

    def first(self, ask: Ask, k: int) -> list[Key]:
        """The keys of the first ``k`` projects matching ``ask``, newest first."""
        main, overlay = self.main, self.overlay
        assert main is not None
        return list(heapq.merge(main.first(ask, k), overlay.first(ask, k), reverse=True))[:k]


def load_search_index(index: ProjectIndex) -> None:
    """Load ``index`` (an API process's start, in a thread); a failure leaves searches to SQL, as before."""
    try:
        index.load()
    except Exception as exc:  # noqa: BLE001 - any failure: the SQL path answers; the cause's text stays out of logs
        log.warning("project search index: load failed, searches run in SQL", extra={"error": type(exc).__name__})
