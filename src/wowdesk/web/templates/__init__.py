"""Jinja2 templates of the pages WowDesk serves (autoescaped: customer text never becomes markup).

Templates translate with ``_("English msgid", name=value)`` — the same catalogue and the same
``{placeholder}`` syntax as the Python code (``tools/i18n.py`` extracts from both) — in the
language of the request (``core.i18n.current_language``). Dates and times are shown in the
agent's time zone with Babel's formats for the language."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from functools import cache
from typing import Any

from babel.dates import format_datetime, format_timedelta
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from wowdesk.core.i18n import current_language, translate
from wowdesk.core.money import format_money
from wowdesk.web import labels
from wowdesk.web.assets import asset_version
from wowdesk.web.rendering import render_text

BABEL_LOCALES = {"en": "en", "zh-Hant": "zh_Hant_TW", "zh-Hans": "zh_Hans_CN"}
_time_zone: dict[str, zoneinfo.ZoneInfo] = {}


def _(message: str, **params: Any) -> str:
    return translate(message, None, **params)


def _zone(name: str | None) -> zoneinfo.ZoneInfo:
    key = name or "UTC"
    zone = _time_zone.get(key)
    if zone is None:
        try:
            zone = zoneinfo.ZoneInfo(key)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = zoneinfo.ZoneInfo("UTC")
        _time_zone[key] = zone
    return zone


def when(value: dt.datetime | str | None, tz: str | None = None, form: str = "medium") -> str:
    """A moment in the reader's time zone and language: "Dec 1, 2026, 3:04 PM", "2026年12月1日 下午3:04".
    An ISO 8601 string (as timeline lines keep moments) is read first."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return str(value)
    if value is None:
        return ""
    locale = BABEL_LOCALES.get(current_language(), "en")
    return str(format_datetime(value, format=form, tzinfo=_zone(tz), locale=locale))


def ago(value: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """How long ago, in words of the reader's language ("5 minutes", "3 天")."""
    if value is None:
        return ""
    now = now or dt.datetime.now(dt.UTC)
    delta = max(now - value, dt.timedelta(0))
    locale = BABEL_LOCALES.get(current_language(), "en")
    if delta < dt.timedelta(minutes=1):
        return translate("just now")
    text = format_timedelta(delta, threshold=1.2, format="short", locale=locale)
    return translate("{time} ago", time=text)


def iso(value: dt.datetime | None) -> str:
    return value.isoformat() if value else ""


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("wowdesk.web", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.globals["_"] = _
    env.globals["asset_version"] = asset_version()
    env.globals["label"] = labels.label
    for name in (
        "STATUS",
        "PRIORITY",
        "TICKET_TYPE",
        "ROLE",
        "AVAILABILITY",
        "LANGUAGE",
        "KIND",
        "FIELD_TYPE",
        "WEEKDAYS",
        "FIELD",
    ):
        env.globals[name] = getattr(labels, name)
    env.filters["when"] = when
    env.filters["ago"] = ago
    env.filters["iso"] = iso
    env.filters["money"] = lambda minor, currency: format_money(int(minor or 0), currency, current_language())
    env.filters["text"] = lambda value: Markup(render_text(value or ""))  # noqa: S704 - sanitised by nh3
    return env


def render(name: str, **context: Any) -> str:
    return environment().get_template(name).render(**context)
