"""SLA policies in the console (admins: list them in their order, create, edit targets per
priority, conditions and calendar, delete), and the SLA box of the ticket page (``sla_panel``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts.calendars import queries as calendars
from wowdesk.accounts.permissions import SLA_MANAGE
from wowdesk.core.i18n import N_, _
from wowdesk.http.deps import IdPath, SessionDep
from wowdesk.tickets.models import TicketRow
from wowdesk.tickets.sla import actions, queries
from wowdesk.tickets.sla.models import PolicyRow
from wowdesk.tickets.sla.schemas import PolicyCreate, PolicyUpdate, TicketSlaOut
from wowdesk.web.console import Console, ConsoleRoute, done, needs
from wowdesk.web.forms import FormLike, checked, many, number, optional_id, parse, text
from wowdesk.web.routes.admin.common import admin_page, or_again

router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)
CanManageSla = Annotated[Console, Depends(needs(SLA_MANAGE))]

PRIORITIES = ("urgent", "high", "normal", "low")
METRICS = {
    "first_reply": N_("First reply"),
    "next_reply": N_("Next reply"),
    "resolution": N_("Resolution"),
}
STATES = {
    "waiting": N_("Not started"),
    "running": N_("Running"),
    "paused": N_("Paused"),
    "breached": N_("Breached"),
    "fulfilled": N_("Met"),
}
CHANNELS = ("api", "web", "email", "chat", "phone", "sms", "line", "wechat", "weibo")


# -- the ticket page's SLA box -------------------------------------------------------------------------------


def duration(seconds: int) -> str:
    """Business time in words: "45 min", "3 h 05 min"."""
    minutes = abs(seconds) // 60
    hours, rest = divmod(minutes, 60)
    if not hours:
        return _("{minutes} min", minutes=rest)
    return _("{hours} h {minutes} min", hours=hours, minutes=str(rest).zfill(2))


def _badge(state: str, near: bool) -> tuple[str, str]:
    """The words and the colour of a timer's state."""
    if state == "running" and near:
        return _("Due soon"), "status-new"
    colour = {"breached": "priority-urgent", "fulfilled": "status-solved", "paused": "status-pending"}
    return _(STATES[state]), colour.get(state, "")


def describe_sla(sla: TicketSlaOut) -> list[dict[str, Any]]:
    """What the SLA box shows for each timer that has started."""
    out = []
    for t in sla.timers:
        if t.state == "waiting":
            continue
        words, colour = _badge(t.state, t.near_breach)
        left = t.business_seconds_remaining
        if t.state in ("running", "paused", "breached"):
            time = (
                _("{time} left", time=duration(left)) if left >= 0 else _("{time} over", time=duration(left))
            )
        else:
            time = ""
        out.append(
            {
                "metric": t.metric,
                "label": _(METRICS[t.metric]),
                "state": t.state,
                "badge": words,
                "colour": colour,
                "due_at": t.due_at,
                "time": time,
                "late": t.breached,
            }
        )
    return out


async def sla_panel(session: AsyncSession, c: Console, ticket: TicketRow) -> dict[str, Any]:
    """The context of ``tickets/_sla.html`` for a ticket."""
    sla = await queries.ticket_sla(session, c.actor, ticket)
    return {"sla": sla, "sla_timers": describe_sla(sla)}


# -- the admin pages -----------------------------------------------------------------------------------------


def _targets(form: FormLike) -> dict[str, dict[str, int | str]]:
    out: dict[str, dict[str, int | str]] = {}
    for p in PRIORITIES:
        for m in METRICS:
            value = number(form, f"t_{p}_{m}")
            if value is not None:
                out.setdefault(p, {})[m] = value
    return out


def _tags(form: FormLike, name: str) -> list[str]:
    return [t for t in (x.strip() for x in text(form, name).replace("，", ",").split(",")) if t]


