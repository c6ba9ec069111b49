"""Dev tooling, never imported by the indexer or the API at run time: local anvil chains (``anvil``),
anvil's well-known dev accounts (``accounts``) and embedded PostgreSQL/Redis (``embedded``)."""
