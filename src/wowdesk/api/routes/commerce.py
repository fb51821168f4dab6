"""Commerce over the API: the generic import/upsert connector (sellers, orders with items,
shipments, tracking events; PUT by the store's external id, batches), the lists agents and
integrations read, a customer's orders, the store connection, and the signed inbound webhooks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import TypeAdapter, ValidationError

from wowdesk.accounts import queries as accounts
from wowdesk.accounts.permissions import COMMERCE_MANAGE, COMMERCE_READ, COMMERCE_WRITE
from wowdesk.api.responses import model_response
from wowdesk.api.schemas import PageOut
from wowdesk.commerce import actions, queries
from wowdesk.commerce.connectors import actions as connectors
from wowdesk.commerce.schemas import (
    EXTERNAL_ID_PATTERN,
    BatchOut,
    ConnectionIn,
    ConnectionSettingsOut,
    Fulfilment,
    OrderBatchIn,
    OrderIn,
    OrderOut,
    OrderStatus,
    SellerIn,
    SellerKind,
    SellerOut,
    SellerStatus,
    ShipmentBatchIn,
    ShipmentIn,
    ShipmentOut,
    ShipmentStatus,
    TrackingIn,
    UpsertResult,
)
from wowdesk.core.actor import Actor
from wowdesk.core.schemas import MAX_DB_ID
from wowdesk.customers import queries as customer_queries
from wowdesk.http.deps import IdPath, SessionDep, needs
from wowdesk.http.routing import StandardJSONRoute

router = APIRouter(prefix="/api/v1", tags=["commerce"], route_class=StandardJSONRoute)

CanRead = Annotated[Actor, Depends(needs(COMMERCE_READ))]
CanWrite = Annotated[Actor, Depends(needs(COMMERCE_WRITE))]
CanManage = Annotated[Actor, Depends(needs(COMMERCE_MANAGE))]
ExternalIdPath = Annotated[
    str, Path(pattern=EXTERNAL_ID_PATTERN, max_length=200, description="The store's own id of it")
]
Cursor = Query(None, max_length=500)
Limit = Query(25, ge=1, le=100)
_ORDERS = TypeAdapter(list[OrderOut])


def _status(result: str) -> int:
    return 201 if result == "created" else 200


# -- sellers ------------------------------------------------------------------------------------------------


@router.get("/commerce/sellers", response_model=PageOut[SellerOut], summary="Sellers, oldest first")
async def list_sellers(
    session: SessionDep,
    actor: CanRead,
    kind: SellerKind | None = None,
    status: SellerStatus | None = None,
    cursor: str | None = Cursor,
    limit: int = Query(50, ge=1, le=200),
) -> Response:
    page = await queries.list_sellers(session, actor, kind=kind, status=status, cursor=cursor, limit=limit)
    return model_response(PageOut(items=page.items, next_cursor=page.next_cursor))


@router.get(
    "/commerce/sellers/{external_id}", response_model=SellerOut, summary="A seller by its external id"
)
async def get_seller(external_id: ExternalIdPath, session: SessionDep, actor: CanRead) -> Response:
    return model_response(await queries.get_seller_by_external_id(session, actor, external_id))


@router.put(
    "/commerce/sellers/{external_id}",
    response_model=SellerOut,
    summary="Create or update a seller (201 when created; the same document again changes nothing)",
)
async def put_seller(
    external_id: ExternalIdPath, data: SellerIn, session: SessionDep, actor: CanWrite
) -> Response:
    row, result = await actions.do_upsert_seller(session, actor, external_id, data)
    return model_response(queries.seller_out(row), status_code=_status(result))


# -- orders -------------------------------------------------------------------------------------------------


@router.get(
    "/commerce/orders",
    response_model=PageOut[OrderOut],
    summary="Orders, latest placed first, with items, seller, shipments and tracking",
)
async def list_orders(
    session: SessionDep,
    actor: CanRead,
    customer_id: int | None = Query(None, ge=1, le=MAX_DB_ID),
    seller_id: int | None = Query(None, ge=1, le=MAX_DB_ID),
    status: OrderStatus | None = None,
    fulfilment: Fulfilment | None = None,
    cursor: str | None = Cursor,
    limit: int = Limit,
) -> Response:
    f = queries.OrderFilter(
        customer_id=customer_id, seller_id=seller_id, status=status, fulfilment=fulfilment
    )
    page = await queries.list_orders(session, actor, f, cursor=cursor, limit=limit)
    return model_response(PageOut(items=page.items, next_cursor=page.next_cursor))


@router.post(
    "/commerce/orders:batch",
    response_model=BatchOut,
    summary="Create or update up to 200 orders at once (all or none)",
    description="Each item is an order document with its `external_id`. A bad item refuses the "
    "whole batch (422 naming it by its index).",
)
async def batch_orders(data: OrderBatchIn, session: SessionDep, actor: CanWrite) -> Response:
    results = await connectors.do_import_batch(session, actor, data)
    return model_response(BatchOut(results=results))


@router.get("/commerce/orders/{external_id}", response_model=OrderOut, summary="An order by its external id")
async def get_order(external_id: ExternalIdPath, session: SessionDep, actor: CanRead) -> Response:
    return model_response(await queries.get_order_by_external_id(session, actor, external_id))


@router.put(
    "/commerce/orders/{external_id}",
    response_model=OrderOut,
    summary="Create or update an order with its items (201 when created)",
    description="The whole document each time. Amounts are integer minor units of `currency`; "
    "`items_total_minor`, when given, must be the items' sum. The customer is found (or created) "
    "by `customer.id`, `external_id`, `email` or `phone`; the seller must exist.",
)
async def put_order(
    external_id: ExternalIdPath, data: OrderIn, session: SessionDep, actor: CanWrite
) -> Response:
    row, result = await actions.do_upsert_order(session, actor, external_id, data)
    return model_response(await queries.get_order(session, actor, row.id), status_code=_status(result))


@router.get(
    "/customers/{customer_id}/orders",
    response_model=list[OrderOut],
    summary="A customer's latest orders, with shipments and tracking",
)
async def customer_orders(
    customer_id: IdPath, session: SessionDep, actor: CanRead, limit: int = Query(20, ge=1, le=100)
) -> Response:
    customer = await customer_queries.get_customer(session, actor, customer_id)
    orders = await queries.list_customer_orders(session, actor, customer.id, limit=limit)
    return Response(_ORDERS.dump_json(orders), media_type="application/json")


# -- shipments ----------------------------------------------------------------------------------------------


@router.get("/commerce/shipments", response_model=PageOut[ShipmentOut], summary="Shipments, newest first")
async def list_shipments(
    session: SessionDep,
    actor: CanRead,
    order_id: int | None = Query(None, ge=1, le=MAX_DB_ID),
    status: ShipmentStatus | None = None,
    stalled: bool | None = Query(None, description="Only parcels presumed stuck (true) or not (false)"),
    cursor: str | None = Cursor,
    limit: int = Limit,
) -> Response:
    f = queries.ShipmentFilter(order_id=order_id, status=status, stalled=stalled)
    page = await queries.list_shipments(session, actor, f, cursor=cursor, limit=limit)
    return model_response(PageOut(items=page.items, next_cursor=page.next_cursor))


@router.post(
    "/commerce/shipments:batch",
    response_model=BatchOut,
    summary="Create or update up to 200 shipments at once (all or none)",
)
async def batch_shipments(data: ShipmentBatchIn, session: SessionDep, actor: CanWrite) -> Response:
    results = await connectors.do_import_batch(session, actor, data)
    return model_response(BatchOut(results=results))


@router.get(
    "/commerce/shipments/{external_id}",
    response_model=ShipmentOut,
    summary="A shipment by its external id, with its tracking timeline (newest last)",
)
async def get_shipment(external_id: ExternalIdPath, session: SessionDep, actor: CanRead) -> Response:
    return model_response(await queries.get_shipment_by_external_id(session, actor, external_id))


@router.put(
    "/commerce/shipments/{external_id}",
    response_model=ShipmentOut,
    summary="Create or update a shipment, with tracking events (201 when created)",
    description="Its status follows its newest tracking event; a document's `delivered`, `returned` "
    "or `cancelled` always counts. Tracking events sent again are kept once.",
)
async def put_shipment(
    external_id: ExternalIdPath, data: ShipmentIn, session: SessionDep, actor: CanWrite
) -> Response:
    row, result, _added = await actions.do_upsert_shipment(session, actor, external_id, data)
    return model_response(await queries.get_shipment(session, actor, row.id), status_code=_status(result))


@router.post(
    "/commerce/shipments/{external_id}/events",
    response_model=UpsertResult,
    summary="Add tracking events to a shipment (repeats are dropped; `added_events` counts the new ones)",
)
async def add_events(
    external_id: ExternalIdPath, data: TrackingIn, session: SessionDep, actor: CanWrite
) -> Response:
    row, added = await actions.do_add_tracking_events(session, actor, external_id, data)
    result = UpsertResult(
        kind="tracking",
        external_id=row.external_id,
        id=row.id,
        result="updated" if added else "unchanged",
        added_events=added,
    )
    return model_response(result)


# -- the store connection and its webhooks ---------------------------------------------------------------


@router.get(
    "/commerce/connection",
    response_model=ConnectionSettingsOut,
    summary="The store connection (secrets shown only as hints)",
)
async def get_connection(session: SessionDep, actor: CanManage) -> Response:
    ws = await accounts.get_workspace(session, actor.workspace_id)
    return model_response(await queries.get_connection_settings(session, actor, ws.slug))


@router.put(
    "/commerce/connection",
    response_model=ConnectionSettingsOut,
    summary="Save the store connection; rotate its secrets",
    description="The first save makes the inbound (webhook) and outbound secrets; this answer shows "
    "a secret in full only when it was made by this request — keep it then.",
)
async def put_connection(data: ConnectionIn, session: SessionDep, actor: CanManage) -> Response:
    row, made = await actions.do_update_connection(session, actor, data)
    ws = await accounts.get_workspace(session, actor.workspace_id)
    return model_response(queries.connection_settings(ws.slug, row, made))


@router.post(
    "/commerce/webhooks/{slug}",
    response_model=BatchOut,
    summary="A signed webhook from the store (Standard Webhooks), applied once per webhook-id",
    description="No bearer token: the `webhook-signature` is the credential. A delivery whose "
    "`webhook-id` was applied before answers 200 with `Webhook-Replayed: true` and changes nothing.",
)
async def webhook(
    slug: Annotated[str, Path(max_length=40, pattern=r"^[a-z0-9-]{1,40}$")],
    request: Request,
    session: SessionDep,
) -> Response:
    body = await request.body()
    try:
        received = await connectors.do_receive_webhook(session, slug, body, request.headers)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False)) from None
    headers = {"Webhook-Replayed": "true"} if received.replayed else None
    return model_response(BatchOut(results=received.results), headers=headers)
