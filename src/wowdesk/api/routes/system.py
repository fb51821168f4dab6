from __future__ import annotations

import logging
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text

from wowdesk import __version__
from wowdesk.http.deps import RuntimeDep

router = APIRouter(tags=["system"])
log = logging.getLogger("wowdesk.api")

SWAGGER_PREFIX = "/assets/swagger-ui"


def mount_vendor_assets(app: FastAPI, assets_dir: Path) -> None:
    """Serve the API documentation page with Swagger UI from the npm-installed copy, so /docs
    works on an offline machine. Without it (no npm at build time) the page loads Swagger UI
    from its public CDN instead."""
    swagger = assets_dir / "swagger-ui-dist"
    local = (swagger / "swagger-ui-bundle.js").is_file()
    if local:
        app.mount(SWAGGER_PREFIX, StaticFiles(directory=swagger), name="swagger-ui")
    else:
        log.info("Swagger UI assets not found under %s; /docs will load them from a CDN", swagger)

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        if local:
            return get_swagger_ui_html(
                openapi_url="/openapi.json",
                title="WowDesk API",
                swagger_js_url=f"{SWAGGER_PREFIX}/swagger-ui-bundle.js",
                swagger_css_url=f"{SWAGGER_PREFIX}/swagger-ui.css",
                swagger_favicon_url=f"{SWAGGER_PREFIX}/favicon-32x32.png",
            )
        return get_swagger_ui_html(openapi_url="/openapi.json", title="WowDesk API")


@router.get("/healthz", summary="The process is alive")
async def healthz() -> dict[str, str]:
    return {"status": "ok", "version": __version__}


@router.get("/readyz", summary="The process can serve: database (and Redis, when configured) reachable")
async def readyz(rt: RuntimeDep) -> JSONResponse:
    checks: dict[str, str] = {}
    try:
        async with rt.db.read_engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {type(exc).__name__}"
    if rt.settings.redis_url:
        checks["redis"] = "ok" if await rt.bus.ping() else "error"
    ok = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ok" if ok else "unavailable", "checks": checks}, status_code=200 if ok else 503
    )
