"""Web-chat channels (create one, copy its embed snippet, rename it, give it a team, switch it off)
and each channel's business hours."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts import queries as accounts
from wowdesk.conversations import actions as chat
from wowdesk.conversations import queries as chat_queries
from wowdesk.conversations.schemas import (
    BusinessHours,
    ChannelCreate,
    ChannelOut,
    ChannelUpdate,
    WebchatSettings,
)
from wowdesk.core.errors import DomainError, InvalidInput
from wowdesk.core.i18n import N_, _
from wowdesk.http.deps import IdPath, SessionDep
from wowdesk.web.console import Console, ConsoleRoute, done, wants_fragment
from wowdesk.web.forms import FormLike, checked, many, optional_id, parse, text
from wowdesk.web.labels import WEEKDAYS as WEEKDAY_WORDS
from wowdesk.web.labels import label
from wowdesk.web.routes.admin.common import MAX_SHOWN, CanManageChannels, admin_page, or_again
from wowdesk.web.routes.settings import time_zones

router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)

GREETING_LANGUAGES = ("en", "zh-Hant", "zh-Hans")
PRE_CHAT = ("name", "email")
WEEKDAYS = tuple(WEEKDAY_WORDS)  # mon … sun
MAX_DAY_TEXT = 300  # "09:00-12:00, 13:00-18:00" is 24


async def _teams(session: AsyncSession, c: Console) -> list[Any]:
    return [t for t, _members in (await accounts.list_teams(session, c.actor))[:MAX_SHOWN]]


def _settings_from(form: FormLike, current: dict[str, Any]) -> dict[str, Any]:
    """The channel's settings with the greeting and pre-chat fields of the form (the rest kept)."""
    greeting = {code: text(form, f"greeting_{code}") for code in GREETING_LANGUAGES}
    return {
        **current,
        "greeting": {code: words for code, words in greeting.items() if words},
        "pre_chat": many(form, "pre_chat"),
    }


def _typed(form: FormLike) -> dict[str, Any]:
    """What the admin typed, to show again with the reason it was refused."""
    return {
        "name": text(form, "name"),
        "team_id": text(form, "team_id"),
        "active": checked(form, "active"),
        "greeting": {code: text(form, f"greeting_{code}") for code in GREETING_LANGUAGES},
        "pre_chat": many(form, "pre_chat"),
    }


def _saved(channel: ChannelOut) -> dict[str, Any]:
    return {
        "name": channel.name,
        "team_id": str(channel.team_id or ""),
        "active": channel.active,
        "greeting": dict(channel.settings.greeting),
        "pre_chat": list(channel.settings.pre_chat),
    }


