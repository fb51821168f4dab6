"""What makes the console an installable app: the web app manifest, the icons, the service worker
(served from the root so it may control every console page) and the page it shows offline."""

from __future__ import annotations

import json

import anyio
from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from wowdesk.core.i18n import _, set_language
from wowdesk.web import icons
from wowdesk.web.assets import service_worker
from wowdesk.web.console import browser_language
from wowdesk.web.templates import render

router = APIRouter(include_in_schema=False)

ICON_SIZES = (192, 512)


@router.get("/manifest.webmanifest")
async def manifest(request: Request) -> Response:
    set_language(browser_language(request))
    icon_list = [{"src": "/icons/icon.svg", "sizes": "any", "type": "image/svg+xml", "purpose": "any"}]
    for size in ICON_SIZES:
        icon_list.append(
            {
                "src": f"/icons/icon-{size}.png",
                "sizes": f"{size}x{size}",
                "type": "image/png",
                "purpose": "any",
            }
        )
        icon_list.append(
            {
                "src": f"/icons/maskable-{size}.png",
                "sizes": f"{size}x{size}",
                "type": "image/png",
                "purpose": "maskable",
            }
        )
    body = {
        "name": _("WowDesk customer service"),
        "short_name": "WowDesk",
        "description": _("Answer customers on every channel: chats, tickets, and more."),
        "id": "/inbox",
        "start_url": "/inbox?source=pwa",
        "scope": "/",
        "display": "standalone",
        "orientation": "any",
        "background_color": "#f5f7fb",
        "theme_color": "#1d4ed8",
        "lang": browser_language(request),
        "icons": icon_list,
        "shortcuts": [
            {"name": _("Mine"), "url": "/inbox?view=mine"},
            {"name": _("Unassigned"), "url": "/inbox?view=unassigned"},
        ],
    }
    return Response(
        json.dumps(body, ensure_ascii=False),
        media_type="application/manifest+json",
        headers={"Cache-Control": "public, max-age=3600", "Vary": "Accept-Language, Cookie"},
    )


@router.get("/icons/icon.svg")
async def icon_svg() -> Response:
    return Response(
        icons.svg(), media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"}
    )


async def _png(size: int, maskable: bool) -> Response:
    data = await anyio.to_thread.run_sync(icons.png, size, maskable)
    return Response(data, media_type="image/png", headers={"Cache-Control": "public, max-age=86400"})


@router.get("/favicon.ico")
async def favicon() -> Response:
    """Browsers ask for it whatever the page links: the smallest icon (a PNG, which they all read)."""
    return await _png(min(ICON_SIZES), False)


@router.get("/icons/icon-{size}.png")
async def icon_png(size: int) -> Response:
    if size not in ICON_SIZES:
        return Response(status_code=404)
    return await _png(size, False)


@router.get("/icons/maskable-{size}.png")
async def icon_maskable(size: int) -> Response:
    if size not in ICON_SIZES:
        return Response(status_code=404)
    return await _png(size, True)


@router.get("/sw.js")
async def sw() -> Response:
    return Response(
        service_worker(),
        media_type="application/javascript; charset=utf-8",
        # The browser checks for a new worker on every navigation when it is not cached.
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"},
    )


@router.get("/offline", response_class=HTMLResponse)
async def offline(request: Request) -> HTMLResponse:
    set_language(browser_language(request))
    return HTMLResponse(render("pwa/offline.html", console=None, lang=browser_language(request)))
