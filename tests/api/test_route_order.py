"""The app matches a request against its routes one by one, in the order the routers are included
(main.create_app puts the busiest first). That order must not decide which route answers: no
route may be shadowed by one included before it, for any method, REST or WebSocket."""

from __future__ import annotations

import re
from pathlib import Path

from starlette.routing import Match

from tests.conftest import make_settings
from wowdesk.main import create_app


def _sample(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)  # every parameter given a value


def test_no_route_is_shadowed_by_one_included_before_it(tmp_path: Path) -> None:
    app = create_app(make_settings(f"sqlite+aiosqlite:///{tmp_path / 'w.db'}", tmp_path))
    top = app.router.routes
    checked = 0
    for i, entry in enumerate(top):
        contexts = entry.effective_route_contexts() if hasattr(entry, "effective_route_contexts") else []
        for ctx in contexts:
            route = ctx.starlette_route or ctx.original_route
            websocket = "WebSocket" in type(ctx.original_route).__name__
            for method in getattr(ctx.original_route, "methods", None) or {"GET"}:
                scope = {
                    "type": "websocket" if websocket else "http",
                    "path": _sample(route.path),
                    "root_path": "",
                    "headers": [],
                    "query_string": b"",
                    "app": app,
                    **({} if websocket else {"method": method}),
                }
                first = next(
                    (j for j, other in enumerate(top) if other.matches(dict(scope))[0] == Match.FULL), None
                )
                assert first == i, f"{method} {route.path} is answered by routes included at {first}, not {i}"
                checked += 1
    assert checked > 250  # every API and console route was looked at
