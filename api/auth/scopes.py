"""The scopes an API key can carry. A signed-in user (access JWT) holds all of them."""

from __future__ import annotations

from enum import StrEnum


class Scope(StrEnum):
    READ_CHAIN = "read:chain"
    READ_ESCROWS = "read:escrows"
    READ_REPUTATION = "read:reputation"
    READ_MARKETPLACE = "read:marketplace"
    WRITE_WEBHOOKS = "write:webhooks"
    WRITE_ESCROWS = "write:escrows"

    @property
    def description(self) -> str:
        return _DESCRIPTIONS[self]


_DESCRIPTIONS = {
    Scope.READ_CHAIN: "Read indexed chain data (balances, transfers, blocks)",
    Scope.READ_ESCROWS: "Read escrows and milestones",
    Scope.READ_REPUTATION: "Read reputation and attestations",
    Scope.READ_MARKETPLACE: "Read public projects, profiles and skills",
    Scope.WRITE_WEBHOOKS: "Create and manage webhooks",
    Scope.WRITE_ESCROWS: "Create escrow intents (escrow-as-a-service); implies read:escrows",
}

# A scope that includes another: a key that may create escrow intents may also read them.
IMPLIED: dict[str, frozenset[str]] = {Scope.WRITE_ESCROWS.value: frozenset({Scope.READ_ESCROWS.value})}


def holds(scopes: frozenset[str], wanted: str | None) -> bool:
    """Whether a key with ``scopes`` satisfies ``wanted`` (directly or through a scope that implies it)."""
    return wanted is None or wanted in scopes or any(wanted in IMPLIED.get(s, ()) for s in scopes)

# Scope name -> description, in declaration order (API key schemas and the OpenAPI document list it).
API_SCOPES: dict[str, str] = {scope.value: scope.description for scope in Scope}


def parse_scope(name: str | Scope) -> Scope:
    try:
        return Scope(name)
    except ValueError:
        raise ValueError(f"unknown API scope {name!r}; add it to api.auth.scopes.Scope") from None
