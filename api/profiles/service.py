"""Profiles: create on first PATCH, update, read by user or handle."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session as Db

from api.kit.db import commit_unique
from api.kit.problems import Problem
from api.profiles import schemas as s
from api.profiles.models import Profile
from api.kit.tokens import TokenResolver


def out(p: Profile) -> s.ProfileOut:
    roles: list[Any] = [r for r, on in (("freelancer", p.is_freelancer), ("client", p.is_client)) if on]
    return s.ProfileOut(handle=p.handle, display_name=p.display_name, bio=p.bio, avatar_url=p.avatar_url,
                        links=p.links, time_zone=p.time_zone,
                        rates=[s.RateOut(chain_id=r["chain_id"], token=r["token"], amount=int(r["amount"]))
                               for r in p.rates],
                        availability=p.availability, roles=roles, created_at=p.created_at, updated_at=p.updated_at)


def get_mine(db: Db, user_id: uuid.UUID) -> Profile:
    found = db.get(Profile, user_id)
    if found is None:
        raise Problem(404, "you have no profile yet; PATCH /v1/me/profile with handle and display_name",
                      type_="not-found")
    return found


def by_handle(db: Db, handle: str) -> Profile:
    found = db.scalar(select(Profile).where(Profile.handle == handle.lower()))
    if found is None:
        raise Problem(404, f"no profile with handle {handle!r}", type_="not-found")
    return found


def handles_of(db: Db, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not user_ids:
        return {}
    return {u: h for u, h in db.execute(select(Profile.user_id, Profile.handle).where(Profile.user_id.in_(user_ids)))}


def patch(db: Db, tokens: TokenResolver, user_id: uuid.UUID, body: s.ProfilePatch) -> Profile:
    profile = db.get(Profile, user_id)
    if profile is None:
        if body.handle is None or body.display_name is None:
            raise Problem(422, "a new profile needs handle and display_name", type_="validation-error")
        profile = Profile(user_id=user_id, handle=body.handle, display_name=body.display_name, bio="", links=[],
                          rates=[], time_zone="UTC", availability="available", is_freelancer=False, is_client=False)
        db.add(profile)
    fields = body.model_dump(exclude_unset=True, exclude={"rates", "links", "avatar_url"})
    for name, value in fields.items():
        if value is None:
            raise Problem(422, f"{name}: cannot be null", type_="validation-error")
        setattr(profile, name, value)
    if "avatar_url" in body.model_fields_set:
        profile.avatar_url = None if body.avatar_url is None else str(body.avatar_url)
    if body.links is not None:
        profile.links = [str(u) for u in body.links]
    if body.rates is not None:
        rates = []
        for r in body.rates:
            chain_id, token = tokens.resolve(r.chain, r.token)
            rates.append({"chain_id": chain_id, "token": token, "amount": str(r.amount)})
        profile.rates = rates
    commit_unique(db, Problem(409, "this handle is taken", type_="handle-taken"))
    return profile
