"""Who may do what in the community: moderators, bans, token gates, posting rate, held first posts.

Moderators are admins (admin wallet) and the users an admin named (``community_moderators``). Token gates
read LNC balances only through the indexer's read models (confirmed balances, summed over the user's
linked wallets), so a post is allowed on what the chain has settled, never on a pending transfer.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Protocol

from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.community.models import Ban, Moderator, Post, Space
from api.identity.models import User, Wallet
from api.kit.db import utcnow
from api.kit.problems import Problem
from api.kit.ratelimit import RateLimiter
from indexer import read_models
from indexer.core.errors import UnknownChainError


class LncDirectory(Protocol):
    def lnc_address(self, chain_id: int) -> str | None: ...


def is_moderator(db: Session, user_id: uuid.UUID, is_admin: bool) -> bool:
    return is_admin or db.get(Moderator, user_id) is not None


def require_moderator(db: Session, user_id: uuid.UUID, is_admin: bool) -> None:
    if not is_moderator(db, user_id, is_admin):
        raise Problem(403, "this needs a community moderator", type_="forbidden")


def ban_of(db: Session, user_id: uuid.UUID) -> Ban | None:
    ban = db.get(Ban, user_id)
    if ban is not None and ban.expires_at is not None and ban.expires_at <= utcnow():
        return None
    return ban


def require_not_banned(db: Session, user_id: uuid.UUID) -> None:
    ban = ban_of(db, user_id)
    if ban is not None:
        until = ban.expires_at.isoformat() if ban.expires_at else None
        raise Problem(403, "you are banned from the community" + (f" until {until}" if until else ""),
                      type_="community-banned", until=until)


def lnc_balance(db: Session, deployments: LncDirectory, chain_id: int, user_id: uuid.UUID) -> int:
    """Confirmed LNC balance of all of a user's linked wallets on one chain (0 when none is indexed)."""
    token = deployments.lnc_address(chain_id)
    if token is None:
        raise Problem(409, f"LNC is not deployed on chain {chain_id}: this space's gate cannot be checked",
                      type_="not-deployed")
    total = 0
    conn = db.connection()
    for address in db.scalars(select(Wallet.address).where(Wallet.user_id == user_id)):
        try:
            found = read_models.balances(conn, chain_id, address, confirmed=True)
        except UnknownChainError:
            raise Problem(409, f"chain {chain_id} is not indexed yet; retry shortly", type_="not-indexed") from None
        total += sum(b.balance for b in found if b.token == token)
    return total


def require_gate(db: Session, deployments: LncDirectory, space: Space, user_id: uuid.UUID) -> None:
    if space.chain_id is None or space.min_balance is None:
        return
    need = int(space.min_balance)
    have = lnc_balance(db, deployments, space.chain_id, user_id)
    if have < need:
        raise Problem(403, f"posting in {space.slug} needs at least {need} LNC base units on chain "
                      f"{space.chain_id} (confirmed, over your linked wallets); you hold {have}",
                      type_="token-gated", required=str(need), balance=str(have), decimals=18)


def check_posting_rate(limiter: RateLimiter, user_id: uuid.UUID, per_minute: int) -> None:
    """Anti-spam: a per-user budget of new texts per minute, on top of the route's general limits."""
    try:
        verdict = limiter.hit("community-post", str(user_id), per_minute, 60)
    except RedisError:  # pragma: no cover - hit() already fails open and logs
        return
    if verdict is not None and not verdict.allowed:
        raise Problem(429, f"posting too fast; retry in {max(verdict.reset, 1)} s", type_="rate-limited",
                      headers=verdict.headers())


def first_state(db: Session, user_id: uuid.UUID, hold_hours: int, moderator: bool) -> str:
    """``held`` for the first post of an account younger than ``hold_hours`` (spam accounts are new)."""
    if hold_hours <= 0 or moderator:
        return "published"
    created = db.scalar(select(User.created_at).where(User.id == user_id))
    if created is None or utcnow() - created >= timedelta(hours=hold_hours):
        return "published"
    has_published = db.scalar(select(Post.id).where(Post.author_id == user_id, Post.state == "published").limit(1))
    return "published" if has_published is not None else "held"
