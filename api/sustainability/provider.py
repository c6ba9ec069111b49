"""Offset providers behind one interface: buy ``grams`` of CO2e removal/avoidance and get a certificate.

``PatchProvider`` speaks a Patch-style API (``POST {base}/v1/orders`` with ``{"amount", "unit": "g",
"state": "placed", "metadata"}``, Bearer API key, answer ``{"success", "error", "data": {"id", "state",
"amount", "unit", "registry_url"}}``). Each order carries an ``Idempotency-Key`` (Lancer's offset id), so a
job retried after a lost answer does not buy twice, and ``metadata.lancer_offset_id``, so an order can be
matched by hand. Errors (``ProviderError``) name the status or the failure kind only: never the URL
(it may embed a key), the key, nor the text of a network exception.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from api.settings import ApiSettings


class ProviderError(RuntimeError):
    """The provider refused or could not be reached; the message is safe to store and show."""


@dataclass(frozen=True)
class OffsetOrder:
    order_id: str
    state: str
    grams_co2e: int
    certificate_uri: str | None


class OffsetProvider(Protocol):
    name: str

    def place_order(self, grams_co2e: int, *, idempotency_key: str) -> OffsetOrder: ...


class PatchProvider:
    name = "patch"

    def __init__(self, base_url: str, api_key: str, *, project_id: str | None = None, timeout: float = 15.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        self._base = base_url.rstrip("/")
        self._key = api_key
        self._project = project_id
        self._timeout = timeout
        self._transport = transport

    def place_order(self, grams_co2e: int, *, idempotency_key: str) -> OffsetOrder:
        body: dict[str, Any] = {"amount": grams_co2e, "unit": "g", "state": "placed",
                                "metadata": {"lancer_offset_id": idempotency_key}}
        if self._project:
            body["project_id"] = self._project
        headers = {"Authorization": f"Bearer {self._key}", "Accept": "application/json",
                   "Idempotency-Key": idempotency_key}
        try:
            with httpx.Client(timeout=self._timeout, transport=self._transport) as client:
                response = client.post(f"{self._base}/v1/orders", json=body, headers=headers)
        except httpx.TimeoutException:
            raise ProviderError("offset provider timed out") from None
        except httpx.HTTPError as exc:
            raise ProviderError(f"offset provider unreachable ({type(exc).__name__})") from None
        if response.status_code >= 400:
            raise ProviderError(f"offset provider answered HTTP {response.status_code}")
        try:
            payload = response.json()
            data = payload["data"]
            order = OffsetOrder(order_id=str(data["id"]), state=str(data.get("state") or "placed"),
                                grams_co2e=int(data.get("amount", grams_co2e)),
                                certificate_uri=data.get("registry_url") or None)
        except (ValueError, KeyError, TypeError):
            raise ProviderError("offset provider answered with an unexpected body") from None
        if payload.get("success") is False or not order.order_id or len(order.order_id) > 100:
            raise ProviderError("offset provider did not confirm the order")
        if order.certificate_uri is not None and (len(order.certificate_uri) > 500
                                                  or not order.certificate_uri.startswith("https://")):
            order = OffsetOrder(order.order_id, order.state, order.grams_co2e, None)
        return order


def provider_from(settings: ApiSettings) -> OffsetProvider | None:
    """The configured provider (``OFFSET_PROVIDER``), None for ``none`` or when it has no API key."""
    if settings.offset_provider != "patch" or settings.offset_provider_api_key is None:
        return None
    return PatchProvider(settings.offset_provider_base_url.get_secret_value(),
                         settings.offset_provider_api_key.get_secret_value(),
                         project_id=settings.offset_provider_project_id,
                         timeout=settings.offset_provider_timeout_seconds)
