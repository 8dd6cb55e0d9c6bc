"""The key gate: checked on the request's headers, before any body is read.

With ``PQA_API_KEY`` set, every path except the public ones needs the key: ``/v1`` as
``Authorization: Bearer <key>``, the page and its Gradio routes as that header or the
session cookie that ``POST /login`` sets. A FastAPI dependency would run only after the
body had been read (a 20 MB upload from anyone), and the mounted Gradio app has routes
no dependency of ours reaches, so the gate is ASGI middleware around everything.

The same gate refuses writes on a read-only server (``PQA_READ_ONLY``) before reading.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterable
from http.cookies import SimpleCookie

from starlette.types import ASGIApp, Receive, Scope, Send

COOKIE = "pqa_session"
SESSION_SECONDS = 12 * 3600
PUBLIC = frozenset({"/healthz", "/docs", "/docs/oauth2-redirect", "/openapi.json", "/login",
                    "/logout"})
# What a read-only server refuses, (method, path prefix): uploads and deletes, API and page.
WRITES = (("POST", "/v1/documents"), ("PUT", "/v1/documents"), ("PATCH", "/v1/documents"),
          ("DELETE", "/v1/documents"), ("POST", "/gradio_api/upload"))


def session_token(key: str, *, now: float | None = None, seconds: int = SESSION_SECONDS) -> str:
    """``<expiry>.<hmac>``: stateless, and every session ends when the key changes."""
    expires = int((now if now is not None else time.time()) + seconds)
    return f"{expires}.{_mac(key, expires)}"


def valid_session(key: str, token: str, *, now: float | None = None) -> bool:
    expires, _, mac = token.partition(".")
    if not expires.isdigit() or int(expires) < (now if now is not None else time.time()):
        return False
    return hmac.compare_digest(mac.encode(), _mac(key, int(expires)).encode())


def _mac(key: str, expires: int) -> str:
    return hmac.new(key.encode(), f"pqa-session:{expires}".encode(), hashlib.sha256).hexdigest()


def key_matches(key: str, given: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), key.encode())


def is_write(method: str, path: str) -> bool:
    return any(method == m and (path == p or path.startswith(p + "/")) for m, p in WRITES)


class AuthGate:
    """Pure ASGI, so it answers before FastAPI, Gradio or a body parser sees the request."""

    def __init__(self, app: ASGIApp, *, key: str | None, read_only: bool = False,
                 public: Iterable[str] = PUBLIC) -> None:
        self.app = app
        self.key = key or None
        self.read_only = read_only
        self.public = frozenset(public)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        path, method = scope["path"], scope.get("method", "GET")
        if self.read_only and is_write(method, path):
            await _json(send, 403, "read_only", "this server is read-only (PQA_READ_ONLY): "
                                                "documents cannot be uploaded or deleted")
            return
        if self.key is None or path in self.public or self.authorized(scope):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        if method == "GET" and not path.startswith(("/v1/", "/gradio_api/")) and _wants_html(scope):
            await _redirect(send, "/login")
            return
        if "authorization" in _headers(scope):
            message = "invalid API key"
        elif path.startswith("/v1"):
            message = "missing API key: send 'Authorization: Bearer <key>'"
        else:
            message = "sign in at /login, or send 'Authorization: Bearer <key>'"
        await _json(send, 401, "unauthorized", message, [(b"www-authenticate", b"Bearer")])

    def authorized(self, scope: Scope) -> bool:
        """The bearer key anywhere; the session cookie only outside /v1 (no CSRF on the API)."""
        assert self.key is not None
        headers = _headers(scope)
        scheme, _, given = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and key_matches(self.key, given.strip()):
            return True
        if scope["path"].startswith("/v1"):
            return False
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:  # a malformed Cookie header is no session, not an error
            return False
        morsel = cookie.get(COOKIE)
        return morsel is not None and valid_session(self.key, morsel.value)


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers") or []}


def _wants_html(scope: Scope) -> bool:
    return "text/html" in _headers(scope).get("accept", "")


async def _json(send: Send, status: int, code: str, message: str,
                extra: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()), *(extra or [])]})
    await send({"type": "http.response.body", "body": body})


async def _redirect(send: Send, location: str) -> None:
    await send({"type": "http.response.start", "status": 303,
                "headers": [(b"location", location.encode()), (b"content-length", b"0")]})
    await send({"type": "http.response.body", "body": b""})
