"""Organizations: create, members and roles, invitations; ``role_of``/``org_ids_of`` are what other domains
ask (projects' authorization). The team view is in ``team`` (it reads contracts)."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session as Db

from api.kit import outbox
from api.kit.db import commit_unique, new_id, utcnow
from api.kit.problems import Problem
from api.orgs import schemas as s
from api.orgs.models import Organization, OrgInvitation, OrgMember
from api.profiles.models import Profile

MANAGERS = ("owner", "admin")
MAX_ORGS_PER_USER = 20


def role_of(db: Db, org_id: uuid.UUID | None, user_id: uuid.UUID | None) -> str | None:
    if org_id is None or user_id is None:
        return None
    member = db.get(OrgMember, (org_id, user_id))
    return None if member is None else member.role


def org_ids_of(db: Db, user_id: uuid.UUID) -> list[uuid.UUID]:
    return list(db.scalars(select(OrgMember.org_id).where(OrgMember.user_id == user_id)))


def by_slug(db: Db, slug: str) -> Organization:
    org = db.scalar(select(Organization).where(Organization.slug == slug))
    if org is None:
        raise Problem(404, f"no organization {slug!r}", type_="not-found")
    return org


def for_member(db: Db, slug: str, user_id: uuid.UUID, roles: tuple[str, ...] = ("owner", "admin", "member")
               ) -> tuple[Organization, str]:
    """The organization and the caller's role; 404 for non-members (no hint), 403 for a too-low role."""
    org = db.scalar(select(Organization).where(Organization.slug == slug))
    role = None if org is None else role_of(db, org.id, user_id)
    if org is None or role is None:
        raise Problem(404, f"no organization {slug!r}", type_="not-found")
    if role not in roles:
        raise Problem(403, f"this needs the role {' or '.join(roles)} in {slug!r}", type_="forbidden")
    return org, role


def create(db: Db, user_id: uuid.UUID, body: s.OrgIn) -> Organization:
    if len(org_ids_of(db, user_id)) >= MAX_ORGS_PER_USER:
        raise Problem(409, f"at most {MAX_ORGS_PER_USER} organizations per user", type_="quota")
    org = Organization(id=new_id(), slug=body.slug, name=body.name)
    db.add(org)
    # No ORM relationship orders the two inserts: the organization row first, then its owner, one transaction.
    commit_unique(db, Problem(409, "this slug is taken", type_="slug-taken"), flush_only=True)
    db.add(OrgMember(org_id=org.id, user_id=user_id, role="owner"))
    db.flush()  # the router commits (with the idempotency record)
    return org


def out(db: Db, org: Organization, my_role: str) -> s.OrgOut:
    rows = db.execute(select(OrgMember, Profile.handle).outerjoin(Profile, Profile.user_id == OrgMember.user_id)
                      .where(OrgMember.org_id == org.id).order_by(OrgMember.joined_at)).all()
    return s.OrgOut(slug=org.slug, name=org.name, my_role=my_role, created_at=org.created_at,  # type: ignore[arg-type]
                    members=[s.MemberOut(handle=h, role=m.role, joined_at=m.joined_at) for m, h in rows])


def mine(db: Db, user_id: uuid.UUID) -> list[s.OrgOut]:
    rows = db.execute(select(Organization, OrgMember.role).join(OrgMember, OrgMember.org_id == Organization.id)
                      .where(OrgMember.user_id == user_id).order_by(Organization.slug)).all()
    return [out(db, org, role) for org, role in rows]


def _user_by_handle(db: Db, handle: str) -> uuid.UUID:
    found = db.scalar(select(Profile.user_id).where(Profile.handle == handle.lower()))
    if found is None:
        raise Problem(404, f"no profile with handle {handle!r}", type_="not-found")
    return found


def invite(db: Db, slug: str, user_id: uuid.UUID, body: s.InviteIn) -> OrgInvitation:
    org, role = for_member(db, slug, user_id, MANAGERS)
    if body.role == "owner" and role != "owner":
        raise Problem(403, "only an owner may invite an owner", type_="forbidden")
    invitee = _user_by_handle(db, body.handle)
    if role_of(db, org.id, invitee) is not None:
        raise Problem(409, "already a member", type_="already-member")
    inv = OrgInvitation(org_id=org.id, invitee_user_id=invitee, role=body.role, invited_by=user_id)
    db.add(inv)
    db.flush()
    outbox.record(db, "org.invitation_created", f"org:{org.id}", {"invitation": str(inv.id), "role": body.role},
                  audience=[invitee])
    db.commit()
    return inv


def accept(db: Db, invitation_id: uuid.UUID, user_id: uuid.UUID) -> Organization:
    inv = db.get(OrgInvitation, invitation_id)
    if inv is None or inv.invitee_user_id != user_id:
        raise Problem(404, "no such invitation", type_="not-found")
    if inv.accepted_at is not None or role_of(db, inv.org_id, user_id) is not None:
        raise Problem(409, "invitation already used", type_="invalid-state")
    inv.accepted_at = utcnow()
    db.add(OrgMember(org_id=inv.org_id, user_id=user_id, role=inv.role))
    outbox.record(db, "org.member_joined", f"org:{inv.org_id}", {"role": inv.role}, audience=[user_id])
    db.commit()
    org = db.get(Organization, inv.org_id)
    assert org is not None
    return org


def my_invitations(db: Db, user_id: uuid.UUID) -> list[s.InvitationOut]:
    rows = db.execute(select(OrgInvitation, Organization.slug).join(Organization, Organization.id == OrgInvitation.org_id)
                      .where(OrgInvitation.invitee_user_id == user_id, OrgInvitation.accepted_at.is_(None))).all()
    return [s.InvitationOut(id=i.id, org=slug, invitee=None, role=i.role, created_at=i.created_at,  # type: ignore[arg-type]
                            accepted_at=i.accepted_at) for i, slug in rows]


def _owners(db: Db, org_id: uuid.UUID) -> int:
    return db.scalar(select(func.count()).select_from(OrgMember)
                     .where(OrgMember.org_id == org_id, OrgMember.role == "owner")) or 0


def set_role(db: Db, slug: str, user_id: uuid.UUID, handle: str, role: str) -> None:
    org, _ = for_member(db, slug, user_id, ("owner",))
    target = db.get(OrgMember, (org.id, _user_by_handle(db, handle)))
    if target is None:
        raise Problem(404, f"{handle!r} is not a member", type_="not-found")
    if target.role == "owner" and role != "owner" and _owners(db, org.id) == 1:
        raise Problem(409, "an organization keeps at least one owner", type_="last-owner")
    target.role = role
    db.commit()


def remove(db: Db, slug: str, user_id: uuid.UUID, handle: str) -> None:
    """Managers remove members (only owners remove owners); anyone may leave."""
    org, role = for_member(db, slug, user_id)
    target_id = _user_by_handle(db, handle)
    target = db.get(OrgMember, (org.id, target_id))
    if target is None:
        raise Problem(404, f"{handle!r} is not a member", type_="not-found")
    if target_id != user_id and (role not in MANAGERS or (target.role == "owner" and role != "owner")):
        raise Problem(403, "you may not remove this member", type_="forbidden")
    if target.role == "owner" and _owners(db, org.id) == 1:
        raise Problem(409, "an organization keeps at least one owner", type_="last-owner")
    db.delete(target)
    db.commit()
