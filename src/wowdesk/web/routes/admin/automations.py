"""Automation rules (admins): triggers that run when something happens to a ticket, and time-based
rules checked every few minutes, both in the order they run; one rule's form — conditions in rows,
one section per kind of action — and its webhook signing secret. What the form holds becomes the
rule JSON the API takes and goes through the same schemas and actions, so every refusal the API
gives shows next to the form, with what was typed kept (``automation_form`` holds the form)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts import queries as accounts
from wowdesk.accounts.calendars import queries as calendars
from wowdesk.accounts.permissions import AUTOMATIONS_MANAGE
from wowdesk.core.errors import Conflict, InvalidInput
from wowdesk.core.i18n import N_, _
from wowdesk.http.deps import IdPath, SessionDep
from wowdesk.tickets import queries as ticket_queries
from wowdesk.tickets.automations import actions, queries
from wowdesk.tickets.automations.models import Automation
from wowdesk.tickets.automations.schemas import TRIGGER_EVENTS, AutomationCreate, AutomationUpdate
from wowdesk.tickets.macros import queries as macro_queries
from wowdesk.web.console import Console, ConsoleRoute, done, needs
from wowdesk.web.labels import LANGUAGE, PRIORITY, STATUS, TICKET_TYPE, label
from wowdesk.web.routes.admin import automation_form as rf
from wowdesk.web.routes.admin.common import admin_page, or_again

router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)
CanManageAutomations = Annotated[Console, Depends(needs(AUTOMATIONS_MANAGE))]

KINDS = ("trigger", "schedule")
PICKER_SIZE = 500  # agents offered in the assign and notify selects
# The placeholders a rule's reply may use: the macros' (a rule's reply is signed with the
# workspace's name where a macro's has the agent's).
PLACEHOLDERS = tuple(macro_queries.PLACEHOLDERS.items())
CUSTOM_HINTS = {
    "checkbox": N_("true or false"),
    "number": N_("a number"),
    "date": N_("a date like 2026-11-23"),
}
NOTIFY = {
    "assignee": N_("the assignee"),
    "team": N_("the ticket's team"),
    "agent": N_("one agent"),
}


async def _choices(session: AsyncSession, c: Console) -> tuple[rf.Choices, dict[str, Any]]:
    """What the selects offer (as sets, to check a saved rule against) and the words to show."""
    fields = await ticket_queries.list_fields(session, c.actor)
    agents = await accounts.list_agents(session, c.actor, active=True, limit=PICKER_SIZE)
    teams = [t for t, _m in await accounts.list_teams(session, c.actor)]
    cals = await calendars.list_calendars(session, c.actor)
    macros = [m for m in await macro_queries.list_macros(session, c.actor) if m.owner_id is None]
    vocabulary = queries.vocabulary()["fields"]
    statuses = tuple(s for s in vocabulary["ticket.status"]["values"] if s != "new")
    choices = rf.Choices(
        fields=vocabulary,
        custom_types={f.key: f.type for f in fields},
        active_custom={f.key for f in fields if f.active},
        agents={a.id for a in agents},
        teams={t.id for t in teams},
        calendars={cal.id for cal in cals},
        macros={m.id for m in macros},
        statuses=statuses,
        priorities=tuple(vocabulary["ticket.priority"]["values"]),
        types=tuple(vocabulary["ticket.type"]["values"]),
    )
    field_names = {f.key: (f.labels or {}).get(c.language) or f.label for f in fields}
    opts = {
        "agents": [(a.id, a.name) for a in agents],
        "teams": [(t.id, t.name) for t in teams],
        "calendars": [(cal.id, cal.name) for cal in cals],
        "macros": [(m.id, macro_queries.macro_name(m, c.language), m.active) for m in macros],
        "custom_fields": [(f.key, field_names[f.key]) for f in fields if f.active],
        "statuses": [(s, label(STATUS, s)) for s in statuses],
        "priorities": [(p, label(PRIORITY, p)) for p in choices.priorities],
        "types": [(t, label(TICKET_TYPE, t)) for t in choices.types],
        "ops": [(op, _(w)) for op, w in rf.OPS.items()],
        "events": [(e, _(rf.EVENTS[e])) for e in TRIGGER_EVENTS],
        "notify": [(k, _(w)) for k, w in NOTIFY.items()],
        "languages": [(code, label(LANGUAGE, code)) for code in rf.LANGUAGES],
        "placeholders": [("{{ " + code + " }}", _(w)) for code, w in PLACEHOLDERS],
        "field_names": field_names,
    }
    return choices, opts


def _field_options(choices: rf.Choices, opts: dict[str, Any], kind: str) -> list[dict[str, str]]:
    """The condition rows' field select, and what each field takes (the page's reference list)."""
    out = []
    for name in choices.condition_fields(kind):
        if name.startswith(rf.CUSTOM):
            key = name.removeprefix(rf.CUSTOM)
            shown = _("Custom field: {name}", name=opts["field_names"].get(key, key))
            hint = _(CUSTOM_HINTS.get(choices.custom_types.get(key) or "", N_("text")))
        else:
            shown = _(rf.FIELDS[name])
            spec = choices.fields.get(name, {"kind": "value"})
            hint = _(rf.KIND_HINTS[spec["kind"]], values=", ".join(spec.get("values", [])))
        out.append({"name": name, "label": shown, "hint": hint})
    return out


async def _form_page(
    session: AsyncSession,
    c: Console,
    kind: str,
    *,
    rule: Automation | None = None,
    typed: rf.Values | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    """A rule's page: the form (for a new rule, or a rule the form can show: as it is, or as
    typed), else the rule read-only as the API holds it."""
    choices, opts = await _choices(session, c)
    values = typed
    if rule is not None:
        shown = _shown(rule, choices)
        values = None if shown is None else typed or shown
    return await admin_page(
        session,
        c,
        "admin/automation.html",
        "automations",
        status=status,
        item=rule,
        kind=kind,
        values=values or (rf.Values(kind=kind) if rule is None else None),
        rule_json=rf.as_json(rule) if rule is not None and values is None else None,
        field_options=_field_options(choices, opts, kind),
        opts=opts,
        clear=rf.CLEAR,
        set_labels={k: _(v) for k, v in rf.SET_LABELS.items()},
        error=error,
    )


def _shown(rule: Automation, choices: rf.Choices) -> rf.Values | None:
    """The form's fields for a rule, or None when the form cannot show all the rule holds."""
    values = rf.from_rule(rule, choices)
    if values is None or not rf.round_trips(rule, values, choices):
        return None
    return values


