"""``/login`` and ``/logout``: the page's key gate, as a form that sets a session cookie.

Only mounted when ``PQA_API_KEY`` is set. The form body is read by hand with a small cap,
since this is the one route anybody may post to.
"""

from __future__ import annotations

import html
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from assistant.api.auth import COOKIE, SESSION_SECONDS, key_matches, session_token
from assistant.api.errors import APIError

router = APIRouter(include_in_schema=False)
MAX_FORM_BYTES = 4096

_PAGE = """<!doctype html><html lang="zh"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>政策问答 / PolicyQA — 登录 / Sign in</title>
<style>body{{font-family:system-ui,sans-serif;max-width:26rem;margin:12vh auto;padding:0 1rem}}
input,button{{font-size:1rem;padding:.5rem;width:100%;box-sizing:border-box;margin:.3rem 0}}
.err{{color:#b00020}}</style></head><body>
<h1>政策问答 <small>/ PolicyQA</small></h1>
<form method="post" action="/login">
<label for="key">API 密钥 / API key</label>
<input id="key" name="key" type="password" autocomplete="current-password" autofocus required>
<button type="submit">进入 / Enter</button></form>
<p class="err" id="login-error">{error}</p></body></html>"""
WRONG_KEY = "密钥不正确 / Wrong key."


def login_page(error: str = "", status: int = 200) -> HTMLResponse:
    return HTMLResponse(_PAGE.format(error=html.escape(error)), status_code=status,
                        headers={"Cache-Control": "no-store"})


@router.get("/login")
async def login_form() -> HTMLResponse:
    return login_page()


@router.post("/login")
async def login(request: Request) -> Response:
    key = request.app.state.services.settings.api_key
    if not key:
        return RedirectResponse("/", status_code=303)
    body = b""
    async for part in request.stream():
        body += part
        if len(body) > MAX_FORM_BYTES:
            raise APIError(413, f"the sign-in form is larger than {MAX_FORM_BYTES} bytes")
    given = parse_qs(body.decode("utf-8", "replace")).get("key", [""])[0]
    if not key_matches(key, given):
        return login_page(WRONG_KEY, status=401)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(COOKIE, session_token(key), max_age=SESSION_SECONDS, httponly=True,
                        samesite="strict", secure=request.url.scheme == "https", path="/")
    return response


@router.get("/logout")
async def logout() -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
