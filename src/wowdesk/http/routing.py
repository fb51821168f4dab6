"""The route class of every API router: request bodies are parsed as standard JSON (RFC 8259).

Python's ``json`` module also accepts ``NaN``, ``Infinity`` and ``-Infinity``, and turns ``1e400``
into infinity. None of them is JSON, PostgreSQL's ``jsonb`` refuses them (a 500 at the INSERT), and
SQLite would store a value that reads back as something else. Here they are malformed JSON (400),
like every other body that cannot be parsed — nesting too deep, numbers too long, bytes that are
not UTF-8 — instead of FastAPI's generic "error parsing the body".
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from contextlib import AsyncExitStack
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from wowdesk.core.validation import standard_json


def loads(body: bytes | str) -> Any:
    """Parse standard JSON; anything else raises ``json.JSONDecodeError``."""
    return standard_json(body)


class StandardJSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = loads(await self.body())
        return self._json


UOW_STACK = "wowdesk.uow_stack"  # request scope: where the request's unit of work is entered
UOW_SESSION = "wowdesk_session"  # request.state: the unit of work's session, once opened


class StandardJSONRoute(APIRoute):
    """Every API route: standard JSON bodies, and the request's unit of work (``http.deps.SessionDep``)
    closed here — committed once the route has returned its answer and before that answer is sent,
    rolled back if it raised. Cheaper than a FastAPI generator dependency, and the same guarantee."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def standard_json_handler(request: Request) -> Response:
            async with AsyncExitStack() as stack:
                request.scope[UOW_STACK] = stack
                try:
                    return await handler(StandardJSONRequest(request.scope, request.receive))
                finally:
                    request.scope.pop(UOW_STACK, None)

        return standard_json_handler
