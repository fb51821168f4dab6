from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from wowdesk.accounts.permissions import CUSTOMERS_READ
from wowdesk.api.idempotency import create_once
from wowdesk.api.schemas import PageOut
from wowdesk.core.actor import Actor
from wowdesk.core.errors import InvalidInput
from wowdesk.core.i18n import N_
from wowdesk.core.pagination import decode_cursor, encode_cursor
from wowdesk.core.schemas import MAX_DB_ID
from wowdesk.core.validation import normalize_email, normalize_phone, normalize_tag
from wowdesk.customers import actions, queries
from wowdesk.customers.schemas import CustomerCreate, CustomerMergeIn, CustomerOut, CustomerUpdate
from wowdesk.http.deps import ActorDep, IdPath, SessionDep, needs
from wowdesk.http.routing import StandardJSONRoute

router = APIRouter(prefix="/api/v1/customers", tags=["customers"], route_class=StandardJSONRoute)

CanRead = Annotated[Actor, Depends(needs(CUSTOMERS_READ))]


@router.post("", response_model=CustomerOut, status_code=201, summary="Create a customer")
async def create_customer(
    data: CustomerCreate, request: Request, session: SessionDep, actor: ActorDep
) -> Response:
    async def create() -> CustomerOut:
        customer = await actions.do_create_customer(session, actor, data)
        return await queries.describe_customer(session, actor.workspace_id, customer)

    return await create_once(request, session, actor, data, create)


@router.get("", response_model=PageOut[CustomerOut], summary="List and search customers")
async def list_customers(
    session: SessionDep,
    actor: CanRead,
    q: str | None = Query(
        None, max_length=200, description="Part of a name, e-mail, phone or other identity"
    ),
    email: str | None = Query(None, max_length=320),
    phone: str | None = Query(None, max_length=40),
    tag: str | None = Query(None, max_length=50),
    cursor: str | None = Query(None, max_length=200),
    limit: int = Query(25, ge=1, le=200),
) -> PageOut[CustomerOut]:
    try:
        identity = (
            ("email", normalize_email(email))
            if email
            else ("phone", normalize_phone(phone))
            if phone
            else None
        )
        tag_norm = normalize_tag(tag) if tag else None
    except ValueError as exc:
        raise InvalidInput(N_("Filter not valid: {reason}"), reason=str(exc)) from None
    after = decode_cursor(cursor).get("id") if cursor else None
    if after is not None and (
        not isinstance(after, int) or isinstance(after, bool) or not 1 <= after <= MAX_DB_ID
    ):
        raise InvalidInput(N_("The cursor is not valid."))
    rows = await queries.list_customers(
        session, actor, q=q, tag=tag_norm, identity=identity, after_id=after, limit=limit + 1
    )
    items = await queries.describe_customers(session, actor.workspace_id, rows[:limit])
    return PageOut(
        items=items, next_cursor=encode_cursor({"id": rows[limit - 1].id}) if len(rows) > limit else None
    )


@router.get("/{customer_id}", response_model=CustomerOut)
async def get_customer(customer_id: IdPath, session: SessionDep, actor: CanRead) -> CustomerOut:
    customer = await queries.get_customer(session, actor, customer_id)
    return await queries.describe_customer(session, actor.workspace_id, customer)


@router.patch("/{customer_id}", response_model=CustomerOut, summary="Change a customer (lists given replace)")
async def update_customer(
    customer_id: IdPath, data: CustomerUpdate, session: SessionDep, actor: ActorDep
) -> CustomerOut:
    customer = await actions.do_update_customer(
        session, actor, await queries.get_customer(session, actor, customer_id), data
    )
    return await queries.describe_customer(session, actor.workspace_id, customer)


@router.post(
    "/{customer_id}/merge",
    response_model=CustomerOut,
    summary="Merge another customer (source_id) into this one; both histories are kept",
)
async def merge_customer(
    customer_id: IdPath, data: CustomerMergeIn, session: SessionDep, actor: ActorDep
) -> CustomerOut:
    target = await queries.get_customer(session, actor, customer_id)
    source = await queries.get_customer(session, actor, data.source_id)
    merged = await actions.do_merge_customers(session, actor, target, source)
    return await queries.describe_customer(session, actor.workspace_id, merged)
