"""A request body size limit applied before anything parses the body.

A megabyte of JSON should cost nothing: a declared ``Content-Length`` over the limit is
refused before a byte is read, and a chunked body is cut off as soon as it passes it.
API paths are limited, and so is the page's upload route (Gradio checks each file's
size, not how many files one request carries).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyLimitMiddleware:
    """Pure ASGI (no BaseHTTPMiddleware), so streaming responses and disconnects pass through."""

    def __init__(self, app: ASGIApp, *, default: int, overrides: Sequence[tuple[str, str, int]] = (),
                 prefixes: tuple[str, ...] = ("/v1",)) -> None:
        self.app = app
        self.default = default
        self.overrides = list(overrides)  # (method, path, limit)
        self.prefixes = prefixes

    def limit_for(self, method: str, path: str) -> int:
        for m, p, limit in self.overrides:
            if m == method and path.rstrip("/") == p:
                return limit
        return self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefixes):
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["method"], scope["path"])
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > limit
            except ValueError:
                too_big = False  # the server rejects a malformed header itself
            if too_big:
                await _reject(send, limit)
                return
        seen = 0

        async def counting_receive() -> Message:
            # Raised as an HTTPException so FastAPI's body reader passes it on unchanged.
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise HTTPException(413, _too_large(limit))
            return message

        await self.app(scope, counting_receive, send)


def _too_large(limit: int) -> str:
    size = f"{limit / 1024 / 1024:.0f} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"
    return f"request body too large (limit {size})"


async def _reject(send: Send, limit: int) -> None:
    body = json.dumps({"error": {"code": "too_large", "message": _too_large(limit)}}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
