from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy import text

from wowdesk import __version__
from wowdesk.api.deps import RuntimeDep

router = APIRouter(tags=["system"])


@router.get("/", include_in_schema=False)
async def root() -> RedirectResponse:
    # The agent console arrives with its own issue; until then the API documentation is the front door.
    return RedirectResponse("/docs")


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
