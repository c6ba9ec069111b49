"""Infrastructure shared by every API domain: caching, rate limits, middleware, metrics, problems,
pagination, money, request parameters, the ORM base, the job queue and the resource dependencies.

Nothing here imports an API domain or ``api.auth``; see docs/architecture.md.
"""