def _summary(rule: Automation) -> dict[str, Any]:
    conditions = rule.conditions or {}
    return {
        "id": rule.id,
        "name": rule.name,
        "position": rule.position,
        "events": [rf.event_label(e) for e in rule.events or []],
        "conditions": len(conditions.get("all") or []) + len(conditions.get("any") or []),
        "actions": len(rule.actions or []),
        "active": rule.active,
        "updated_at": rule.updated_at,
    }


@router.get("/admin/automations")
async def index(c: CanManageAutomations, session: SessionDep) -> Response:
    rules = await queries.list_automations(session, c.actor)  # by kind, then position and id
    return await admin_page(
        session,
        c,
        "admin/automations.html",
        "automations",
        triggers=[_summary(r) for r in rules if r.kind == "trigger"],
        schedules=[_summary(r) for r in rules if r.kind == "schedule"],
    )


@router.get("/admin/automations/new")
async def new(request: Request, c: CanManageAutomations, session: SessionDep) -> Response:
    kind = "schedule" if request.query_params.get("kind") == "schedule" else "trigger"
    return await _form_page(session, c, kind)


def _kind(form: Any) -> str:
    kind = form.get("kind")
    if kind not in KINDS:
        raise InvalidInput(N_("The form sent something this page did not offer. Reload it and try again."))
    return str(kind)


