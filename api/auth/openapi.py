"""OpenAPI post-processing: each operation documents its auth requirement, rate-limit class, security
schemes and problem+json error responses, all read from the route's auth declaration."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from api.auth.dependencies import feature_enabled
from api.auth.requirements import iter_routes

_PROBLEM_SCHEMA = {
    "type": "object",
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"}, "instance": {"type": "string"}, "request_id": {"type": "string"},
    },
    "required": ["type", "title", "status", "detail"],
}


def _problem_response(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def install_openapi(app: FastAPI) -> None:
    """Document each route's auth requirement, rate limit class and error responses in OpenAPI."""

    def build() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        components = schema.setdefault("components", {})
        components.setdefault("schemas", {})["Problem"] = _PROBLEM_SCHEMA
        components["securitySchemes"] = {
            "userToken": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                          "description": "Access token from /v1/auth/siwe, /v1/auth/mfa or /v1/auth/refresh"},
            "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key",
                       "description": "lnc_... API key (also accepted as Authorization: Bearer lnc_...)"},
        }
        settings = getattr(app.state, "settings", None)
        for path, route, reqs in iter_routes(list(app.routes)):
            if not isinstance(route, APIRoute) or not route.include_in_schema or not reqs:
                continue
            req = reqs[0]
            if settings is not None and not feature_enabled(settings, req.feature):
                # A route behind a disabled feature flag does not exist for clients.
                for method in route.methods:
                    schema["paths"].get(path, {}).pop(method.lower(), None)
                if not schema["paths"].get(path, True):
                    schema["paths"].pop(path, None)
                continue
            for method in route.methods:
                op = schema["paths"].get(path, {}).get(method.lower())
                if op is None:
                    continue
                op["x-lancer-auth"] = {"kind": req.kind, **({"scope": req.scope} if req.scope else {})}
                if req.kind == "public_read":
                    op["x-lancer-auth"]["optional"] = True
                if req.step_up:
                    op["x-lancer-auth"]["step_up"] = True
                if req.mfa:
                    op["x-lancer-auth"]["mfa"] = True
                if req.feature:
                    op["x-lancer-auth"]["feature"] = req.feature
                op["x-rate-limit"] = req.rate
                op["description"] = (op.get("description") or "") + f"\n\n**Auth:** {req.describe()}."
                responses = op.setdefault("responses", {})
                if req.kind == "public":
                    op["security"] = []
                elif req.kind == "public_read":
                    op["security"] = [{}, {"userToken": []}, {"apiKey": []}]
                elif req.kind in ("user", "admin"):
                    op["security"] = [{"userToken": []}]
                else:
                    op["security"] = [{"userToken": []}, {"apiKey": []}]
                if req.kind != "public":
                    responses.setdefault("401", _problem_response("Missing or invalid credentials"))
                    responses.setdefault("403", _problem_response("Credentials lack the required role or scope"))
                if req.kind == "public_read":
                    responses["401"]["description"] = "Credentials were sent but are invalid (omit them to read anonymously)"
                # Any route can answer 400: a malformed request (bad Content-Length, forged cursor, ...).
                responses.setdefault("400", _problem_response("Malformed request (e.g. a cursor this API did not issue)"))
                if req.rate != "none":
                    responses.setdefault("429", _problem_response("Rate limit exceeded (see Retry-After)"))
                if route.body_field is not None:
                    responses.setdefault("413", _problem_response("Request body too large"))
                if "422" in responses:
                    responses["422"] = _problem_response("Invalid input")
                for code, response in responses.items():
                    # Error responses declared on routes as plain descriptions are problem documents too.
                    if code[:1] in "45" and "content" not in response:
                        responses[code] = _problem_response(response.get("description", "Error"))
        app.openapi_schema = schema
        return schema

    app.openapi = build  # type: ignore[method-assign]
