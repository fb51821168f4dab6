"""Administration pages: agents, roles, teams, skills, channels and their business hours, ticket
custom fields, canned responses. Each section asks for the permission the API asks for; the nav
shows the sections the agent may use, and ``/admin`` opens the first of them."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import RedirectResponse

from wowdesk.web.console import ConsoleDep, ConsoleRoute
from wowdesk.web.routes.admin import (
    agents,
    automations,
    calendars,
    canned,
    channels,
    fields,
    ledger,
    macros,
    policies,
    sla,
    teams,
)
from wowdesk.web.routes.admin.common import sections_for

router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)


@router.get("/admin")
async def home(c: ConsoleDep) -> Response:
    return RedirectResponse(sections_for(c)[0].url, status_code=303)


for module in (agents, teams, channels, fields, canned, macros, calendars, sla, automations):
    router.include_router(module.router)
for module in (policies, ledger):  # commerce and resolution (docs/console-resolution.md)
    router.include_router(module.router)

__all__ = ["router"]
