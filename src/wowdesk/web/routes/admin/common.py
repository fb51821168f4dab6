"""What every administration page shares: the sections and who may use each, the nav across them,
the page rendered inside the console's frame, and small readers of submitted forms."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts.permissions import (
    AGENTS_MANAGE,
    AUTOMATIONS_MANAGE,
    CALENDARS_MANAGE,
    CHANNELS_MANAGE,
    COMMERCE_MANAGE,
    FIELDS_MANAGE,
    LEDGER_READ,
    POLICIES_MANAGE,
    SLA_MANAGE,
    TEAMS_MANAGE,
)
from wowdesk.core.errors import Conflict, InvalidInput
from wowdesk.core.i18n import N_, _
from wowdesk.web.console import Console, needs, page, wants_fragment
from wowdesk.web.forms import FormLike, text
from wowdesk.web.shell import frame

# Lists the domains give whole (teams, skills, channels, fields) are shown up to this many; the
# page says so when there are more.
MAX_SHOWN = 200


@dataclass(frozen=True)
class Section:
    key: str
    url: str
    label: str  # msgid
    permission: str | None  # None: every agent (their own canned responses)


SECTIONS = (
    Section("agents", "/admin/agents", N_("Agents"), AGENTS_MANAGE),
    Section("roles", "/admin/roles", N_("Roles"), AGENTS_MANAGE),
    Section("teams", "/admin/teams", N_("Teams"), TEAMS_MANAGE),
    Section("skills", "/admin/skills", N_("Skills"), TEAMS_MANAGE),
    Section("channels", "/admin/channels", N_("Channels"), CHANNELS_MANAGE),
    Section("fields", "/admin/fields", N_("Custom fields"), FIELDS_MANAGE),
    Section("calendars", "/admin/calendars", N_("Calendars"), CALENDARS_MANAGE),
    Section("sla", "/admin/sla", N_("SLA policies"), SLA_MANAGE),
    Section("automations", "/admin/automations", N_("Automations"), AUTOMATIONS_MANAGE),
    # Commerce and resolution (issue 6, docs/console-resolution.md)
    Section("policies", "/admin/resolution-policies", N_("Resolution policies"), POLICIES_MANAGE),
    Section("ledger", "/admin/ledger", N_("Compensation ledger"), LEDGER_READ),
    Section("sellers", "/admin/sellers", N_("Sellers"), COMMERCE_MANAGE),
    Section("canned", "/admin/canned", N_("Canned responses"), None),
    Section("macros", "/admin/macros", N_("Macros"), None),  # everyone keeps their own
)


def sections_for(c: Console) -> list[Section]:
    return [s for s in SECTIONS if s.permission is None or c.can(s.permission)]


async def admin_page(
    session: AsyncSession, c: Console, template: str, here: str, *, status: int = 200, **context: Any
) -> Response:
    """An administration page in the console's frame, with the nav across the sections."""
    nav = [{"url": s.url, "label": _(s.label), "current": s.key == here} for s in sections_for(c)]
    ctx = await frame(session, c, section="admin", admin_nav=nav, max_shown=MAX_SHOWN, **context)
    return page(c, template, http_status=status, **ctx)


async def or_again(
    request: Request,
    act: Callable[[], Awaitable[Response]],
    again: Callable[[str, int], Awaitable[Response]],
) -> Response:
    """Do what a form asks; when its input is refused (a 422 or a 409, raised before anything is
    written), a form sent without the page's script gets its page again with what was typed and
    why (``again(error, status)``); the script gets the error to show next to the form."""
    try:
        return await act()
    except (InvalidInput, Conflict) as exc:
        if wants_fragment(request):
            raise
        return await again(exc.localized(None), exc.status)


CanManageAgents = Annotated[Console, Depends(needs(AGENTS_MANAGE))]
CanManageTeams = Annotated[Console, Depends(needs(TEAMS_MANAGE))]
CanManageChannels = Annotated[Console, Depends(needs(CHANNELS_MANAGE))]
CanManageFields = Annotated[Console, Depends(needs(FIELDS_MANAGE))]


# -- reading forms -----------------------------------------------------------------------------------------


def lines(form: FormLike, name: str) -> list[str]:
    """A textarea with one item per line: the non-empty lines, trimmed."""
    return [line.strip() for line in text(form, name).splitlines() if line.strip()]


def ids(values: list[str]) -> list[int]:
    """Ids of checked boxes; anything else is refused (a form the page did not make)."""
    if not all(v.isdigit() and len(v) < 19 for v in values):
        raise InvalidInput(N_("The form sent something this page did not offer. Reload it and try again."))
    return [int(v) for v in values]
