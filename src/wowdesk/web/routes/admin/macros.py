"""Macros in the console: shared ones (managed by supervisors and admins, used by everyone) and each
agent's own. The form covers the ticket fields, tags and the reply in each language; changes to
custom fields made through the API are kept (and listed) when a macro is edited here."""

from __future__ import annotations

from typing import Any, get_args

from fastapi import APIRouter, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts import queries as accounts
from wowdesk.accounts.permissions import MACROS_MANAGE
from wowdesk.core.errors import Forbidden
from wowdesk.core.i18n import N_, _
from wowdesk.http.deps import IdPath, SessionDep
from wowdesk.tickets.macros import actions, queries
from wowdesk.tickets.macros.models import MacroRow
from wowdesk.tickets.macros.schemas import CUSTOM_PREFIX, MacroCreate, MacroUpdate
from wowdesk.tickets.schemas import Priority, TicketType
from wowdesk.web.console import Console, ConsoleDep, ConsoleRoute, done
from wowdesk.web.forms import FormLike, checked, number, parse, text
from wowdesk.web.routes.admin.common import admin_page, or_again

router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)

LANGUAGES = ("en", "zh-Hant", "zh-Hans")
SETS = ("status", "priority", "type", "assignee_id", "team_id")
UNSET = "none"  # the form's word for "set to nobody / no team"


def _mine_to_manage(c: Console, row: MacroRow) -> MacroRow:
    if row.owner_id is None and not c.can(MACROS_MANAGE):
        raise Forbidden(N_("Only supervisors and admins change the macros everyone shares."))
    return row


def _tags(form: FormLike, name: str) -> list[str]:
    return [t for t in (x.strip() for x in text(form, name).replace("，", ",").split(",")) if t]


def _from_form(form: FormLike, keep: list[dict[str, Any]]) -> dict[str, Any]:
    """The macro the form describes; `keep`: its custom field actions (not on the form)."""
    acts: list[dict[str, Any]] = []
    for name in SETS:
        raw = text(form, f"set.{name}")
        if not raw:
            continue
        value: Any = raw
        if name in ("assignee_id", "team_id"):
            value = None if raw == UNSET else number(form, f"set.{name}")
        acts.append({"set": name, "value": value})
    acts.extend(keep)
    if add := _tags(form, "add_tags"):
        acts.append({"add_tags": add})
    if remove := _tags(form, "remove_tags"):
        acts.append({"remove_tags": remove})
    texts = {lang: text(form, f"reply.{lang}") for lang in LANGUAGES if text(form, f"reply.{lang}")}
    reply = {"texts": texts, "public": text(form, "reply.mode") != "note"} if texts else None
    names = {
        lang: text(form, f"name.{lang}") for lang in ("zh-Hant", "zh-Hans") if text(form, f"name.{lang}")
    }
    return {
        "name": text(form, "name"),
        "names": names,
        "actions": acts,
        "reply": reply,
        "active": checked(form, "active"),
        "position": number(form, "position", 0),
    }


def _values(row: MacroRow | None, form: FormLike | None = None) -> dict[str, Any]:
    """What the form shows: the macro's, or what was typed."""
    if form is not None:
        return {k: v for k, v in form.items() if isinstance(v, str)} | {"active": checked(form, "active")}
    if row is None:
        return {"active": True, "reply.mode": "reply"}
    v: dict[str, Any] = {"name": row.name, "active": row.active, "position": row.position}
    for lang, name in (row.names or {}).items():
        v[f"name.{lang}"] = name
    for a in row.actions or []:
        if "set" in a and not str(a["set"]).startswith(CUSTOM_PREFIX):
            value = a.get("value")
            v[f"set.{a['set']}"] = UNSET if value is None else str(value)
        elif "add_tags" in a:
            v["add_tags"] = ", ".join(a["add_tags"])
        elif "remove_tags" in a:
            v["remove_tags"] = ", ".join(a["remove_tags"])
    for lang, body in ((row.reply or {}).get("texts") or {}).items():
        v[f"reply.{lang}"] = body
    v["reply.mode"] = "reply" if (row.reply or {}).get("public", True) else "note"
    return v


def _custom(row: MacroRow | None) -> list[dict[str, Any]]:
    return [a for a in (row.actions if row else []) if str(a.get("set", "")).startswith(CUSTOM_PREFIX)]


async def _render(
    session: AsyncSession,
    c: Console,
    template: str,
    *,
    item: MacroRow | None = None,
    values: dict[str, Any] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    rows = await queries.list_macros(session, c.actor)
    return await admin_page(
        session,
        c,
        template,
        "macros",
        status=status,
        macros=[(r, queries.macro_name(r, c.language)) for r in rows],
        item=item,
        manager=c.can(MACROS_MANAGE),
        values=values if values is not None else _values(item),
        custom=_custom(item),
        agents=await accounts.list_agents(session, c.actor, active=True, limit=500),
        teams=[t for t, _m in await accounts.list_teams(session, c.actor)],
        priorities=get_args(Priority),
        types=get_args(TicketType),
        statuses=actions.MACRO_STATUSES,
        languages=LANGUAGES,
        placeholders=[("{{ " + k + " }}", _(v)) for k, v in queries.PLACEHOLDERS.items()],
        error=error,
    )


@router.get("/admin/macros")
async def index(c: ConsoleDep, session: SessionDep) -> Response:
    return await _render(session, c, "admin/macros.html")


@router.post("/admin/macros")
async def create(request: Request, c: ConsoleDep, session: SessionDep) -> Response:
    form = await request.form()

    async def act() -> Response:
        data = parse(
            MacroCreate, {**_from_form(form, []), "shared": c.can(MACROS_MANAGE) and checked(form, "shared")}
        )
        row = await actions.do_create_macro(session, c.actor, data)
        return done(request, "/admin/macros", message=_("The macro {name} is ready to use.", name=row.name))

    async def again(error: str, status: int) -> Response:
        return await _render(
            session, c, "admin/macros.html", values=_values(None, form), error=error, status=status
        )

    return await or_again(request, act, again)


@router.get("/admin/macros/{macro_id}")
async def show(macro_id: IdPath, c: ConsoleDep, session: SessionDep) -> Response:
    row = _mine_to_manage(c, await queries.get_macro(session, c.actor, macro_id))
    return await _render(session, c, "admin/macro.html", item=row)


@router.post("/admin/macros/{macro_id}")
async def update(macro_id: IdPath, request: Request, c: ConsoleDep, session: SessionDep) -> Response:
    form = await request.form()
    row = _mine_to_manage(c, await queries.get_macro(session, c.actor, macro_id))

    async def act() -> Response:
        data = parse(MacroUpdate, _from_form(form, _custom(row)))
        await actions.do_update_macro(session, c.actor, row, data)
        return done(request, f"/admin/macros/{row.id}", message=_("Saved."))

    async def again(error: str, status: int) -> Response:
        fresh = await queries.get_macro(session, c.actor, macro_id)
        return await _render(
            session, c, "admin/macro.html", item=fresh, values=_values(None, form), error=error, status=status
        )

    return await or_again(request, act, again)


@router.post("/admin/macros/{macro_id}/delete")
async def delete(macro_id: IdPath, request: Request, c: ConsoleDep, session: SessionDep) -> Response:
    row = _mine_to_manage(c, await queries.get_macro(session, c.actor, macro_id))
    name = row.name
    await actions.do_delete_macro(session, c.actor, row)
    return done(request, "/admin/macros", message=_("The macro {name} is deleted.", name=name))
