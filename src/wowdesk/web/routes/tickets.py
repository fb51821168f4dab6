"""A ticket in the console: its timeline (comments, internal notes, attachments, every change),
the composer, its properties edited in place, and the requester's panel."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts import queries as accounts
from wowdesk.core.errors import NotFound
from wowdesk.core.i18n import N_, _
from wowdesk.core.schemas import MAX_DB_ID
from wowdesk.http.deps import RuntimeDep, SessionDep
from wowdesk.http.uploads import stored_until_recorded
from wowdesk.tickets import actions, queries
from wowdesk.tickets.models import TicketRow
from wowdesk.tickets.schemas import CommentCreate, TicketOut, TicketUpdate
from wowdesk.web.console import Console, ConsoleDep, ConsoleRoute, done, fragment, page, wants_fragment
from wowdesk.web.forms import optional_id, parse, position, text, uploads
from wowdesk.web.panels import canned_for, customer_panel, people
from wowdesk.web.shell import frame

router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)

TIMELINE_PAGE = 50
MAX_FILES = 10


async def _ticket(session: AsyncSession, c: Console, ticket_id: int) -> TicketRow:
    if not 1 <= ticket_id <= MAX_DB_ID:
        raise NotFound(N_("Ticket not found."))
    return await queries.get_ticket(session, c.actor, ticket_id)


async def _timeline(
    session: AsyncSession,
    c: Console,
    t: TicketRow,
    out: TicketOut,
    *,
    after: int | None = None,
    before: int | None = None,
) -> dict[str, Any]:
    if after is not None:
        entries = await queries.timeline(session, c.actor, t, after_id=after, limit=TIMELINE_PAGE)
        more_before = False
    else:
        entries = await queries.timeline(
            session, c.actor, t, latest=True, latest_before=before, limit=TIMELINE_PAGE + 1
        )
        more_before = len(entries) > TIMELINE_PAGE
        entries = entries[-TIMELINE_PAGE:]
    refs = {e.actor for e in entries} | {e.comment.author for e in entries if e.comment}
    names = await people(
        session, c, refs, {out.requester.id: out.requester.name or (out.requester.email or "")}
    )
    agent_ids = set()
    for e in entries:
        if e.field == "assignee_id":
            agent_ids |= {v for v in (e.old, e.new) if isinstance(v, int)}
    assignees = await accounts.agent_names(session, c.actor.workspace_id, set(agent_ids))
    return {
        "entries": entries,
        "names": names,
        "assignee_names": assignees,
        "older_url": f"/tickets/{t.id}?before={entries[0].id}" if more_before and entries else None,
        "last_entry": entries[-1].id if entries else (after or 0),
    }


async def _props(session: AsyncSession, c: Console, out: TicketOut) -> dict[str, Any]:
    return {
        "agents": await accounts.list_agents(session, c.actor, active=True, limit=500),
        "teams": [t for t, _m in await accounts.list_teams(session, c.actor)],
        "fields": await queries.list_fields(session, c.actor, active_only=True),
    }


@router.get("/tickets/{ticket_id}")
async def show(ticket_id: int, request: Request, c: ConsoleDep, session: SessionDep) -> Response:
    t = await _ticket(session, c, ticket_id)
    out = await queries.describe_ticket(session, c.actor.workspace_id, t)
    timeline = await _timeline(session, c, t, out, before=position(request.query_params, "before"))
    panel = await customer_panel(session, c, out.requester.id)
    customer = panel.get("customer")
    values = {
        "customer.name": out.requester.name or "",
        "customer.email": out.requester.email or "",
        "ticket.number": str(out.number),
        "ticket.subject": out.subject,
        "agent.name": c.actor.name,
    }
    context = {
        "ticket": out,
        **timeline,
        **await _props(session, c, out),
        **panel,
        "canned": await canned_for(session, c, values, customer.language if customer else None),
    }
    return page(c, "tickets/show.html", **await frame(session, c, **context))


@router.get("/tickets/{ticket_id}/timeline")
async def timeline_since(ticket_id: int, request: Request, c: ConsoleDep, session: SessionDep) -> Response:
    """What was added after timeline entry ``after``, and the properties as they are now."""
    t = await _ticket(session, c, ticket_id)
    after = position(request.query_params, "after") or 0
    out = await queries.describe_ticket(session, c.actor.workspace_id, t)
    timeline = await _timeline(session, c, t, out, after=after)
    items = fragment("tickets/_entries.html", console=c, **timeline) if timeline["entries"] else ""
    props = fragment("tickets/_props.html", console=c, ticket=out, **await _props(session, c, out))
    head = fragment("tickets/_head.html", console=c, ticket=out)
    return JSONResponse(
        {
            "ok": True,
            "items": items,
            "after": timeline["last_entry"],
            "html": {"[data-ticket-props]": props, "[data-ticket-head]": head},
        },
        headers={"Cache-Control": "no-store"},
    )


@router.post("/tickets/{ticket_id}/reply")
async def reply(
    ticket_id: int, request: Request, c: ConsoleDep, session: SessionDep, rt: RuntimeDep
) -> Response:
    t = await _ticket(session, c, ticket_id)
    form = await request.form()
    mode = text(form, "mode") or "reply"
    status = text(form, "status") or None
    files = uploads(form, "files", MAX_FILES)
    data = parse(
        CommentCreate,
        {"body": text(form, "body"), "public": mode != "note", "status": status},
    )
    async with stored_until_recorded(rt) as stash:
        for f in files:
            s = await stash.store(f, c.actor.workspace_id)
            a = await actions.do_register_attachment(
                session,
                c.actor,
                filename=s.filename,
                content_type=s.content_type,
                size=s.size,
                sha256=s.sha256,
                storage_key=s.storage_key,
            )
            data.attachment_ids.append(a.id)
        await actions.do_add_comment(session, c.actor, t, data)
    message = _("Note added.") if mode == "note" else _("Reply sent.")
    return done(request, f"/tickets/{t.id}", message=message)


def _update_from(form: Any, fields: list[Any]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in ("status", "priority", "type"):
        if text(form, name):
            data[name] = text(form, name)
    for name in ("assignee_id", "team_id"):
        if name in form:
            data[name] = optional_id(form, name)
    if "tags" in form:
        data["tags"] = [t for t in (x.strip() for x in text(form, "tags").replace("，", ",").split(",")) if t]
    custom: dict[str, Any] = {}
    for fd in fields:
        key = f"field.{fd.key}"
        if fd.type == "checkbox":
            if f"{key}.present" in form:
                custom[fd.key] = key in form
        elif key in form:
            raw = text(form, key)
            if fd.type == "number" and raw:
                try:
                    custom[fd.key] = float(raw) if "." in raw else int(raw)
                except ValueError:
                    custom[fd.key] = raw
            else:
                custom[fd.key] = raw or None
    if custom:
        data["custom_fields"] = custom
    return data


@router.post("/tickets/{ticket_id}")
async def update(ticket_id: int, request: Request, c: ConsoleDep, session: SessionDep) -> Response:
    t = await _ticket(session, c, ticket_id)
    form = await request.form()
    fields = await queries.list_fields(session, c.actor, active_only=True)
    data = parse(TicketUpdate, _update_from(form, fields))
    version = text(form, "version")
    await actions.do_update_ticket(
        session,
        c.actor,
        t,
        data,
        expected_version=int(version) if version.isdigit() and len(version) < 10 else None,
    )
    out = await queries.describe_ticket(session, c.actor.workspace_id, t)
    if wants_fragment(request):
        props = fragment("tickets/_props.html", console=c, ticket=out, **await _props(session, c, out))
        head = fragment("tickets/_head.html", console=c, ticket=out)
        return JSONResponse(
            {
                "ok": True,
                "message": _("Saved."),
                "html": {"[data-ticket-props]": props, "[data-ticket-head]": head},
            }
        )
    return done(request, f"/tickets/{t.id}")
