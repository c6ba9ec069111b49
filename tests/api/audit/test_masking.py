"""Audit details never store credentials or proofs, whatever a caller passes."""

from __future__ import annotations

from api.audit.service import MASK, event


def test_sensitive_fields_are_masked_at_any_depth() -> None:
    row = event(None, "auth.login", details={
        "method": "siwe", "signature": "0xdead", "totp_code": "123456", "refresh_token": "r",
        "nested": {"client_secret": "s", "items": [{"api_key": "lnc_x"}]}, "token_first_used_at": "2026"})
    assert row.details == {"method": "siwe", "signature": MASK, "totp_code": MASK, "refresh_token": MASK,
                           "nested": {"client_secret": MASK, "items": [{"api_key": MASK}]},
                           "token_first_used_at": "2026"}
