"""The shared kernel of Lancer: settings, errors, addresses, database engine, migrations, logging,
advisory locks, the chain registry, the deployments file model and the status vocabularies.

It imports nothing else of Lancer, so the indexer, the API, the contracts tooling and the dev tools
can all build on it.
"""
