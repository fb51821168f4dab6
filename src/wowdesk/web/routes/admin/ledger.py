"""The compensation ledger in the console (``ledger.read``: supervisors and admins): every refund,
credit, reimbursement and replacement, newest first, filtered by customer, agent, kind, status and
dates, a page at a time, with a link to the same selection as CSV (the ledger's export,
``GET /api/v1/compensations/export.csv``, which the console's session may call)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts import queries as accounts
from wowdesk.accounts.permissions import LEDGER_READ
from wowdesk.commerce import queries as commerce
from wowdesk.core.errors import InvalidInput, NotFound
from wowdesk.core.i18n import N_, _
from wowdesk.customers import queries as customers
from wowdesk.http.deps import SessionDep
from wowdesk.policies.authority.schemas import KINDS
from wowdesk.policies.ledger import queries
from wowdesk.policies.ledger.schemas import LedgerEntryOut, LedgerFilter
from wowdesk.web.console import Console, ConsoleRoute, needs
from wowdesk.web.forms import FormLike, text
from wowdesk.web.labels import label
from wowdesk.web.routes.admin.common import admin_page
from wowdesk.web.routes.resolution import words
from wowdesk.web.routes.resolution.panel import describe_entry

router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)
CanRead = Annotated[Console, Depends(needs(LEDGER_READ))]

PAGE = 25
FILTERS = ("customer", "agent", "kind", "status", "from", "to")
EXPORT = "/api/v1/compensations/export.csv"


def _id(form: FormLike, name: str, words_: str) -> int | None:
    raw = text(form, name).lstrip("#")
    if not raw:
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= 2**63 - 1:
        raise InvalidInput(N_("{field}: give a number."), field=_(words_))
    return int(raw)


def _day(form: FormLike, name: str, *, end: bool) -> dt.datetime | None:
    raw = text(form, name)
    if not raw:
        return None
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(N_("{value} is not a date (2026-03-01)."), value=raw[:40]) from None
    start = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    return start + dt.timedelta(days=1) if end else start


def read_filter(form: FormLike) -> LedgerFilter:
    """The page's filters (the API's names, so the CSV link is the same selection). Dates are
    whole days in UTC, "to" included."""
    kind, status = text(form, "kind") or None, text(form, "status") or None
    if kind is not None and kind not in KINDS:
        raise InvalidInput(N_("The form sent something this page did not offer. Reload it and try again."))
    if status is not None and status not in words.ENTRY_STATUS:
        raise InvalidInput(N_("The form sent something this page did not offer. Reload it and try again."))
    f = LedgerFilter(
        customer_id=_id(form, "customer", N_("Customer")),
        agent_id=_id(form, "agent", N_("Agent")),
        kind=kind,
        status=status,
        since=_day(form, "from", end=False),
        until=_day(form, "to", end=True),
    )
    if f.since and f.until and f.since >= f.until:
        raise InvalidInput(N_("The first day is after the last."))
    return f


async def _rows(session: AsyncSession, c: Console, items: list[LedgerEntryOut]) -> list[dict[str, Any]]:
    """Entries with names: a fixed number of queries, plus one per distinct order on the page."""
    ws = c.actor.workspace_id
    agents = await accounts.agent_names(
        session, ws, {e.agent_id for e in items} | {e.authorised_by for e in items}
    )
    names = await customers.customer_names(session, ws, sorted({e.customer_id for e in items}))
    numbers: dict[int, str] = {}
    for order_id in sorted({e.order_id for e in items if e.order_id}):
        try:
            numbers[order_id] = (await commerce.get_order(session, c.actor, order_id)).number
        except NotFound:
            numbers[order_id] = f"#{order_id}"
    out = []
    for e in items:
        row = describe_entry(e, numbers, c.language)
        name, email = names.get(e.customer_id, (None, None))
        row["customer"] = name or email or f"#{e.customer_id}"
        row["agent"] = agents.get(e.agent_id or 0) or (_("a policy") if e.policy_id else _("WowDesk"))
        row["approved_by"] = (
            agents.get(e.authorised_by or 0, "") if e.authorised_by and e.authorised_by != e.agent_id else ""
        )
        out.append(row)
    return out


@router.get("/admin/ledger")
async def index(request: Request, c: CanRead, session: SessionDep) -> Response:
    params = request.query_params
    typed = {k: text(params, k) for k in FILTERS}
    chosen = {k: v for k, v in typed.items() if v}
    error, status, rows, older = None, 200, [], None
    before_raw = text(params, "before")
    before = int(before_raw) if before_raw.isdigit() and len(before_raw) < 19 else None
    try:
        f = read_filter(params)
    except InvalidInput as exc:
        error, status = exc.localized(None), exc.status
    else:
        result = await queries.list_filtered(session, c.actor, f, before=before, limit=PAGE)
        rows = await _rows(session, c, result.items)
        if result.next_cursor:
            older = "/admin/ledger?" + urlencode({**chosen, "before": result.next_cursor})
    customer_name = ""
    if typed["customer"].isdigit() and not error:
        found = await customers.customer_names(session, c.actor.workspace_id, [int(typed["customer"])])
        name, email = found.get(int(typed["customer"]), (None, None))
        customer_name = name or email or ""
    return await admin_page(
        session,
        c,
        "admin/ledger.html",
        "ledger",
        status=status,
        rows=rows,
        typed=typed,
        customer_name=customer_name,
        error=error,
        older=older,
        newest="/admin/ledger?" + urlencode(chosen) if before else None,
        export=EXPORT + ("?" + urlencode(chosen) if chosen else ""),
        agents=await accounts.list_agents(session, c.actor, limit=500),
        kinds=[(k, label(words.GRANT_KIND, k)) for k in KINDS],
        statuses=[(k, _(v)) for k, v in words.ENTRY_STATUS.items()],
    )
