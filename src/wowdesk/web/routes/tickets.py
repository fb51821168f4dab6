"""A ticket in the console: its timeline (comments, internal notes, attachments, every change),
the composer, its properties edited in place, and the requester's panel."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts import queries as accounts
from wowdesk.accounts.permissions import AUTOMATIONS_MANAGE, TICKETS_MERGE
from wowdesk.commerce.stats import queries as order_stats
from wowdesk.core.errors import Conflict, InvalidInput, NotFound
from wowdesk.core.i18n import N_, _
from wowdesk.core.schemas import MAX_DB_ID
from wowdesk.core.sql import driver
from wowdesk.http.deps import IdPath, RuntimeDep, SessionDep
from wowdesk.http.uploads import stored_until_recorded
from wowdesk.policies.reasons import queries as reason_queries
from wowdesk.tickets import actions, queries
from wowdesk.tickets.csat import queries as csat_queries
from wowdesk.tickets.email import queries as email_queries
from wowdesk.tickets.links import actions as link_actions
from wowdesk.tickets.links import queries as link_queries
from wowdesk.tickets.macros import actions as macro_actions
from wowdesk.tickets.macros import queries as macro_queries
from wowdesk.tickets.models import TicketRow
from wowdesk.tickets.schemas import CommentCreate, TicketOut, TicketUpdate
from wowdesk.web.console import Console, ConsoleDep, ConsoleRoute, done, fragment, page, wants_fragment
from wowdesk.web.forms import optional_id, parse, position, text, uploads
from wowdesk.web.labels import FIELD, PRIORITY, STATUS, TICKET_TYPE, label
from wowdesk.web.panels import canned_for, customer_panel, people
from wowdesk.web.routes.admin.automation_form import timeline_lines
from wowdesk.web.routes.admin.sla import sla_panel
from wowdesk.web.routes.resolution.panel import resolution_panel
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
    merged: list[int] | None = None,
) -> dict[str, Any]:
    if after is not None:
        entries = await queries.timeline(session, c.actor, t, after_id=after, limit=TIMELINE_PAGE)
        more_before = False
    else:
        entries = await queries.timeline(
            session, c.actor, t, latest=True, latest_before=before, limit=TIMELINE_PAGE + 1, merged=merged
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
        "automation_lines": timeline_lines(entries, link=c.can(AUTOMATIONS_MANAGE)),
    }


async def _props(session: AsyncSession, c: Console, out: TicketOut) -> dict[str, Any]:
    orders = await order_stats.customer_order_numbers(session, c.actor.workspace_id, out.requester.id)
    return {
        "agents": await accounts.list_agents(session, c.actor, active=True, limit=500),
        "teams": [t for t, _m in await accounts.list_teams(session, c.actor)],
        "fields": await queries.list_fields(session, c.actor, active_only=True),
        "reason_groups": reason_groups(
            await reason_queries.list_reasons(session, c.actor, include_inactive=True), out.contact_reason
        ),
        "requester_orders": [{"id": i, "number": n, "placed_at": at} for i, n, at in orders],
    }


def reason_groups(rows: list[Any], current: str | None) -> list[dict[str, Any]]:
    """The taxonomy as a form offers it: groups with their active reasons (a retired reason only
    when it is the ticket's), and reasons outside any group on their own."""
    shown = [r for r in rows if r.active or r.code == current]
    inside: dict[str, list[dict[str, str]]] = {}
    for r in shown:
        if r.parent_code is not None:
            inside.setdefault(r.parent_code, []).append(
                {"code": r.code, "name": reason_queries.reason_out(r).name}
            )
    return [
        {"code": r.code, "name": reason_queries.reason_out(r).name, "children": inside.get(r.code, [])}
        for r in shown
        if r.parent_code is None
    ]


@router.get("/tickets/{ticket_id}")
async def show(ticket_id: int, request: Request, c: ConsoleDep, session: SessionDep) -> Response:
    t = await _ticket(session, c, ticket_id)
    return await _show(session, c, t, request, macro_id=position(request.query_params, "macro"))


async def _show(
    session: AsyncSession,
    c: Console,
    t: TicketRow,
    request: Request,
    *,
    macro_id: int | None = None,
    status: int = 200,
    **extra: Any,
) -> Response:
    """The ticket page; `macro_id` previews that macro (its changes, its reply to edit and
    apply); `extra` (what was typed, an error) goes to the templates."""
    out = await queries.describe_ticket(session, c.actor.workspace_id, t)
    links = await link_queries.list_links(session, c.actor, t)
    merged = await link_queries.merged_sources(session, c.actor.workspace_id, t.id, links=links)
    timeline = await _timeline(
        session, c, t, out, before=position(request.query_params, "before"), merged=merged
    )
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
        "csat": await csat_queries.survey_for_page(session, c.actor, t, timeline["entries"]),
        **await sla_panel(session, c, t),
        **await resolution_panel(session, c, t),
        **await email_queries.reply_panel(session, t),
        **await record_panels(session, c, t, macro_id, links),
        **extra,
    }
    return page(c, "tickets/show.html", http_status=status, **await frame(session, c, **context))


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
    sla = fragment("tickets/_sla.html", console=c, **await sla_panel(session, c, t))
    return JSONResponse(
        {
            "ok": True,
            "items": items,
            "after": timeline["last_entry"],
            "html": {"[data-ticket-props]": props, "[data-ticket-head]": head, "[data-ticket-sla]": sla},
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
    for name in ("assignee_id", "team_id", "order_id"):
        if name in form:
            data[name] = optional_id(form, name)
    if "contact_reason" in form:
        data["contact_reason"] = text(form, "contact_reason") or None
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
    try:
        await actions.do_update_ticket(
            session,
            c.actor,
            t,
            data,
            expected_version=int(version) if version.isdigit() and len(version) < 10 else None,
        )
    except Conflict as exc:
        if "current_version" not in exc.extra:
            raise
        raise Conflict(STALE, now=await _now_text(session, c, t), extra=exc.extra) from None
    out = await queries.describe_ticket(session, c.actor.workspace_id, t)
    if wants_fragment(request):
        props = fragment("tickets/_props.html", console=c, ticket=out, **await _props(session, c, out))
        head = fragment("tickets/_head.html", console=c, ticket=out)
        sla = fragment("tickets/_sla.html", console=c, **await sla_panel(session, c, t))
        return JSONResponse(
            {
                "ok": True,
                "message": _("Saved."),
                "html": {"[data-ticket-props]": props, "[data-ticket-head]": head, "[data-ticket-sla]": sla},
            }
        )
    return done(request, f"/tickets/{t.id}")


# -- macros, merges and links on the ticket page (docs/ticketing-macros-links.md) -----------------------

STALE = N_(
    "Someone changed this ticket meanwhile. It is now: {now}. Nothing of yours was saved; what you "
    "chose is still here — reload the page to apply it to the current version."
)


def _shown(field: str, value: Any, agents: dict[int, str], teams: dict[int, str]) -> str:
    """A ticket value as the console words it."""
    if value is None or value == [] or value == {}:
        return "—"
    if field in ("status", "priority", "type"):
        return label({"status": STATUS, "priority": PRIORITY, "type": TICKET_TYPE}[field], value)
    if field == "assignee_id":
        return agents.get(value, str(value))
    if field == "team_id":
        return teams.get(value, str(value))
    if field == "tags":
        return ", ".join(value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


async def _names(session: AsyncSession, c: Console) -> tuple[dict[int, str], dict[int, str]]:
    agents = {a.id: a.name for a in await accounts.list_agents(session, c.actor, limit=500)}
    teams = {t.id: t.name for t, _m in await accounts.list_teams(session, c.actor)}
    return agents, teams


async def _now_text(session: AsyncSession, c: Console, t: TicketRow) -> str:
    out = await queries.describe_ticket(session, c.actor.workspace_id, t)
    agents, teams = await _names(session, c)
    parts = [
        (name, _shown(name, getattr(out, name), agents, teams))
        for name in ("status", "priority", "type", "assignee_id", "team_id", "tags")
    ]
    return " · ".join(f"{label(FIELD, name)}: {value}" for name, value in parts)


async def record_panels(
    session: AsyncSession, c: Console, t: TicketRow, macro_id: int | None, links: list[Any]
) -> dict[str, Any]:
    """The macro menu (and the preview of the chosen macro) and the links panel."""
    menu: list[dict[str, Any]] = []
    preview, changes = None, []
    if t.status != "closed":
        rows = await macro_queries.list_macros(session, c.actor, active_only=True)
        menu = [{"id": m.id, "name": macro_queries.macro_name(m, c.language)} for m in rows]
        if macro_id is not None:
            macro = await macro_queries.get_macro(session, c.actor, macro_id)
            preview = await macro_queries.preview(session, c.actor, t, macro, None)
            agents, teams = await _names(session, c)
            changes = [
                (label(FIELD, f), _shown(f, old, agents, teams), _shown(f, new, agents, teams))
                for f, (old, new) in preview.changes.items()
            ]
    return {
        "macros": menu,
        "macro_preview": preview,
        "macro_changes": changes,
        "links": links,
        "can_merge": c.can(TICKETS_MERGE),
        "can_split": c.can(TICKETS_MERGE) and t.status != "closed",
    }


@router.post("/tickets/{ticket_id}/macros/{macro_id}/apply")
async def apply_macro(
    ticket_id: int, macro_id: IdPath, request: Request, c: ConsoleDep, session: SessionDep
) -> Response:
    """Apply the previewed macro with the reply as the agent edited it. Refused (the ticket
    changed meanwhile, a state the table forbids …): the page again, with the ticket as it is
    now, the reason, and the reply as typed."""
    t = await _ticket(session, c, ticket_id)
    macro = await macro_queries.get_macro(session, c.actor, macro_id)
    form = await request.form()
    body, note = text(form, "body"), text(form, "mode") == "note"
    version = text(form, "version")
    try:
        async with (await driver(session)).savepoint():
            await macro_actions.do_apply_macro(
                session,
                c.actor,
                t,
                macro,
                expected_version=int(version) if version.isdigit() and len(version) < 10 else None,
                body=body,
                public=not note,
            )
    except (Conflict, InvalidInput) as exc:
        if wants_fragment(request):
            raise
        fresh = await _ticket(session, c, ticket_id)
        stale = "current_version" in exc.extra
        error = _(STALE, now=await _now_text(session, c, fresh)) if stale else exc.localized(None)
        extra = {"macro_error": error, "macro_typed": {"body": body, "note": note}}
        return await _show(session, c, fresh, request, macro_id=macro.id, status=exc.status, **extra)
    name = macro_queries.macro_name(macro, c.language)
    return done(request, f"/tickets/{t.id}", message=_("Applied {name}.", name=name))


def _numbers(raw: str) -> list[int]:
    """Ticket numbers as agents type them: "12, #15 17"."""
    words = [w.lstrip("#") for w in raw.replace("，", ",").replace(",", " ").split()]
    if not words or not all(w.isdigit() and len(w) < 10 for w in words):
        raise InvalidInput(N_("Give ticket numbers, like 12, 15."))
    return list(dict.fromkeys(int(w) for w in words))


async def _ids(session: AsyncSession, c: Console, numbers: list[int]) -> list[int]:
    found = await link_queries.ticket_ids(session, c.actor, numbers)
    missing = [n for n in numbers if n not in found]
    if missing:
        raise NotFound(N_("There is no ticket #{number}."), number=missing[0])
    return [found[n] for n in numbers]


@router.post("/tickets/{ticket_id}/merge")
async def merge(ticket_id: int, request: Request, c: ConsoleDep, session: SessionDep) -> Response:
    t = await _ticket(session, c, ticket_id)
    form = await request.form()
    ids = await _ids(session, c, _numbers(text(form, "numbers")))
    losers = await link_actions.do_merge_tickets(session, c.actor, t, ids, text(form, "comment") or None)
    listed = ", ".join(f"#{lo.number}" for lo in losers)
    return done(request, f"/tickets/{t.id}", message=_("Merged {tickets} into this ticket.", tickets=listed))


@router.post("/tickets/{ticket_id}/links")
async def link_problem(ticket_id: int, request: Request, c: ConsoleDep, session: SessionDep) -> Response:
    t = await _ticket(session, c, ticket_id)
    form = await request.form()
    [problem_id] = await _ids(session, c, _numbers(text(form, "problem"))[:1])
    await link_actions.do_link_incident(session, c.actor, t, problem_id)
    return done(request, f"/tickets/{t.id}", message=_("Linked to its problem."))


@router.post("/tickets/{ticket_id}/links/{link_id}/delete")
async def unlink(
    ticket_id: int, link_id: IdPath, request: Request, c: ConsoleDep, session: SessionDep
) -> Response:
    t = await _ticket(session, c, ticket_id)
    await link_actions.do_unlink(session, c.actor, t, link_id)
    return done(request, f"/tickets/{t.id}", message=_("Unlinked."))


@router.post("/tickets/{ticket_id}/split")
async def split(ticket_id: int, request: Request, c: ConsoleDep, session: SessionDep) -> Response:
    t = await _ticket(session, c, ticket_id)
    form = await request.form()
    comment_id = optional_id(form, "comment_id")
    if not isinstance(comment_id, int):
        raise InvalidInput(N_("The form sent something this page did not offer. Reload it and try again."))
    new = await link_actions.do_split_ticket(session, c.actor, t, comment_id)
    message = _("Ticket #{number} was made from that message.", number=new.number)
    return done(request, f"/tickets/{new.id}", message=message)
