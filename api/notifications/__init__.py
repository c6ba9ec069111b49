"""In-app notifications, per-user channel preferences and notification emails (a consumer of the outbox)."""
