"""Customers in the console: a searchable list, and each customer's page with their identities on
every channel, their history, and their profile edited in place."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from wowdesk.accounts.permissions import CUSTOMERS_READ
from wowdesk.core.errors import NotFound
from wowdesk.core.i18n import N_, _
from wowdesk.core.schemas import MAX_DB_ID
from wowdesk.customers import actions, queries
from wowdesk.customers.schemas import CustomerUpdate
from wowdesk.http.deps import SessionDep
from wowdesk.web.console import ConsoleDep, ConsoleRoute, done, page
from wowdesk.web.forms import parse, position, text
from wowdesk.web.panels import customer_panel
from wowdesk.web.shell import frame

router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)

PAGE_SIZE = 30


@router.get("/customers")
async def index(request: Request, c: ConsoleDep, session: SessionDep) -> Response:
    c.actor.require(CUSTOMERS_READ)
    q = text(request.query_params, "q")[:200] or None
    after_id = position(request.query_params, "after")
    rows = await queries.list_customers(session, c.actor, q=q, after_id=after_id, limit=PAGE_SIZE + 1)
    people = await queries.describe_customers(session, c.actor.workspace_id, rows[:PAGE_SIZE])
    next_url = None
    if len(rows) > PAGE_SIZE:
        next_url = f"/customers?after={rows[PAGE_SIZE - 1].id}" + (f"&q={q}" if q else "")
    context = {"customers": people, "q": q or "", "next_url": next_url, "section": "customers"}
    return page(c, "customers/index.html", **await frame(session, c, **context))


@router.get("/customers/{customer_id}")
async def show(customer_id: int, c: ConsoleDep, session: SessionDep) -> Response:
    c.actor.require(CUSTOMERS_READ)
    if not 1 <= customer_id <= MAX_DB_ID:
        raise NotFound(N_("Customer not found."))
    panel = await customer_panel(session, c, customer_id)
    if panel.get("customer") is None:
        raise NotFound(N_("Customer not found."))
    return page(c, "customers/show.html", **await frame(session, c, section="customers", **panel))


@router.post("/customers/{customer_id}")
async def update(customer_id: int, request: Request, c: ConsoleDep, session: SessionDep) -> Response:
    if not 1 <= customer_id <= MAX_DB_ID:
        raise NotFound(N_("Customer not found."))
    customer = await queries.get_customer(session, c.actor, customer_id)
    form = await request.form()
    tags = [t for t in (x.strip() for x in text(form, "tags").replace("，", ",").split(",")) if t]
    data = parse(
        CustomerUpdate,
        {
            "name": text(form, "name"),
            "language": text(form, "language") or None,
            "time_zone": text(form, "time_zone") or None,
            "tags": tags,
        },
    )
    await actions.do_update_customer(session, c.actor, customer, data)
    return done(request, f"/customers/{customer_id}", message=_("Saved."))
