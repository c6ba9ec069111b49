"""Engagements: hire (accept a proposal), read with the state derived from the index, and prepare the
transactions each party's wallet sends (escrow creation and funding, then the milestone actions)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from eth_utils import keccak
from sqlalchemy import Engine, or_, select
from sqlalchemy.orm import Session as Db

from api.engagements import calldata
from api.engagements import schemas as s
from api.engagements.models import Engagement
from api.engagements.state import Derived, replay
from api.kit import outbox
from api.kit.db import commit_unique, utcnow
from api.kit.deployments import DeploymentDirectory
from api.kit.params import address as parse_address
from api.kit.problems import Problem
from api.profiles.models import Profile
from api.kit.tokens import TokenResolver
from api.projects import service as projects
from api.proposals import service as proposals
from indexer.core.errors import LancerError
from indexer.read_models.escrows import EscrowDetail, escrow_detail

# Which party may prepare which action (the escrow enforces the same; this answers 403 before a revert).
ACTION_PARTIES = {"accept": {"freelancer"}, "submit": {"freelancer"}, "release": {"client"},
                  "dispute": {"client", "freelancer"}, "refund": {"client", "freelancer"}}
# The engagement states (pending view) in which an action can succeed on chain.
ACTION_STATES = {"accept": {"funded"}, "submit": {"active"}, "release": {"active"}, "dispute": {"active"},
                 "refund": {"funded", "active"}}


def hire(db: Db, proposal_id: uuid.UUID, client: uuid.UUID) -> Engagement:
    """Accept a proposal (the accepting client becomes the contract's client party: their wallet funds it):
    in one transaction the proposal is accepted, the project goes in_progress and the
    engagement is created with the proposal's milestones."""
    proposal, project = proposals.get_for_party(db, proposal_id, client)
    if not projects.is_manager(db, project, client):
        raise Problem(403, "only the project's client (or its organization's owners/admins) may accept a proposal",
                      type_="forbidden")
    if proposal.state not in ("submitted", "shortlisted"):
        raise Problem(409, f"cannot accept a proposal that is {proposal.state!r}", type_="invalid-transition")
    if project.state != "open":
        raise Problem(409, f"the project is {project.state!r}, not open", type_="invalid-state")
    proposal.state = "accepted"
    project.state = "in_progress"
    engagement = Engagement(project_id=project.id, proposal_id=proposal.id, client_user_id=client,
                            freelancer_user_id=proposal.freelancer_user_id,
                            freelancer_address=proposal.freelancer_address, chain_id=project.chain_id,
                            token=project.token, total=Decimal(proposal.price), milestones=proposal.milestones,
                            review_period_seconds=proposal.review_period_seconds)
    db.add(engagement)
    commit_unique(db, Problem(409, "this proposal was accepted already", type_="invalid-transition"),
                  flush_only=True)
    parties = [client, proposal.freelancer_user_id]
    outbox.record(db, "proposal.accepted", f"proposal:{proposal.id}", {"project": str(project.id)}, audience=parties)
    outbox.record(db, "project.state_changed", f"project:{project.id}", {"state": project.state}, audience=parties)
    outbox.record(db, "contract.created", f"contract:{engagement.id}",
                  {"project": str(project.id), "proposal": str(proposal.id), "chain_id": engagement.chain_id},
                  audience=parties)
    db.flush()  # the router commits (with the idempotency record)
    return engagement


def get_for_party(db: Db, engagement_id: uuid.UUID, user_id: uuid.UUID) -> Engagement:
    e = db.get(Engagement, engagement_id)
    if e is None or user_id not in (e.client_user_id, e.freelancer_user_id):
        raise Problem(404, "no such contract", type_="not-found")
    return e


def mine(db: Db, user_id: uuid.UUID) -> list[Engagement]:
    return list(db.scalars(select(Engagement).where(or_(Engagement.client_user_id == user_id,
                                                        Engagement.freelancer_user_id == user_id))
                           .order_by(Engagement.created_at.desc(), Engagement.id.desc()).limit(200)))


def _escrow(engine: Engine, e: Engagement) -> EscrowDetail | None:
    if e.escrow_address is None:
        return None
    with engine.connect() as conn:
        return escrow_detail(conn, e.chain_id, e.escrow_address)


def _derive(e: Engagement, detail: EscrowDetail | None) -> tuple[Derived, Derived, bool]:
    if detail is None:
        return (*derive_states([], len(e.milestones)), False)
    return (*derive_states(detail.timeline, len(e.milestones)), True)


# Shared with escrow-as-a-service (api.escrow_service): the same transactions and the same state folding.
def derive_states(timeline: list[Any], milestone_count: int) -> tuple[Derived, Derived]:
    """(pending, confirmed) views of an escrow's indexed timeline."""
    return replay(timeline, milestone_count), replay([t for t in timeline if t.confirmed], milestone_count)


def plan_escrow(deployments: DeploymentDirectory, chain_id: int, client: str, freelancer: str, arbiter: str,
                token: str, amounts: list[int], review_period: int, meta: bytes,
                salt: bytes) -> calldata.EscrowPlan:
    """The predicted address and the client's approve/create/fund transactions on Lancer's factory."""
    factory, implementation = factory_of(deployments, chain_id)
    return calldata.plan_escrow(chain_id, factory, implementation, client, freelancer, arbiter, token, amounts,
                                review_period, meta, salt)


def intent_terms(intent_id: uuid.UUID, owner: uuid.UUID, external_id: str, chain_id: int, token: str, client: str,
                 freelancer: str, amounts: list[int], review_period: int) -> tuple[bytes, bytes]:
    """(salt, metadata hash) of an escrow-as-a-service intent."""
    return calldata.intent_salt(intent_id), calldata.intent_metadata_hash(
        intent_id, owner, external_id, chain_id, token, client, freelancer, amounts, review_period)


def factory_of(deployments: DeploymentDirectory, chain_id: int) -> tuple[str, str]:
    """(EscrowFactory, Escrow implementation) deployed on the chain, or a 409 problem."""
    deployment = deployments.get(chain_id)
    try:
        factory = deployment.address("EscrowFactory") if deployment else None
        implementation = deployment.address("Escrow") if deployment else None
    except LancerError:
        factory = implementation = None
    if factory is None or implementation is None:
        raise Problem(409, f"Lancer's escrow factory is not deployed on chain {chain_id}", type_="not-deployed")
    return factory, implementation


def prepare_escrow(db: Db, engine: Engine, tokens: TokenResolver, deployments: DeploymentDirectory,
                   default_arbiter: str | None, e: Engagement, user_id: uuid.UUID,
                   body: s.EscrowPrepareIn) -> s.PreparedOut:
    if user_id != e.client_user_id:
        raise Problem(403, "only the client creates and funds the escrow", type_="forbidden")
    if body.chain is not None or body.token is not None:
        chain_id, token = tokens.resolve(body.chain or e.chain_id, body.token or e.token)
        if (chain_id, token) != (e.chain_id, e.token):
            raise Problem(409, f"the contract was agreed on chain {e.chain_id} in token {e.token}",
                          type_="terms-mismatch")
    if _escrow(engine, e) is not None:
        raise Problem(409, "the escrow exists already; prepare its actions instead", type_="escrow-exists")
    client = proposals.wallet_of(db, user_id, body.client_address, "client_address")
    arbiter_raw = body.arbiter or default_arbiter
    if arbiter_raw is None:
        raise Problem(422, "arbiter: required (no default arbiter is configured)", type_="validation-error")
    arbiter = parse_address(arbiter_raw, "arbiter")
    if len({client, e.freelancer_address, arbiter}) != 3:
        raise Problem(422, "client, freelancer and arbiter must be three different wallets", type_="duplicate-party")
    amounts = [int(m["amount"]) for m in e.milestones]
    salt = calldata.engagement_salt(e.id)
    meta = calldata.metadata_hash(e.id, e.chain_id, e.token, client, e.freelancer_address, amounts,
                                  e.review_period_seconds)
    plan = plan_escrow(deployments, e.chain_id, client, e.freelancer_address, arbiter, e.token, amounts,
                       e.review_period_seconds, meta, salt)
    escrow = plan.escrow
    # A new prepare (other wallet or arbiter) replaces the old one until an escrow exists.
    e.client_address, e.arbiter, e.escrow_address, e.metadata_hash = client, arbiter, escrow, "0x" + meta.hex()
    e.prepared_at = utcnow()
    outbox.record(db, "contract.escrow_prepared", f"contract:{e.id}",
                  {"chain_id": e.chain_id, "escrow": escrow}, audience=[e.client_user_id, e.freelancer_user_id])
    db.commit()
    return s.PreparedOut(chain_id=e.chain_id, escrow_address=escrow, salt="0x" + salt.hex(),
                         metadata_hash="0x" + meta.hex(),
                         transactions=[s.TxOut(**t.as_json(), **{"from": client}) for t in plan.txs])


def prepare_action(db: Db, engine: Engine, e: Engagement, user_id: uuid.UUID,
                   body: s.ActionPrepareIn) -> s.PreparedOut:
    role = "client" if user_id == e.client_user_id else "freelancer"
    if role not in ACTION_PARTIES[body.action]:
        raise Problem(403, f"only the {' or '.join(sorted(ACTION_PARTIES[body.action]))} may {body.action}",
                      type_="forbidden")
    if e.escrow_address is None or e.metadata_hash is None:
        raise Problem(409, "the escrow is not prepared yet", type_="invalid-state")
    if body.action != "accept":
        if body.milestone is None or body.milestone >= len(e.milestones):
            raise Problem(422, f"milestone: an index from 0 to {len(e.milestones) - 1} is required",
                          type_="validation-error")
    pending, _, _ = _derive(e, _escrow(engine, e))
    if pending.state not in ACTION_STATES[body.action]:
        raise Problem(409, f"cannot {body.action} while the contract is {pending.state!r}", type_="invalid-state")
    if body.milestone is not None and body.action != "accept":
        ms = pending.milestones[body.milestone]
        if ms not in ("pending", "submitted") or (body.action == "submit" and ms != "pending"):
            raise Problem(409, f"milestone {body.milestone} is {ms!r}", type_="invalid-state")
    note = keccak(text=body.note or "")
    sender = e.client_address if role == "client" else e.freelancer_address
    tx = calldata.escrow_action(e.chain_id, e.escrow_address, body.action,
                                None if body.action == "accept" else body.milestone, note)
    salt = "0x" + calldata.engagement_salt(e.id).hex()
    return s.PreparedOut(chain_id=e.chain_id, escrow_address=e.escrow_address, salt=salt,
                         metadata_hash=e.metadata_hash, transactions=[s.TxOut(**tx.as_json(), **{"from": sender})])


def out(db: Db, engine: Engine, e: Engagement, viewer: uuid.UUID) -> s.EngagementOut:
    detail = _escrow(engine, e)
    if detail is not None and detail.escrow.metadata_hash.lower() != (e.metadata_hash or "").lower():
        mismatch = Derived(state="escrow_mismatch", milestones=["pending"] * len(e.milestones))
        pending, confirmed, created = mismatch, mismatch, True
    else:
        pending, confirmed, created = _derive(e, detail)
    handles = dict(db.execute(select(Profile.user_id, Profile.handle).where(
        Profile.user_id.in_([e.client_user_id, e.freelancer_user_id]))).all())
    escrow = None if e.escrow_address is None else s.EscrowOut(
        address=e.escrow_address, metadata_hash=e.metadata_hash or "", client_address=e.client_address or "",
        arbiter=e.arbiter or "", created=created)
    return s.EngagementOut(
        id=e.id, project_id=e.project_id, proposal_id=e.proposal_id,
        role="client" if viewer == e.client_user_id else "freelancer",
        client=handles.get(e.client_user_id), freelancer=handles.get(e.freelancer_user_id),
        freelancer_address=e.freelancer_address, chain_id=e.chain_id, token=e.token, total=int(e.total),
        review_period_seconds=e.review_period_seconds,
        milestones=[s.MilestoneOut(index=i, title=m["title"], amount=int(m["amount"]), due_date=m.get("due_date"),
                                   state=pending.milestones[i], confirmed_state=confirmed.milestones[i])
                    for i, m in enumerate(e.milestones)],
        escrow=escrow, state=pending.state,  # type: ignore[arg-type]
        pending=s.StateOut(state=pending.state, block=pending.block, tx_hash=pending.tx_hash),  # type: ignore[arg-type]
        confirmed=s.StateOut(state=confirmed.state, block=confirmed.block,  # type: ignore[arg-type]
                             tx_hash=confirmed.tx_hash),
        created_at=e.created_at)
