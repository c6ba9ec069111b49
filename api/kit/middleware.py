"""Cross-cutting HTTP middleware (pure ASGI): request id, security headers, rate-limit headers,
request body size limit (413 problem+json) and CORS from the configured allow-list."""

from __future__ import annotations

import json
import re
import secrets
from typing import Any

from fastapi import FastAPI, HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.kit.problems import PROBLEM_JSON
from api.settings import ApiSettings

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_DOC_PATHS = ("/docs", "/redoc")

SECURITY_HEADERS = {
    b"x-content-type-options": b"nosniff",
    b"x-frame-options": b"DENY",
    b"referrer-policy": b"no-referrer",
    b"cross-origin-opener-policy": b"same-origin",
    b"permissions-policy": b"camera=(), microphone=(), geolocation=()",
}
API_CSP = b"default-src 'none'; frame-ancestors 'none'"
# Only in production: a browser that saw it for localhost would refuse plain HTTP there for two years.
HSTS = (b"strict-transport-security", b"max-age=63072000; includeSubDomains")


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body exceeds the limit of {limit} bytes")


def _problem_bytes(status: int, title: str, detail: str, path: str, request_id: str) -> bytes:
    return json.dumps({"type": "/problems/request-too-large" if status == 413 else "about:blank",
                       "title": title, "status": status, "detail": detail, "instance": path,
                       "request_id": request_id}).encode()


class LancerHttpMiddleware:
    """Outermost layer: assigns the request id, enforces the body limit, decorates every response."""

    def __init__(self, app: ASGIApp, max_body_bytes: int, hsts: bool = False) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.headers = list(SECURITY_HEADERS.items()) + ([HSTS] if hsts else [])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        incoming = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _REQUEST_ID_RE.match(incoming) else secrets.token_hex(16)  # 32 hex, like a uuid4 hex
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = request_id
        path: str = scope.get("path", "")
        limit = self.max_body_bytes
        started = False

        async def send_wrapper(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                raw = list(message.get("headers", []))
                present = {k.lower() for k, _ in raw}
                extra: list[tuple[bytes, bytes]] = [(b"x-request-id", request_id.encode())]
                extra += [(k, v) for k, v in self.headers if k not in present]
                if not path.startswith(_DOC_PATHS) and b"content-security-policy" not in present:
                    extra.append((b"content-security-policy", API_CSP))
                if path.startswith("/v1/") and b"cache-control" not in present:
                    extra.append((b"cache-control", b"no-store"))
                verdict = state.get("ratelimit")
                if verdict is not None:
                    extra += [(k.lower().encode(), v.encode()) for k, v in verdict.headers().items()
                              if k.lower().encode() not in present]
                message = {**message, "headers": raw + extra}
            await send(message)

        async def reject(status: int, title: str, detail: str) -> None:
            body = _problem_bytes(status, title, detail, path, request_id)
            await send_wrapper({"type": "http.response.start", "status": status,
                                "headers": [(b"content-type", PROBLEM_JSON.encode()),
                                            (b"content-length", str(len(body)).encode())]})
            await send_wrapper({"type": "http.response.body", "body": body})

        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                size = int(declared)
                if size < 0:
                    raise ValueError
            except ValueError:
                await reject(400, "Bad Request", "Content-Length is not a valid number")
                return
            if size > limit:
                await reject(413, "Content Too Large", f"request body exceeds the limit of {limit} bytes")
                return

        received = 0

        async def receive_wrapper() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        try:
            await self.app(scope, receive_wrapper, send_wrapper)
        except BodyTooLarge:
            if started:
                raise
            await reject(413, "Content Too Large", f"request body exceeds the limit of {limit} bytes")


def install_middleware(app: FastAPI, settings: ApiSettings) -> None:
    # Added last = outermost. CORS sits inside so its preflight answers get the security headers too.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_credentials=False,  # bearer tokens, not cookies
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=["Authorization", "Content-Type", "X-API-Key", "X-Request-ID"],
        expose_headers=["X-Request-ID", "Retry-After", "RateLimit-Limit", "RateLimit-Remaining",
                        "RateLimit-Reset"],
        max_age=600,
    )
    app.add_middleware(LancerHttpMiddleware, max_body_bytes=settings.max_body_bytes, hsts=settings.production)
