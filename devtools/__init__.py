"""Dev tooling, never imported by the indexer or the API at run time: local anvil chains (``anvil``),
anvil's well-known dev accounts (``accounts``), embedded PostgreSQL/Redis (``embedded``) and signing in
to a running API with SIWE (``signin``, for the benchmarks and the tests)."""
