"""Pure ASGI middleware (cheaper than BaseHTTPMiddleware on every request):

* the request's language (``Accept-Language``) for translated messages;
* body size limits: 413 as soon as ``Content-Length`` says too much, or when a streamed body
  passes the limit, without reading the rest;
* NUL bytes in the address are refused; security headers on every answer, and the
  console's Content-Security-Policy on its pages.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wowdesk.api.problems import PROBLEM_JSON, TITLES, TYPE_BASE
from wowdesk.core.i18n import N_, _, negotiate, reset_language, set_language, translate

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


def _is_html(headers: list[tuple[bytes, bytes]]) -> bool:
    return any(k.lower() == b"content-type" and v.startswith(b"text/html") for k, v in headers)


class _TooLarge(HTTPException):
    """Raised from inside `receive`: FastAPI passes HTTPExceptions through its body parsing, so the
    app's own handler answers with the 413 problem document."""

    def __init__(self) -> None:
        super().__init__(413, _(N_("The request body is larger than this endpoint accepts.")))


def _problem_bytes(status: int, detail: str, code: str, language: str) -> bytes:
    return json.dumps(
        {
            "type": TYPE_BASE + code,
            "title": translate(TITLES[status], language),
            "status": status,
            "detail": translate(detail, language),
        },
        ensure_ascii=False,
    ).encode()


class RequestGuard:
    def __init__(
        self,
        app: ASGIApp,
        *,
        limit_for: Callable[[str, str], int],
        policy_for: Callable[[str], bytes | None] = lambda path: None,
    ) -> None:
        self.app = app
        self.limit_for = limit_for
        self.policy_for = policy_for  # the Content-Security-Policy of an HTML page at this path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        language = negotiate(headers.get(b"accept-language", b"").decode("latin-1"))
        token = set_language(language)
        try:
            if scope["type"] == "websocket":
                await self.app(scope, receive, send)
                return
            await self._http(scope, receive, send, headers, language)
        finally:
            reset_language(token)

    async def _http(
        self, scope: Scope, receive: Receive, send: Send, headers: dict[bytes, bytes], language: str
    ) -> None:
        if b"%00" in scope.get("query_string", b"") or "\x00" in scope.get("path", ""):
            await self._reply(send, 400, N_("The address contains a NUL character."), "bad-request", language)
            return
        limit = self.limit_for(scope["method"], scope["path"])
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > limit
            except ValueError:
                too_big = False
            if too_big:
                await self._too_large(send, language)
                return
        received = 0
        started = False
        policy = self.policy_for(scope["path"])

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge()
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = dict(message)
                extra = SECURITY_HEADERS
                if policy is not None and _is_html(message.get("headers", [])):
                    extra = [*SECURITY_HEADERS, (b"content-security-policy", policy)]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except _TooLarge:
            if not started:
                await self._too_large(send, language)

    @classmethod
    async def _too_large(cls, send: Send, language: str) -> None:
        await cls._reply(
            send,
            413,
            N_("The request body is larger than this endpoint accepts."),
            "payload-too-large",
            language,
            close=True,
        )

    @staticmethod
    async def _reply(
        send: Send, status: int, detail: str, code: str, language: str, close: bool = False
    ) -> None:
        body = _problem_bytes(status, detail, code, language)
        hdrs = [
            (b"content-type", PROBLEM_JSON.encode()),
            (b"content-length", str(len(body)).encode()),
            *SECURITY_HEADERS,
        ]
        if close:
            hdrs.append((b"connection", b"close"))
        await send({"type": "http.response.start", "status": status, "headers": hdrs})
        await send({"type": "http.response.body", "body": body})
