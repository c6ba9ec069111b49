"""Authentication and authorization: route declarations, scopes, principals, credentials, OpenAPI.

Domains import from here (``from api.auth import Principal, public_read, Scope``); this package imports
no domain (the identity domain plugs its credential checks in through ``authenticate.Authenticator``).
"""

from api.auth.dependencies import admin, public, public_read, require_step_up, scope, user, websocket_user
from api.auth.principal import Principal
from api.auth.requirements import AuthRequirement, iter_routes, route_requirements
from api.auth.scopes import API_SCOPES, Scope

__all__ = ["API_SCOPES", "AuthRequirement", "Principal", "Scope", "admin", "iter_routes", "public",
           "public_read", "require_step_up", "route_requirements", "scope", "user", "websocket_user"]
