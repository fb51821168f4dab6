"""The agent's own settings: name, language (or the browser's), time zone, password, and
notifications on this device."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from functools import cache

from fastapi import APIRouter, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts import actions, queries
from wowdesk.accounts.schemas import AgentUpdate
from wowdesk.core.errors import InvalidInput
from wowdesk.core.i18n import N_, _, set_language
from wowdesk.core.uow import now
from wowdesk.core.validation import AUTO_LANGUAGE
from wowdesk.http.deps import IdPath, SessionDep
from wowdesk.notifications import actions as notify_actions
from wowdesk.notifications import queries as notify_queries
from wowdesk.notifications.schemas import NotificationSettingsIn
from wowdesk.web.console import Console, ConsoleDep, ConsoleRoute, browser_language, done, page
from wowdesk.web.forms import checked, parse, text
from wowdesk.web.shell import frame

router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)


@cache
def time_zones() -> list[str]:
    return sorted(
        z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/"))
    )


@router.get("/settings")
async def show(c: ConsoleDep, session: SessionDep) -> Response:
    context = {
        "section": "settings",
        "time_zones": time_zones(),
        "notify": await notify_queries.notification_settings(
            session, c.actor.workspace_id, notify_actions.agent_of(c.actor)
        ),
        "devices": await notify_queries.list_subscriptions(session, c.actor),
        "absence": await _absence(session, c),
    }
    return page(c, "settings/index.html", **await frame(session, c, **context))


async def _absence(session: AsyncSession, c: Console) -> dict[str, object]:
    """Whether the agent is out of office, and until when in their time zone (for the form)."""
    agent = await queries.get_agent(session, c.actor, c.actor.id or 0)
    out, until = queries.out_of_office(agent, now(session))
    local = until.astimezone(_zone(c.time_zone)) if until else None
    return {"out": out, "until": local, "until_input": local.strftime("%Y-%m-%dT%H:%M") if local else ""}


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


@router.post("/settings/out-of-office")
async def out_of_office(request: Request, c: ConsoleDep, session: SessionDep) -> Response:
    """Out of office (for good, or until a moment in the agent's time zone), or back."""
    form = await request.form()
    out, typed = checked(form, "out_of_office"), text(form, "until")
    until = None
    if out and typed:
        try:
            until = dt.datetime.fromisoformat(typed).replace(tzinfo=_zone(c.time_zone))
        except ValueError:
            raise InvalidInput(N_("Give the end of the absence as a date and time.")) from None
    agent = await queries.get_agent(session, c.actor, c.actor.id or 0)
    await actions.do_set_out_of_office(session, c.actor, agent, out, until)
    return done(request, "/settings", message=_("You are out of office.") if out else _("You are back."))


@router.post("/settings/notifications")
async def notifications(request: Request, c: ConsoleDep, session: SessionDep) -> Response:
    """What is pushed to the agent's devices when their console is closed."""
    form = await request.form()
    data = NotificationSettingsIn(
        assignments=checked(form, "assignments"), customer_replies=checked(form, "customer_replies")
    )
    await notify_actions.do_set_notification_settings(session, c.actor, data)
    return done(request, "/settings", message=_("Saved."))


@router.post("/settings/devices/{subscription_id}/forget")
async def forget_device(
    request: Request, subscription_id: IdPath, c: ConsoleDep, session: SessionDep
) -> Response:
    """Stop pushing to one of the agent's devices (a lost phone, an old browser)."""
    await notify_actions.do_unsubscribe(session, c.actor, subscription_id)
    return done(request, "/settings", message=_("This device no longer receives notifications."))


@router.post("/settings/profile")
async def profile(request: Request, c: ConsoleDep, session: SessionDep) -> Response:
    form = await request.form()
    agent = await queries.get_agent(session, c.actor, c.actor.id or 0)
    data = parse(
        AgentUpdate,
        {
            "name": text(form, "name"),
            "language": text(form, "language"),
            "time_zone": text(form, "time_zone"),
        },
    )
    await actions.do_update_agent(session, c.actor, agent, data)
    # The page changes language with the choice: reload it rather than swap a fragment, and say
    # "saved" in the language chosen.
    if data.language is not None:
        set_language(browser_language(request) if data.language == AUTO_LANGUAGE else data.language)
    return done(request, "/settings", message=_("Saved."))


@router.post("/settings/password")
async def password(request: Request, c: ConsoleDep, session: SessionDep) -> Response:
    form = await request.form()
    agent = await queries.get_agent(session, c.actor, c.actor.id or 0)
    new = text(form, "password")
    if new != text(form, "password_again"):
        from wowdesk.core.errors import InvalidInput
        from wowdesk.core.i18n import N_

        raise InvalidInput(N_("The two new passwords are not the same."))
    data = parse(AgentUpdate, {"password": new})
    await actions.do_update_agent(
        session, c.actor, agent, data, current_password=text(form, "current_password")
    )
    return done(request, "/settings", message=_("Your password is changed. Other devices are signed out."))
