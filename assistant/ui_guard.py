"""Checks in front of Gradio's queue: a malformed join or an unknown session is a 4xx.

Gradio trusts the ``fn_index`` and ``session_hash`` a browser sends: an unknown index is a
KeyError and a 500, and reading the events of a session that never joined starts a 200
stream and then breaks it off. The page only ever sends its own, so anything else is a
hostile or broken client: a join body is read (bounded), checked and handed on unchanged.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection
from typing import Any
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

JOIN_PATH = "/gradio_api/queue/join"
DATA_PATH = "/gradio_api/queue/data"
# Gradio's call-by-name routes: the page never uses them, and the HTTP API is /v1.
DIRECT_CALLS = ("/gradio_api/run/", "/gradio_api/api/", "/gradio_api/call/")
_SESSION = re.compile(r"^[A-Za-z0-9_-]{1,128}$")  # what Gradio's client generates


def join_problem(body: Any, valid_ids: Collection[int]) -> str | None:
    """Why a queue/join body cannot be queued, or None."""
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    fn_index = body.get("fn_index")
    if isinstance(fn_index, bool) or not isinstance(fn_index, int) or fn_index not in valid_ids:
        return f"fn_index {fn_index!r} is not an event of this page"
    session = body.get("session_hash")
    if not isinstance(session, str) or not _SESSION.match(session):
        return "session_hash must be 1–128 letters, digits, '_' or '-'"
    if not isinstance(body.get("data", []), list):
        return "data must be a list"
    return None


class QueueJoinGuard:
    """Pure ASGI around the mounted Gradio app; every other request passes untouched."""

    def __init__(self, app: ASGIApp, *, valid_ids: Callable[[], Collection[int]],
                 known_session: Callable[[str], bool], max_bytes: int) -> None:
        self.app = app
        self.valid_ids = valid_ids
        self.known_session = known_session
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(DIRECT_CALLS):
            await _reply(send, 404, "not_found", "the page's events are not an API; use /v1 (see /docs)")
            return
        if scope["type"] == "http" and scope["method"] == "GET" and scope["path"].endswith(DATA_PATH):
            session = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("session_hash", [""])
            if not self.known_session(session[0]):
                await _reply(send, 404, "not_found", "no queued event for this session_hash")
                return
        if scope["type"] != "http" or scope["method"] != "POST" or not scope["path"].endswith(JOIN_PATH):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_bytes:
                await _reply(send, 413, "too_large", f"request body too large (limit {self.max_bytes} bytes)")
                return
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        try:
            problem = join_problem(json.loads(body), self.valid_ids())
        except (ValueError, UnicodeDecodeError):
            problem = "the request body is not valid JSON"
        if problem:
            await _reply(send, 422 if "JSON" not in problem else 400, "invalid_request", problem)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _reply(send: Send, status: int, code: str, message: str) -> None:
    payload = json.dumps({"error": {"code": code, "message": message}}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(payload)).encode())]})
    await send({"type": "http.response.body", "body": payload})
