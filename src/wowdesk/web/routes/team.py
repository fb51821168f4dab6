"""The supervisors' live view of the team: who is online, away or offline, how many chats each
holds against their capacity, and the chats waiting for someone. It refreshes itself on every
presence change and conversation event."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from wowdesk.accounts import queries as accounts
from wowdesk.accounts.permissions import CONVERSATIONS_ALL
from wowdesk.conversations import queries as chat
from wowdesk.customers import queries as customers
from wowdesk.http.deps import SessionDep
from wowdesk.web.console import ConsoleDep, ConsoleRoute, fragment, page, wants_fragment
from wowdesk.web.shell import frame

router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)

PRESENT = dt.timedelta(seconds=90)  # a console heard from within this is there (accounts' presence timeout)


@router.get("/team")
async def team(request: Request, c: ConsoleDep, session: SessionDep) -> Response:
    c.actor.require(CONVERSATIONS_ALL)
    ws = c.actor.workspace_id
    agents = await accounts.list_agents(session, c.actor, active=True, limit=500)
    held = await chat.chats_held(session, ws, [a.id for a in agents])
    waiting = await chat.waiting_queue(session, c.actor, limit=50)
    names = await customers.customer_names(session, ws, [w.customer_id for w in waiting])
    now = dt.datetime.now(dt.UTC)
    rows: list[dict[str, Any]] = [
        {
            "agent": a,
            "state": a.availability if a.last_seen_at and now - a.last_seen_at < PRESENT else "offline",
            "held": held.get(a.id, 0),
            "absent": accounts.out_of_office(a, now)[0],  # given no tickets or chats (tickets.routing)
        }
        for a in agents
    ]
    rows.sort(key=lambda r: ({"online": 0, "away": 1}.get(str(r["state"]), 2), -int(r["held"])))
    context = {
        "rows": rows,
        "waiting": [{"c": w, "name": names.get(w.customer_id, ("", None))[0]} for w in waiting],
        "online": sum(1 for r in rows if r["state"] == "online"),
        "now": now,
        "section": "team",
    }
    if wants_fragment(request):
        return JSONResponse(
            {"ok": True, "html": {"[data-live-page]": fragment("team/_board.html", console=c, **context)}}
        )
    return page(c, "team/index.html", **await frame(session, c, **context))
