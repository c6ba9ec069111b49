"""Stripe: fiat top-ups and invoice payments through Checkout Sessions, and the signed webhook that
settles them. Everything goes through the official ``stripe`` library: the API calls (to
STRIPE_API_BASE, which tests point at a local server) and the signature check of incoming events.

Never logged or answered: the secret key, the webhook secret, the API host, or a network error's text.
"""

from __future__ import annotations

import uuid
from typing import Any

import stripe
import structlog
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session as Db

from api.integrations import schemas as s
from api.integrations.models import StripeCheckout, StripeEvent
from api.kit import outbox
from api.kit.db import utcnow
from api.kit.problems import Problem
from api.settings import ApiSettings

log = structlog.get_logger(__name__)
PAID_EVENTS = ("checkout.session.completed", "checkout.session.async_payment_succeeded")


def _not_configured() -> Problem:
    return Problem(404, "card payments are not offered on this deployment (Stripe is not configured)",
                   type_="not-configured")


def _client(settings: ApiSettings) -> stripe.StripeClient:
    if settings.stripe_secret_key is None:
        raise _not_configured()
    return stripe.StripeClient(settings.stripe_secret_key.get_secret_value(),
                               base_addresses={"api": settings.stripe_api_base.get_secret_value()},
                               max_network_retries=2)


def checkout_out(row: StripeCheckout, url: str | None = None) -> s.CheckoutOut:
    return s.CheckoutOut(id=row.id, session_id=row.session_id, purpose=row.purpose,  # type: ignore[arg-type]
                         reference=row.reference, amount=str(row.amount), currency=row.currency,
                         status=row.status, url=url, created_at=row.created_at,  # type: ignore[arg-type]
                         paid_at=row.paid_at)


def create_checkout(db: Db, settings: ApiSettings, user_id: uuid.UUID, body: s.CheckoutIn,
                    idempotency_key: str | None) -> s.CheckoutOut:
    """A Checkout Session at Stripe, and our row for it (flushed: the router commits)."""
    client = _client(settings)
    label = "Lancer balance top-up" if body.purpose == "topup" else f"Lancer invoice {body.reference}"
    ours = uuid.uuid4()
    params: dict[str, Any] = {
        "mode": "payment",
        "client_reference_id": str(ours),
        "success_url": settings.stripe_success_url,
        "cancel_url": settings.stripe_cancel_url,
        "metadata": {"lancer_checkout_id": str(ours), "purpose": body.purpose},
        "line_items": [{"quantity": 1, "price_data": {
            "currency": settings.stripe_currency, "unit_amount": int(body.amount),
            "product_data": {"name": label}}}],
    }
    # Stripe's own idempotency: a retried request (same key) gets the same session, not a second one.
    options: dict[str, Any] = {"idempotency_key": f"lancer-{user_id}-{idempotency_key}"} if idempotency_key else {}
    try:
        session = client.v1.checkout.sessions.create(params=params, options=options)  # type: ignore[arg-type]
    except stripe.StripeError as exc:
        log.warning("stripe checkout session failed", error=type(exc).__name__,
                    status=getattr(exc, "http_status", None))
        raise Problem(502, "the card payment provider did not accept the request; try again later",
                      type_="payment-provider-error") from None
    row = StripeCheckout(id=ours, user_id=user_id, session_id=str(session.id), purpose=body.purpose,
                         reference=body.reference, amount=int(body.amount), currency=settings.stripe_currency,
                         status="open")
    db.add(row)
    db.flush()
    return checkout_out(row, getattr(session, "url", None))


def my_checkouts(db: Db, user_id: uuid.UUID) -> list[StripeCheckout]:
    return list(db.scalars(select(StripeCheckout).where(StripeCheckout.user_id == user_id)
                           .order_by(StripeCheckout.created_at.desc()).limit(100)))


def verify_event(settings: ApiSettings, payload: bytes, signature: str | None) -> dict[str, Any]:
    """The event, if Stripe signed this exact body recently (library check: HMAC and timestamp)."""
    if settings.stripe_webhook_secret is None:
        raise _not_configured()
    if not signature:
        raise Problem(400, "missing Stripe-Signature header", type_="invalid-signature")
    try:
        event = stripe.Webhook.construct_event(payload, signature, settings.stripe_webhook_secret.get_secret_value(),
                                               tolerance=settings.stripe_webhook_tolerance_seconds)
    except stripe.SignatureVerificationError:
        raise Problem(400, "the Stripe signature does not match this body, or is too old",
                      type_="invalid-signature") from None
    except ValueError:
        raise Problem(400, "the body is not a Stripe event", type_="invalid-event") from None
    return dict(event.to_dict())


def handle_event(db: Db, event: dict[str, Any]) -> bool:
    """Apply an event once: False if its id was processed before (Stripe redelivers)."""
    event_id, kind = str(event.get("id") or ""), str(event.get("type") or "")[:64]
    if not event_id:
        raise Problem(400, "the event has no id", type_="invalid-event")
    inserted = db.execute(pg_insert(StripeEvent).values(event_id=event_id[:255], type=kind, received_at=utcnow())
                          .on_conflict_do_nothing().returning(StripeEvent.event_id)).first()
    if inserted is None:
        return False
    obj = (event.get("data") or {}).get("object") or {}
    if kind.startswith("checkout.session."):
        _settle(db, kind, obj)
    db.commit()
    return True


def _settle(db: Db, kind: str, session: Any) -> None:
    row = db.scalar(select(StripeCheckout).where(StripeCheckout.session_id == str(session.get("id") or ""))
                    .with_for_update())
    if row is None:
        return  # not one of ours (another app on the same Stripe account)
    if kind in PAID_EVENTS and session.get("payment_status") == "paid" and row.status != "paid":
        row.status, row.paid_at = "paid", utcnow()
        outbox.record(db, "payment.fiat_succeeded", f"checkout:{row.id}",
                      {"checkout_id": str(row.id), "purpose": row.purpose, "reference": row.reference,
                       "amount": str(row.amount), "currency": row.currency}, audience=[row.user_id])
    elif kind == "checkout.session.expired" and row.status == "open":
        row.status = "expired"
