"""Proposals (bids) on projects, and milestone templates (platform and user-owned plans)."""