async def _index(
    session: AsyncSession,
    c: Console,
    request: Request,
    *,
    values: dict[str, Any] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    rows = await chat_queries.list_channels(session, c.actor.workspace_id)
    base = str(request.base_url)
    channels = [
        chat_queries.channel_out(ch, base_url=base, workspace_slug=c.workspace.slug)
        for ch in rows[:MAX_SHOWN]
    ]
    teams = await _teams(session, c)
    return await admin_page(
        session,
        c,
        "admin/channels.html",
        "channels",
        status=status,
        channels=channels,
        more=len(rows) > MAX_SHOWN,
        teams=teams,
        team_names={t.id: t.name for t in teams},
        languages=GREETING_LANGUAGES,
        pre_chat=PRE_CHAT,
        values=values or {"name": "", "team_id": "", "greeting": {}, "pre_chat": []},
        error=error,
    )


async def _one(
    session: AsyncSession,
    c: Console,
    request: Request,
    channel_id: int,
    *,
    values: dict[str, Any] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    row = await chat_queries.get_channel(session, c.actor, channel_id)
    channel = chat_queries.channel_out(row, base_url=str(request.base_url), workspace_slug=c.workspace.slug)
    return await admin_page(
        session,
        c,
        "admin/channel.html",
        "channels",
        status=status,
        channel=channel,
        teams=await _teams(session, c),
        languages=GREETING_LANGUAGES,
        pre_chat=PRE_CHAT,
        values=values or _saved(channel),
        error=error,
    )


@router.get("/admin/channels")
async def index(request: Request, c: CanManageChannels, session: SessionDep) -> Response:
    return await _index(session, c, request)


@router.post("/admin/channels")
async def create(request: Request, c: CanManageChannels, session: SessionDep) -> Response:
    form = await request.form()

    async def act() -> Response:
        data = parse(
            ChannelCreate,
            {
                "name": text(form, "name"),
                "team_id": optional_id(form, "team_id"),
                "settings": _settings_from(form, {}),
            },
        )
        channel = await chat.do_create_channel(session, c.actor, data)
        return done(
            request,
            f"/admin/channels/{channel.id}",
            message=_("The channel {name} is created. Copy its snippet into your site.", name=channel.name),
        )

    async def again(error: str, status: int) -> Response:
        return await _index(session, c, request, values=_typed(form), error=error, status=status)

    return await or_again(request, act, again)


@router.get("/admin/channels/{channel_id}")
async def show(channel_id: IdPath, request: Request, c: CanManageChannels, session: SessionDep) -> Response:
    return await _one(session, c, request, channel_id)


@router.post("/admin/channels/{channel_id}")
async def update(channel_id: IdPath, request: Request, c: CanManageChannels, session: SessionDep) -> Response:
    form = await request.form()
    row = await chat_queries.get_channel(session, c.actor, channel_id)

    async def act() -> Response:
        current = WebchatSettings.model_validate(row.settings or {}).model_dump(mode="json")
        data = parse(
            ChannelUpdate,
            {
                "name": text(form, "name"),
                "team_id": optional_id(form, "team_id"),
                "active": checked(form, "active"),
                "settings": _settings_from(form, current),
            },
        )
        await chat.do_update_channel(session, c.actor, row, data)
        return done(request, f"/admin/channels/{channel_id}", message=_("Saved."))

    async def again(error: str, status: int) -> Response:
        return await _one(session, c, request, channel_id, values=_typed(form), error=error, status=status)

    return await or_again(request, act, again)


# -- business hours ------------------------------------------------------------------------------------------


def _hours_values(hours: BusinessHours | None, default_zone: str) -> dict[str, Any]:
    """What the hours form shows: the saved hours, or office hours on weekdays to start from."""
    if hours is None:
        return {
            "enabled": False,
            "time_zone": default_zone,
            "days": {d: {"open": d not in ("sat", "sun"), "ranges": "09:00-18:00"} for d in WEEKDAYS},
            "holidays": "",
        }
    return {
        "enabled": True,
        "time_zone": hours.time_zone,
        "days": {d: {"open": bool(hours.weekly.get(d)), "ranges": hours.weekly.get(d, "")} for d in WEEKDAYS},
        "holidays": "\n".join(hours.holidays),
    }


def _submitted(form: FormLike) -> dict[str, Any]:
    return {
        "enabled": checked(form, "enabled"),
        "time_zone": text(form, "time_zone"),
        "days": {
            d: {"open": checked(form, f"open_{d}"), "ranges": text(form, f"hours_{d}")} for d in WEEKDAYS
        },
        "holidays": text(form, "holidays"),
    }


def _hours_from(values: dict[str, Any]) -> BusinessHours | None:
    """The business hours of the form, each problem named by its day; None: always open."""
    if not values["enabled"]:
        return None
    weekly: dict[str, str] = {}
    for day in WEEKDAYS:
        typed = values["days"][day]
        if not typed["open"]:
            continue
        words = label(WEEKDAY_WORDS, day)
        if not typed["ranges"]:
            raise InvalidInput(
                N_("{day}: give the opening hours, such as 09:00-18:00, or mark the day closed."), day=words
            )
        if len(typed["ranges"]) > MAX_DAY_TEXT:
            raise InvalidInput(N_("{day}: at most {max} characters."), day=words, max=MAX_DAY_TEXT)
        try:
            schedule = accounts.business_calendar("UTC", {day: typed["ranges"]}, []).weekly.as_dict()
        except InvalidInput as exc:
            raise InvalidInput(N_("{day}: {problem}"), day=words, problem=exc.localized(None)) from None
        weekly[day] = ", ".join(schedule.get(day, []))
    holidays = [h for h in (line.strip() for line in values["holidays"].splitlines()) if h]
    accounts.business_calendar(values["time_zone"], weekly, holidays[:1000])  # a readable 422
    return parse(BusinessHours, {"time_zone": values["time_zone"], "weekly": weekly, "holidays": holidays})


async def _hours_page(
    session: AsyncSession,
    c: Console,
    request: Request,
    channel_id: int,
    values: dict[str, Any] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    row = await chat_queries.get_channel(session, c.actor, channel_id)
    channel = chat_queries.channel_out(row, base_url=str(request.base_url), workspace_slug=c.workspace.slug)
    zones = time_zones()
    return await admin_page(
        session,
        c,
        "admin/hours.html",
        "channels",
        status=status,
        channel=channel,
        values=values or _hours_values(channel.settings.hours, c.workspace.time_zone),
        weekdays=WEEKDAYS,
        time_zones=zones,
        error=error,
    )


@router.get("/admin/channels/{channel_id}/hours")
async def hours(channel_id: IdPath, request: Request, c: CanManageChannels, session: SessionDep) -> Response:
    return await _hours_page(session, c, request, channel_id)


@router.post("/admin/channels/{channel_id}/hours")
async def save_hours(
    channel_id: IdPath, request: Request, c: CanManageChannels, session: SessionDep
) -> Response:
    form = await request.form()
    row = await chat_queries.get_channel(session, c.actor, channel_id)
    values = _submitted(form)
    try:
        new_hours = _hours_from(values)
    except DomainError as exc:
        if wants_fragment(request):
            raise
        # A form sent without the page's script: the same page again, with what was typed and why
        # it was refused (nothing is written before this point).
        return await _hours_page(
            session, c, request, channel_id, values=values, error=exc.localized(None), status=exc.status
        )
    settings = WebchatSettings.model_validate(row.settings or {}).model_copy(update={"hours": new_hours})
    await chat.do_update_channel(session, c.actor, row, ChannelUpdate(settings=settings))
    return done(request, f"/admin/channels/{channel_id}/hours", message=_("The business hours are saved."))