@router.post("/admin/automations")
async def create(request: Request, c: CanManageAutomations, session: SessionDep) -> Response:
    form = await request.form()
    kind = _kind(form)
    typed = rf.from_form(form, kind)

    async def act() -> Response:
        choices, _opts = await _choices(session, c)
        built = rf.build(typed, choices)
        try:
            data = AutomationCreate.model_validate({**built.body, "kind": kind})
        except ValidationError as exc:
            raise rf.refused(exc, built.places) from None
        try:
            rule = await actions.do_create_automation(session, c.actor, data)
        except InvalidInput as exc:
            raise rf.expanded(exc) from None
        return done(
            request,
            f"/admin/automations/{rule.id}",
            message=_("The rule {name} is saved.", name=rule.name),
        )

    async def again(error: str, status: int) -> Response:
        return await _form_page(session, c, kind, typed=typed, error=error, status=status)

    return await or_again(request, act, again)


@router.get("/admin/automations/{automation_id}")
async def show(automation_id: IdPath, c: CanManageAutomations, session: SessionDep) -> Response:
    rule = await queries.get_automation(session, c.actor, automation_id)
    return await _form_page(session, c, rule.kind, rule=rule)


@router.post("/admin/automations/{automation_id}")
async def update(
    automation_id: IdPath, request: Request, c: CanManageAutomations, session: SessionDep
) -> Response:
    rule = await queries.get_automation(session, c.actor, automation_id)
    form = await request.form()
    typed = rf.from_form(form, rule.kind)

    async def act() -> Response:
        choices, _opts = await _choices(session, c)
        if _shown(rule, choices) is None:
            raise Conflict(N_("This rule holds more than the form can show; change it through the API."))
        built = rf.build(typed, choices)
        try:
            data = AutomationUpdate.model_validate(built.body)
        except ValidationError as exc:
            raise rf.refused(exc, built.places) from None
        try:
            await actions.do_update_automation(session, c.actor, rule, data)
        except InvalidInput as exc:
            raise rf.expanded(exc) from None
        return done(request, f"/admin/automations/{rule.id}", message=_("Saved."))

    async def again(error: str, status: int) -> Response:
        return await _form_page(session, c, rule.kind, rule=rule, typed=typed, error=error, status=status)

    return await or_again(request, act, again)


@router.post("/admin/automations/{automation_id}/active")
async def switch(
    automation_id: IdPath, request: Request, c: CanManageAutomations, session: SessionDep
) -> Response:
    """Turn a rule on or off, whatever it holds (also one the form cannot show)."""
    rule = await queries.get_automation(session, c.actor, automation_id)
    form = await request.form()
    on = form.get("active") == "1"
    await actions.do_update_automation(session, c.actor, rule, AutomationUpdate(active=on))
    message = (
        _("The rule {name} is on.", name=rule.name) if on else _("The rule {name} is off.", name=rule.name)
    )
    return done(request, f"/admin/automations/{rule.id}", message=message)


@router.post("/admin/automations/{automation_id}/secret")
async def renew_secret(
    automation_id: IdPath, request: Request, c: CanManageAutomations, session: SessionDep
) -> Response:
    rule = await queries.get_automation(session, c.actor, automation_id)
    await actions.do_renew_signing_secret(session, c.actor, rule)
    return done(
        request,
        f"/admin/automations/{rule.id}",
        message=_("A new signing secret is made; give it to the webhook's receiver."),
    )


@router.post("/admin/automations/{automation_id}/delete")
async def delete(
    automation_id: IdPath, request: Request, c: CanManageAutomations, session: SessionDep
) -> Response:
    rule = await queries.get_automation(session, c.actor, automation_id)
    name = rule.name
    await actions.do_delete_automation(session, c.actor, rule)
    return done(request, "/admin/automations", message=_("The rule {name} is deleted.", name=name))
