"""Routes of the outside providers: Stripe Checkout (card payments) and the signed inbound webhooks of
Stripe and GitHub. Kept apart from ``router`` (webhook endpoints and keys) to keep both small."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from redis import Redis
from sqlalchemy.orm import Session as Db

from api.auth import Principal, public, user
from api.integrations import github, github_oauth, payments
from api.integrations import schemas as s
from api.kit import idempotency
from api.kit.deps import get_db, get_redis, get_settings_dep
from api.kit.idempotency import IdemKey
from api.kit.problems import Problem
from api.settings import ApiSettings

FEATURE = "enable_integrations"
router = APIRouter(tags=["integrations"])
DbDep = Annotated[Db, Depends(get_db)]
SettingsDep = Annotated[ApiSettings, Depends(get_settings_dep)]
RedisDep = Annotated[Redis, Depends(get_redis)]
Me = Annotated[Principal, user(feature=FEATURE)]
StepUp = Annotated[Principal, user(step_up=True, feature=FEATURE)]
# Not configured is a 404 (the deployment does not offer it), never a 5xx: nothing is broken.
UNCONFIGURED = {404: {"description": "The provider is not configured on this deployment"}}


@router.post("/v1/integrations/stripe/checkout-sessions", response_model=s.CheckoutOut, status_code=201,
             responses={**UNCONFIGURED, 502: {"description": "Stripe refused or could not be reached"}},
             summary="Start a card payment (a top-up or an invoice) with Stripe Checkout; send the payer to `url`")
def create_checkout(principal: Me, body: s.CheckoutIn, request: Request, settings: SettingsDep, db: DbDep,
                    idempotency_key: IdemKey = None) -> s.CheckoutOut:
    assert principal.user_id is not None
    me = principal.user_id
    return idempotency.run(db, principal.actor, idempotency_key, request, body, 201,  # type: ignore[return-value]
                           lambda: payments.create_checkout(db, settings, me, body, idempotency_key))


@router.get("/v1/integrations/stripe/checkout-sessions", response_model=list[s.CheckoutOut],
            summary="My card payments (the latest 100), with their status from Stripe's signed events")
def list_checkouts(principal: Me, db: DbDep) -> list[s.CheckoutOut]:
    assert principal.user_id is not None
    return [payments.checkout_out(r) for r in payments.my_checkouts(db, principal.user_id)]


@router.post("/v1/integrations/webhooks/stripe", response_model=s.StripeAck, responses=UNCONFIGURED,
             dependencies=[public(feature=FEATURE)],
             summary="Stripe's events (signature checked with the stripe library; idempotent on event id)")
async def stripe_webhook(request: Request, settings: SettingsDep, db: DbDep,
                         stripe_signature: Annotated[str | None, Header(alias="Stripe-Signature",
                                                                        max_length=2048)] = None) -> s.StripeAck:
    # The raw bytes, exactly as signed: a parsed-and-reserialised body would never verify.
    payload = await request.body()
    event = payments.verify_event(settings, payload, stripe_signature)
    fresh = await run_in_threadpool(payments.handle_event, db, event)  # database work off the event loop
    return s.StripeAck(duplicate=not fresh)


# --- GitHub ------------------------------------------------------------------------------------------

@router.post("/v1/integrations/github/links", response_model=s.GithubLinkOut, status_code=201,
             responses={404: {"description": "No such project, or not yours"}, 409: {"description": "Already linked"}},
             summary="Link a GitHub repository to a project (its client or a hired freelancer)")
def link_repo(principal: Me, body: s.GithubLinkIn, db: DbDep) -> s.GithubLinkOut:
    assert principal.user_id is not None
    return github.link_out(github.link_repo(db, principal.user_id, body))


@router.get("/v1/integrations/github/links", response_model=list[s.GithubLinkOut],
            responses={404: {"description": "No such project, or not yours"}}, summary="A project's linked repositories")
def list_links(principal: Me, project_id: Annotated[uuid.UUID, Query()], db: DbDep) -> list[s.GithubLinkOut]:
    assert principal.user_id is not None
    return [github.link_out(r) for r in github.links_of(db, principal.user_id, project_id)]


@router.delete("/v1/integrations/github/links/{link_id}", status_code=204,
               responses={404: {"description": "No such link, or not yours"}}, summary="Unlink a repository")
def unlink_repo(principal: Me, link_id: uuid.UUID, db: DbDep) -> Response:
    assert principal.user_id is not None
    github.unlink(db, principal.user_id, link_id)
    return Response(status_code=204)


@router.post("/v1/integrations/webhooks/github", response_model=s.GithubAck,
             responses={**UNCONFIGURED, 400: {"description": "Bad signature or body"}},
             dependencies=[public(feature=FEATURE)],
             summary="GitHub's events (X-Hub-Signature-256 checked; idempotent on X-GitHub-Delivery)")
async def github_webhook(request: Request, settings: SettingsDep, db: DbDep,
                         signature: Annotated[str | None, Header(alias="X-Hub-Signature-256", max_length=200)] = None,
                         event: Annotated[str, Header(alias="X-GitHub-Event", pattern=r"^[a-z_]{1,32}$")] = "",
                         delivery: Annotated[str, Header(alias="X-GitHub-Delivery",
                                                         pattern=r"^[A-Za-z0-9-]{1,64}$")] = "") -> s.GithubAck:
    payload = await request.body()
    github.verify(settings, payload, signature)
    if not event or not delivery:
        raise Problem(400, "X-GitHub-Event and X-GitHub-Delivery are required", type_="invalid-event")
    fresh, made = await run_in_threadpool(github.handle, db, event, delivery, payload)
    return s.GithubAck(duplicate=not fresh, suggestions=made)


@router.post("/v1/integrations/github/oauth/start", response_model=s.GithubAuthorizeOut, responses=UNCONFIGURED,
             summary="Start linking my GitHub account (OAuth); needs step-up")
def github_oauth_start(principal: StepUp, settings: SettingsDep, redis: RedisDep) -> s.GithubAuthorizeOut:
    assert principal.user_id is not None
    return github_oauth.start(settings, redis, principal.user_id)


@router.post("/v1/integrations/github/oauth/callback", response_model=s.GithubAccountOut,
             responses={**UNCONFIGURED, 400: {"description": "Unknown or expired state, or a code GitHub refused"},
                        502: {"description": "GitHub unreachable"}},
             summary="Finish linking: the code and state GitHub returned; needs step-up (a provider token change)")
def github_oauth_callback(principal: StepUp, body: s.GithubCallbackIn, settings: SettingsDep, redis: RedisDep,
                          db: DbDep) -> s.GithubAccountOut:
    assert principal.user_id is not None
    return github_oauth.account_out(github_oauth.finish(db, settings, redis, principal.user_id, body))


@router.get("/v1/integrations/github/account", response_model=s.GithubAccountOut,
            responses={404: {"description": "No GitHub account linked"}}, summary="My linked GitHub account")
def github_account(principal: Me, db: DbDep) -> s.GithubAccountOut:
    assert principal.user_id is not None
    row = github_oauth.account_of(db, principal.user_id)
    if row is None:
        raise Problem(404, "no GitHub account linked", type_="not-found")
    return github_oauth.account_out(row)


@router.delete("/v1/integrations/github/account", status_code=204, summary="Unlink my GitHub account; needs step-up")
def github_unlink(principal: StepUp, db: DbDep) -> Response:
    assert principal.user_id is not None
    github_oauth.unlink(db, principal.user_id)
    return Response(status_code=204)
