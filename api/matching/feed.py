"""The feeds: retrieve candidates (rankers), build features, score, order (with exploration slots on a
client's feed) and cut keyset pages.

Ordering key: (score desc, id). A client's feed reserves every Nth place for a *new* freelancer (no
completed contract, recent profile): two streams over the same order, the main one and the new
freelancers', merged; the cursor holds the last key of each stream and the position, so pages neither
repeat nor skip anyone while the data stays the same.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as Db

from api.engagements.models import Engagement
from api.kit.pagination import decode_cursor, encode_cursor, invalid_cursor
from api.matching import embeddings, scoring
from api.matching import features as fx
from api.profiles.models import Profile
from api.settings import ApiSettings

NONE_KEY = (-1, "")  # "no item of this stream shown yet" in a cursor


@dataclass
class Ranked:
    id: uuid.UUID
    scored: scoring.Scored
    is_new: bool
    row: Any
    slot: str = "ranked"
    # The ordering key, computed once: pages compare it hundreds of times per request, and ``scored``
    # is never replaced.
    key: tuple[int, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.key = (-round(self.scored.score * 10**scoring.DECIMALS), str(self.id))


def freelancer_facts(row: Any) -> fx.FreelancerFacts:
    return fx.FreelancerFacts(
        user_id=row.user_id, skill_levels={int(k): int(v) for k, v in (row.skill_levels or {}).items()},
        verified=set(row.verified_skill_ids or []), reputation=float(row.reputation), completed=int(row.completed),
        tz_offset_minutes=int(row.tz_offset_minutes), availability=row.availability, rates=list(row.rates or []),
        is_new=bool(row.is_new), created_at=row.profile_created_at)


def client_context(db: Db, client_ids: list[uuid.UUID]) -> tuple[dict[uuid.UUID, int], set[uuid.UUID]]:
    """Each client's UTC offset (profile time zone) and the clients who never hired (cold start)."""
    zones = dict(db.execute(select(Profile.user_id, Profile.time_zone).where(Profile.user_id.in_(client_ids))).all())
    hired = set(db.scalars(select(Engagement.client_user_id).where(Engagement.client_user_id.in_(client_ids))
                           .group_by(Engagement.client_user_id)))
    return {c: fx.tz_offset_minutes(zones.get(c)) for c in client_ids}, {c for c in client_ids if c not in hired}


def project_facts(row: Any, offsets: dict[uuid.UUID, int], new_clients: set[uuid.UUID]) -> fx.ProjectFacts:
    return fx.ProjectFacts(project_id=row.id, skill_ids=list(row.skill_ids or []), budget=int(row.budget),
                           chain_id=int(row.chain_id), token=row.token,
                           client_tz_offset_minutes=offsets.get(row.client_user_id, 0),
                           client_is_new=row.client_user_id in new_clients, created_at=row.created_at)


def choose_ranker(settings: ApiSettings, wanted: str | None) -> str:
    wanted = wanted or settings.matching_ranker
    return "embedding" if wanted in ("auto", "embedding") and embeddings.available() else "lexical"


def paginate(ranked: list[Ranked], every: int, limit: int, cursor: str | None) -> tuple[list[Ranked], str | None]:
    """Merge the main stream and the new freelancers' stream (every ``every``-th place; 0: no slots)."""
    ranked = sorted(ranked, key=lambda r: r.key)
    state = decode_cursor(cursor, (int, str, int, str, int))
    main, expl, pos = (NONE_KEY, NONE_KEY, 0) if state is None else \
        ((state[0], state[1]), (state[2], state[3]), state[4])
    if pos < 0:
        raise invalid_cursor()

    def after(k: tuple[int, str], mark: tuple[int, str]) -> bool:
        return mark == NONE_KEY or k > mark

    def step(main: tuple[int, str], expl: tuple[int, str], pos: int) -> tuple[Ranked, str] | None:
        # Shown so far: everything up to the main stream's mark, and new freelancers up to the other mark.
        def fresh(r: Ranked) -> bool:
            return after(r.key, main) and not (r.is_new and not after(r.key, expl))
        if every > 0 and pos % every == every - 1:
            item = next((r for r in ranked if r.is_new and fresh(r)), None)
            if item is not None:
                return item, "exploration"
        item = next((r for r in ranked if fresh(r)), None)
        return None if item is None else (item, "ranked")

    page: list[Ranked] = []
    while len(page) < limit:
        got = step(main, expl, pos)
        if got is None:
            return page, None
        item, item.slot = got
        if item.slot == "exploration":
            expl = item.key
        else:
            main = item.key
        page.append(item)
        pos += 1
    more = step(main, expl, pos) is not None
    return page, encode_cursor([*main, *expl, pos]) if more else None
