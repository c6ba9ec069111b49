"""Dashboard builders. Each runs a fixed number of SQL statements whatever the user's row counts (lists
are bounded, related rows come in one query per kind, never one per row): tests count them.

App data through the ORM session; chain data only through ``indexer.read_models`` on the same session's
connection.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session as Db

from api.dashboard import earnings, feed, volume
from api.dashboard import schemas as s
from api.engagements.models import Engagement
from api.identity.models import Session as UserSession
from api.identity.models import User, Wallet
from api.kit.db import utcnow
from api.messages.models import Message, Participant
from api.orgs.models import Organization, OrgMember
from api.projects.models import Project
from api.proposals.models import Proposal
from api.settings import ApiSettings
from api.skills.models import Skill, UserSkill
from indexer import read_models
from indexer.read_models import dashboards as rm
from indexer.read_models import sustainability as rm_sustainability

LIST_LIMIT = 10
STATES = ("draft", "open", "in_progress", "completed", "cancelled")


def wallets_of(db: Db, user_id: uuid.UUID) -> list[str]:
    return list(db.scalars(select(Wallet.address).where(Wallet.user_id == user_id).order_by(Wallet.linked_at)))


def unread_messages(db: Db, user_id: uuid.UUID) -> int:
    return int(db.scalar(select(func.count(Message.id)).join(
        Participant, (Participant.conversation_id == Message.conversation_id) & (Participant.user_id == user_id))
        .where(Message.id > Participant.last_read_id, Message.sender_id != user_id)) or 0)


def _next(p: rm.Position) -> s.NextMilestone | None:
    for m in p.milestones:
        if m.status in ("pending", "submitted", "disputed"):
            due = m.submitted_at + timedelta(seconds=p.review_period) if m.status == "submitted" and m.submitted_at \
                else None
            return s.NextMilestone(index=m.index, amount=str(m.amount), status=m.status, auto_release_at=due)
    return None


def freelancer(db: Db, user_id: uuid.UUID, settings: ApiSettings, *, reputation: Callable[[str], float | None],
               verified_levels: Callable[[list[str]], dict[str, int]]) -> s.FreelancerDashboard:
    conn = db.connection()
    wallets = wallets_of(db, user_id)
    contracts = db.execute(select(Engagement, Project.title).join(Project, Project.id == Engagement.project_id)
                           .where(Engagement.freelancer_user_id == user_id, Project.state == "in_progress")
                           .order_by(Engagement.created_at.desc()).limit(LIST_LIMIT)).all()
    chain = {(p.chain_id, p.address): p for p in rm.positions(conn, wallets, role="freelancer")}
    active, tasks = [], []
    for e, title in contracts:
        p = chain.get((e.chain_id, e.escrow_address)) if e.escrow_address else None
        nxt = _next(p) if p else None
        active.append(s.ActiveContract(id=e.id, project_id=e.project_id, project_title=title, chain_id=e.chain_id,
                                       token=e.token, total=str(int(e.total)), escrow=e.escrow_address,
                                       escrow_status=p.status if p else None, locked=str(p.locked) if p else None,
                                       next_milestone=nxt))
        if p and nxt and nxt.status == "pending" and p.funded > p.released:
            tasks.append(s.Task(kind="submit_milestone", ref=f"escrow:{p.chain_id}:{p.address}:{nxt.index}",
                                title=f"Submit milestone {nxt.index + 1} of {title}"))
    waiting = db.execute(select(Proposal.id, Project.title, Proposal.created_at)
                         .join(Project, Project.id == Proposal.project_id)
                         .where(Proposal.freelancer_user_id == user_id, Proposal.state.in_(("submitted", "shortlisted")))
                         .order_by(Proposal.created_at.desc()).limit(LIST_LIMIT)).all()
    tasks += [s.Task(kind="proposal_awaiting_answer", ref=f"proposal:{r.id}", title=r.title) for r in waiting]
    skills = db.execute(select(Skill.slug, Skill.name, UserSkill.level).join(Skill, Skill.id == UserSkill.skill_id)
                        .where(UserSkill.user_id == user_id).order_by(Skill.slug)).all()
    levels = verified_levels(wallets) if skills and wallets else {}
    return s.FreelancerDashboard(
        matched_projects=feed.matched_projects(db, settings, user_id, LIST_LIMIT),
        earnings=[s.Earning(chain_id=x.chain_id, token=x.token, month=x.month, amount=str(x.amount),
                            confirmed=x.confirmed) for x in earnings.earnings(db, wallets)],
        active_contracts=active, reputation_score=reputation(wallets[0]) if wallets else None,
        skills=[s.SkillStatus(slug=k.slug, level=k.level,
                              verified=bool(levels.get(k.slug) or levels.get(k.name.lower())),
                              verified_level=levels.get(k.slug) or levels.get(k.name.lower())) for k in skills],
        unread_messages=unread_messages(db, user_id), tasks=tasks)


def _pipeline(db: Db, user_id: uuid.UUID) -> s.Pipeline:
    mine = Project.client_user_id == user_id
    counts = dict(db.execute(select(Project.state, func.count()).where(mine).group_by(Project.state)).all())
    ranked = select(Project.id, Project.title, Project.state, Project.created_at,
                    func.row_number().over(partition_by=Project.state,
                                           order_by=(Project.created_at.desc(), Project.id)).label("n")) \
        .where(mine).subquery()
    recent: dict[str, list[s.ProjectLine]] = {st: [] for st in STATES}
    for r in db.execute(select(ranked).where(ranked.c.n <= 5).order_by(ranked.c.state, ranked.c.n)).all():
        recent.setdefault(r.state, []).append(s.ProjectLine(id=r.id, title=r.title, state=r.state,
                                                            created_at=r.created_at))
    return s.Pipeline(counts={st: int(counts.get(st, 0)) for st in sorted(set(STATES) | set(counts))}, recent=recent)


def client(db: Db, user_id: uuid.UUID, settings: ApiSettings) -> s.ClientDashboard:
    conn = db.connection()
    wallets = wallets_of(db, user_id)
    pipeline = _pipeline(db, user_id)
    target = pipeline.recent.get("open", [])[:1]
    escrows = []
    for p in rm.positions(conn, wallets, role="client"):
        pending = [s.NextMilestone(index=m.index, amount=str(m.amount), status=m.status,
                                   auto_release_at=m.submitted_at + timedelta(seconds=p.review_period))
                   for m in p.milestones if m.status == "submitted" and m.submitted_at]
        escrows.append(s.EscrowLine(chain_id=p.chain_id, address=p.address, token=p.token, status=p.status,
                                    funded=str(p.funded), locked=str(p.locked), confirmed=p.confirmed,
                                    pending_approvals=pending))
    invoices = [s.InvoiceLine(chain_id=m.chain_id, escrow=m.escrow, index=m.index, token=m.token, amount=str(m.gross),
                              released_at=m.block_time, confirmed=m.confirmed)
                for m in read_models.released_milestones(conn, wallets, limit=LIST_LIMIT)[:LIST_LIMIT]]
    project_count = select(func.count()).where(Project.org_id == Organization.id).correlate(Organization) \
        .scalar_subquery()
    orgs = db.execute(select(Organization.id, Organization.slug, Organization.name, OrgMember.role,
                             project_count.label("projects"))
                      .join(OrgMember, OrgMember.org_id == Organization.id).where(OrgMember.user_id == user_id)
                      .order_by(Organization.slug).limit(LIST_LIMIT)).all()
    return s.ClientDashboard(
        pipeline=pipeline, recommended_for=target[0].id if target else None,
        recommended_freelancers=feed.recommended_freelancers(db, settings, target[0].id, LIST_LIMIT) if target else [],
        escrows=escrows, invoices=invoices,
        organizations=[s.OrgLine(id=o.id, slug=o.slug, name=o.name, role=o.role, projects=o.projects) for o in orgs],
        unread_messages=unread_messages(db, user_id))


def admin(db: Db) -> s.AdminDashboard:
    chains = read_models.chain_status(db.connection())
    figures = volume.platform_volume(db, chains)  # refreshes the rollup (commits): take the connection after
    conn = db.connection()
    since = utcnow() - timedelta(days=30)
    active = db.scalar(select(func.count(func.distinct(UserSession.user_id))).where(UserSession.last_seen_at >= since))
    offsets = {o.chain_id: o.grams_co2e for o in read_models.offsets_by_chain(conn)}
    gas = {g.chain_id: g.gas_used for g in rm_sustainability.gas_totals(conn)}
    return s.AdminDashboard(
        volume=[s.Volume(chain_id=v.chain_id, token=v.token, month=v.month, gmv=str(v.gmv), fees=str(v.fees))
                for v in figures],
        disputes=[s.Disputes(chain_id=d.chain_id, open=d.open, resolved=d.resolved) for d in rm.disputes(conn)],
        active_users_30d=int(active or 0), users_total=int(db.scalar(select(func.count(User.id))) or 0),
        indexer=[s.ChainHealth(chain_id=c.chain_id, name=c.name, lag_blocks=c.lag_blocks, indexed_block=c.indexed_block,
                               confirmed_block=c.confirmed_block) for c in chains],
        carbon=[s.Carbon(chain_id=c, gas_used=str(gas.get(c, 0)), offset_grams_co2e=str(offsets.get(c, 0)))
                for c in sorted(set(gas) | set(offsets))])


def index_version(db: Db) -> str:
    return hashlib.blake2b(read_models.index_version(db.connection()).encode(), digest_size=8).hexdigest()


def data_version(db: Db, user_id: uuid.UUID | None) -> str:
    """The app-data part of a dashboard's cache key, in one query: the user's outbox counter (bumped in
    the transaction of every change addressed to them, except new messages: see migration
    a0021_message_versions), the newest message of each of their conversations and their read positions
    (together: the unread count), and, for the admin screen, the newest outbox event and the user count."""
    if user_id is None:
        row = db.execute(text("SELECT (SELECT coalesce(max(id), 0) FROM outbox_events), "
                              "(SELECT count(*) FROM users), (SELECT count(*) FROM user_sessions)")).one()
    else:
        row = db.execute(text("""
            SELECT (SELECT coalesce(max(version), 0) FROM user_data_versions WHERE user_id = :u),
                   (SELECT coalesce(sum(last_read_id), 0) FROM conversation_participants WHERE user_id = :u),
                   (SELECT coalesce(sum((SELECT max(m.id) FROM messages m WHERE m.conversation_id = p.conversation_id)), 0)
                      FROM conversation_participants p WHERE p.user_id = :u),
                   (SELECT count(*) FROM user_wallets WHERE user_id = :u),
                   (SELECT coalesce(md5(string_agg(skill_id || ':' || level, ',' ORDER BY skill_id)), '')
                      FROM user_skills WHERE user_id = :u)"""), {"u": user_id}).one()
    return ".".join(str(v) for v in row)
