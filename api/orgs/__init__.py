"""Organizations (client teams): members with roles, invitations, the team view of projects, contracts, spend."""
