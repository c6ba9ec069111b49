"""Issue trackers and documents linked to projects and milestones: Jira issues, Trello cards, Notion pages,
Google Drive files. ``clients`` reads one item's title and status from each provider; ``service`` keeps
the per-user credentials (encrypted) and the links."""