def _submitted(form: FormLike) -> dict[str, Any]:
    """The form as the input schema takes it (numbers as typed, for it to refuse)."""
    return {
        "name": text(form, "name"),
        "description": text(form, "description"),
        "position": number(form, "position", 0),
        "active": checked(form, "active"),
        "channels": many(form, "channels"),
        "customer_tags": _tags(form, "customer_tags"),
        "ticket_tags": _tags(form, "ticket_tags"),
        "calendar_id": optional_id(form, "calendar_id"),
        "targets": _targets(form),
        "near_breach_minutes": number(form, "near_breach_minutes", 0),
    }


def _values(row: PolicyRow | None) -> dict[str, Any]:
    if row is None:
        return {"active": True, "near_breach_minutes": 30, "position": 0, "targets": {}, "channels": []}
    return {
        "name": row.name,
        "description": row.description,
        "position": row.position,
        "active": row.active,
        "channels": row.channels,
        "customer_tags": ", ".join(row.customer_tags),
        "ticket_tags": ", ".join(row.ticket_tags),
        "calendar_id": row.calendar_id,
        "targets": row.targets,
        "near_breach_minutes": row.near_breach_minutes,
    }


def _typed(form: FormLike) -> dict[str, Any]:
    values = _submitted(form)
    values["customer_tags"] = text(form, "customer_tags")
    values["ticket_tags"] = text(form, "ticket_tags")
    values["targets"] = {p: {m: text(form, f"t_{p}_{m}") for m in METRICS} for p in PRIORITIES}
    return values


async def _page(
    session: AsyncSession,
    c: Console,
    template: str,
    *,
    item: PolicyRow | None = None,
    values: dict[str, Any] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    policies = await queries.list_policies(session, c.actor) if item is None else []
    names = await calendars.calendar_names(session, c.actor.workspace_id)
    default = next((r.id for r in await calendars.list_calendars(session, c.actor) if r.is_default), None)
    if values is None:
        values = _values(item)
        if item is None:
            values["calendar_id"] = default
    return await admin_page(
        session,
        c,
        template,
        "sla",
        status=status,
        policies=policies,
        item=item,
        calendar_names=names,
        values=values,
        priorities=PRIORITIES,
        metrics=[(m, _(words)) for m, words in METRICS.items()],
        channels=CHANNELS,
        error=error,
    )


@router.get("/admin/sla")
async def index(c: CanManageSla, session: SessionDep) -> Response:
    return await _page(session, c, "admin/sla.html")


@router.post("/admin/sla")
async def create(request: Request, c: CanManageSla, session: SessionDep) -> Response:
    form = await request.form()

    async def act() -> Response:
        row = await actions.do_create_policy(session, c.actor, parse(PolicyCreate, _submitted(form)))
        return done(
            request, f"/admin/sla/{row.id}", message=_("The SLA policy {name} is saved.", name=row.name)
        )

    async def again(error: str, status: int) -> Response:
        return await _page(session, c, "admin/sla.html", values=_typed(form), error=error, status=status)

    return await or_again(request, act, again)


@router.get("/admin/sla/{policy_id}")
async def show(policy_id: IdPath, c: CanManageSla, session: SessionDep) -> Response:
    row = await queries.get_policy(session, c.actor, policy_id)
    return await _page(session, c, "admin/sla_policy.html", item=row)


@router.post("/admin/sla/{policy_id}")
async def update(policy_id: IdPath, request: Request, c: CanManageSla, session: SessionDep) -> Response:
    form = await request.form()
    row = await queries.get_policy(session, c.actor, policy_id)

    async def act() -> Response:
        await actions.do_update_policy(session, c.actor, row, parse(PolicyUpdate, _submitted(form)))
        return done(request, f"/admin/sla/{policy_id}", message=_("Saved."))

    async def again(error: str, status: int) -> Response:
        return await _page(
            session, c, "admin/sla_policy.html", item=row, values=_typed(form), error=error, status=status
        )

    return await or_again(request, act, again)


@router.post("/admin/sla/{policy_id}/delete")
async def delete(policy_id: IdPath, request: Request, c: CanManageSla, session: SessionDep) -> Response:
    row = await queries.get_policy(session, c.actor, policy_id)
    await actions.do_delete_policy(session, c.actor, row)
    return done(request, "/admin/sla", message=_("The SLA policy {name} is deleted.", name=row.name))
