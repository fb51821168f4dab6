"""Public pages and assets: the chat widget script that sites embed, and the demo shop that embeds
it the way a site would (``/demo/shop``)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse

from wowdesk.accounts import queries as accounts
from wowdesk.conversations import queries as chat_queries
from wowdesk.core.runtime import Runtime
from wowdesk.web.templates import render
from wowdesk.web.widget import widget_script

router = APIRouter(include_in_schema=False)

DEMO_SLUG = "demo"


@router.get("/widget.js")
async def widget_js() -> Response:
    """The widget, the same for every site: it reads its workspace and channel from its own URL."""
    return Response(
        widget_script(),
        media_type="application/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/demo/shop", response_class=HTMLResponse)
async def demo_shop(request: Request, workspace: str | None = Query(None, max_length=40)) -> HTMLResponse:
    """A pretend shop with the widget of a workspace's first web-chat channel: the demo workspace's,
    or the one named, or (a fresh install) the first workspace's."""
    rt: Runtime = request.app.state.runtime
    widget_src = None
    async with rt.uow(write=False) as s:
        ws = await accounts.find_workspace(s, (workspace or DEMO_SLUG).strip().lower())
        if ws is None and workspace is None:
            every = await accounts.list_workspaces(s)
            ws = every[0] if every else None
        if ws is not None:
            channels = [
                c for c in await chat_queries.list_channels(s, ws.id) if c.active and c.kind == "webchat"
            ]
            if channels:
                widget_src = f"/widget.js?workspace={ws.slug}&channel={channels[0].id}"
    return HTMLResponse(render("demo/shop.html", widget_src=widget_src))
