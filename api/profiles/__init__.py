"""Profiles: one per user (handle, display name, bio, links, time zone, rates, availability, roles)."""
