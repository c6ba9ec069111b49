"""Routes of the outside providers: Stripe Checkout (card payments) and the signed inbound webhooks of
Stripe and GitHub. Kept apart from ``router`` (webhook endpoints and keys) to keep both small."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session as Db

from api.auth import Principal, public, user
from api.integrations import payments
from api.integrations import schemas as s
from api.kit import idempotency
from api.kit.deps import get_db, get_settings_dep
from api.kit.idempotency import IdemKey
from api.settings import ApiSettings

FEATURE = "enable_integrations"
router = APIRouter(tags=["integrations"])
DbDep = Annotated[Db, Depends(get_db)]
SettingsDep = Annotated[ApiSettings, Depends(get_settings_dep)]
Me = Annotated[Principal, user(feature=FEATURE)]
UNCONFIGURED = {503: {"description": "The provider is not configured on this deployment"}}


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
